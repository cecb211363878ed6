-- Every kind of run-time failure comes back as nil, err with a structured
-- error, and the next call on the same client still works.
local h = require "helpers"
local sops = require "sops"

local function still_works(c)
  local list, _, resp = c:get_template_list{}
  assert.is_table(list)
  assert.is_true(resp.result)
end

describe("errors", function()
  local sim, c
  h.use_sim({"--speed", "0"}, {timeout = 1}, function(s, cl) sim, c = s, cl end)
  after_each(function() still_works(c) end)

  it("api: result false, with code, message, request_id and api name", function()
    local v, _, err = c:get_task_status{task_id = 424242}
    assert.is_nil(v)
    assert.is_true(sops.is_error(err))
    assert.equal("api", err.kind)
    assert.equal(3540400, err.code)
    assert.equal("数据不存在错误: 数据不存在错误, 错误内容 TaskFlowInstance(id=424242) does not exist. | process_exception",
      err.message)
    assert.equal(200, err.http_status)
    assert.equal("get_task_status", err.api)
    assert.is_false(err.retryable)
    assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", err.request_id)
    -- the middleware's body has no trace_id, but TraceIDInjectMiddleware
    -- puts Sops-Trace-Id on every JSON answer, this one too
    assert.matches("^%x+$", err.trace_id)
    assert.equal("sops: get_task_status: api error 3540400: " .. err.message .. " (HTTP 200, request_id "
      .. err.request_id .. ")", tostring(err))
  end)

  it("join strings like string errors do, and keep their fields", function()
    local _, _, err = c:get_task_status{task_id = 424242}
    local text = tostring(err)
    assert.equal("failed: " .. text, "failed: " .. err)
    assert.equal(text, err .. "")
    assert.equal(text .. " (2)", err .. " (2)")
    assert.equal("1" .. text, 1 .. err)
    assert.equal(text .. text, err .. err)
    assert.equal("api", err.kind)
    assert.equal(3540400, err.code)
    -- what cannot join a string still cannot
    local ok, msg = pcall(function() return err .. {} end)
    assert.is_false(ok)
    assert.matches("attempt to concatenate a table value", msg, 1, true)
    ok = pcall(function() return true .. err end)
    assert.is_false(ok)
  end)

  it("api: keeps the view's trace_id", function()
    local t = sim:task({template_id = 1})
    local _, _, err = c:pause_task{task_id = t.task_id}
    assert.equal("task not started", err.message)
    assert.equal(3545000, err.code)
    assert.matches("^%x+$", err.trace_id)
    assert.equal("operate_task", err.api)
  end)

  it("api: an object message becomes a string, the object goes in detail", function()
    sim:fault({kind = "garbage", content_type = "application/json",
      body = '{"result": false, "code": 3540000, "message": {"include_children_status": ["Must be a valid boolean."]}}'})
    local _, _, err = c:get_tasks_status{task_id_list = {1}}
    assert.equal("api", err.kind)
    assert.same({include_children_status = {"Must be a valid boolean."}}, err.detail)
    assert.equal('{"include_children_status":["Must be a valid boolean."]}', err.message)
  end)

  it("gateway: the gateway refused the credentials", function()
    local bad = sim:client({app_secret = "wrong"})
    local _, _, err = bad:get_template_list{}
    assert.equal("gateway", err.kind)
    assert.equal(400, err.http_status)
    assert.equal(1640001, err.code)
    assert.equal('Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]', err.message)
    assert.is_false(err.retryable)
    assert.is_string(err.request_id)
  end)

  it("gateway: 429 is retryable and carries Retry-After", function()
    sim:fault({kind = "rate_limit", retry_after = 7})
    local _, _, err = c:get_template_list{}
    assert.equal("gateway", err.kind)
    assert.equal(429, err.http_status)
    assert.equal(1642901, err.code)
    assert.is_true(err.retryable)
    assert.equal(7, err.retry_after)
  end)

  it("http: an HTML 502 from a proxy", function()
    sim:fault({kind = "status", status = 502})
    local _, _, err = c:get_template_list{}
    assert.equal("http", err.kind)
    assert.equal(502, err.http_status)
    assert.equal("HTTP 502", err.message)
    assert.is_true(err.retryable)
    assert.equal("sops: get_template_list: http error: HTTP 502 (HTTP 502, request_id " .. err.request_id .. ")",
      tostring(err))
  end)

  it("http: a 4xx is not retryable", function()
    sim:fault({kind = "status", status = 403, body = "This API can only be accessed through API gateway"})
    local _, _, err = c:get_template_list{}
    assert.equal("http", err.kind)
    assert.equal(403, err.http_status)
    assert.is_false(err.retryable)
  end)

  it("timeout: a server slower than `timeout`", function()
    sim:fault({kind = "delay", seconds = 3})
    local t0 = h.socket.gettime()
    local _, _, err = c:get_template_list{}
    assert.equal("timeout", err.kind)
    assert.is_true(err.retryable)
    assert.is_true(h.socket.gettime() - t0 < 2.5)
  end)

  it("transport: the connection is reset", function()
    -- libcurl retries once, on a new connection, a request whose reused
    -- keep-alive connection died before any answer; so reset twice
    sim:fault({kind = "reset", count = 2})
    local _, _, err = c:get_template_list{}
    assert.equal("transport", err.kind)
    assert.is_true(err.retryable)
  end)

  it("transport: the body is cut short", function()
    sim:fault({kind = "truncate"})
    local _, _, err = c:get_template_list{}
    assert.equal("transport", err.kind)
    assert.is_true(err.retryable)
  end)

  it("decode: a 200 that is not JSON", function()
    sim:fault({kind = "garbage"})
    local _, _, err = c:get_template_list{}
    assert.equal("decode", err.kind)
    assert.matches("^response is not JSON: unexpected character at byte 1", err.message)
    assert.is_false(err.retryable)
  end)

  it("decode: JSON that is not a bk-sops envelope", function()
    for _, body in ipairs({"[1, 2, 3]", "42", '"text"', "null", "true", '{"result": "yes"}'}) do
      sim:fault({kind = "garbage", body = body})
      local v, _, err = c:get_template_list{}
      assert.is_nil(v)
      assert.equal("decode", err.kind, body)
      assert.matches("not a bk%-sops envelope", err.message)
    end
  end)

  it("never raises on whatever the server answers", function()
    local bodies = {"", "{", "null", "[]", "{}", '{"result": false}', '{"result": false, "message": 5}',
      '{"result": false, "code": "x", "message": ["a"]}', '{"result": true}', '{"result": true, "data": null}',
      '<html></html>', '{"result": true, "data": ' .. string.rep("[", 2000) .. "}"}
    for _, status in ipairs({200, 400, 429, 502}) do
      for _, body in ipairs(bodies) do
        sim:fault({kind = "garbage", status = status, body = body, content_type = "application/json"})
        local ok, v, message, err = pcall(c.get_template_list, c, {})
        assert.is_true(ok, v)
        if v == nil then
          assert.is_string(message)
          assert.is_true(sops.is_error(err))
          assert.is_string(err.message)
        else
          assert.equal(200, status)
        end
      end
    end
    -- result true without data gives true
    sim:fault({kind = "garbage", body = '{"result": true, "data": null}'})
    assert.is_true((c:get_template_list{}))
  end)

  it("decode: a body over max_body, refused without reading it all", function()
    local small = sim:client({max_body = 10000})
    sim:fault({kind = "size", bytes = 20000})
    local _, _, err = small:get_template_list{}
    assert.equal("decode", err.kind)
    assert.equal("response body exceeds max_body (10000 bytes)", err.message)
    sim:fault({kind = "size", bytes = 9000})
    local v = small:get_template_list{}
    assert.equal(9000 - #'{"result":true,"code":0,"message":"","data":""}', #v)
    small:close()
  end)

  it("decode: nesting deeper than the limit", function()
    sim:fault({kind = "garbage", body = '{"result": true, "data": ' .. string.rep("[", 5000) .. string.rep("]", 5000) .. "}"})
    local _, _, err = c:get_template_list{}
    assert.equal("decode", err.kind)
    assert.matches("nesting too deep", err.message)
  end)
end)

describe("transport errors without a server", function()
  it("a dead port is a retryable transport error", function()
    local c = sops.new({url = "http://127.0.0.1:" .. h.dead_port() .. "/prod", app_code = "a", app_secret = "s",
      username = "u", bk_biz_id = 2, connect_timeout = 2})
    local v, _, err = c:get_task_status{task_id = 1}
    assert.is_nil(v)
    assert.equal("transport", err.kind)
    assert.is_true(err.retryable)
    assert.is_nil(err.http_status)
    assert.matches("^sops: get_task_status: transport error: ", tostring(err))
  end)
end)

describe("TLS", function()
  local dir, port, server

  setup(function()
    server = h.tls_server()
    dir, port = server.dir, server.port
  end)
  teardown(function() server.stop() end)

  local function client(opts)
    local o = {url = "https://127.0.0.1:" .. port .. "/prod", app_code = "a", app_secret = "s", username = "u",
      bk_biz_id = 2, timeout = 5}
    for k, v in pairs(opts or {}) do o[k] = v end
    return sops.new(o)
  end

  it("rejects a self-signed certificate by default", function()
    local _, _, err = client():get_task_status{task_id = 1}
    assert.equal("tls", err.kind)
    assert.is_false(err.retryable)
  end)

  it("accepts it with ca_file, or with verify_tls = false", function()
    -- s_server -www answers with an HTML page: past TLS, it is a decode error
    local _, _, err = client({ca_file = dir .. "/cert.pem"}):get_task_status{task_id = 1}
    assert.equal("decode", err.kind)
    _, _, err = client({verify_tls = false}):get_task_status{task_id = 1}
    assert.equal("decode", err.kind)
  end)
end)
