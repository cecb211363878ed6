-- What the core gives another transport (the cosocket one inside nginx):
-- core.request, the request as libcurl would send it, and core.answer, an
-- exchange's outcome classified and decoded as libcurl's transfers are.
-- Outside nginx, so that memcheck and the sanitizers see this C code too.
local h = require "helpers"
local core = require "sops.core"

describe("core.request and core.answer", function()
  local env = h.sim_env({"--speed", "0"})
  setup(env.start)
  teardown(env.stop)

  it("give the request libcurl sends: method, URL, header block, body, once", function()
    local c = env.c
    local req = core.request(c, "get_task_status", {task_id = 7, with_ex_data = true}, "00-" .. string.rep("a", 32)
      .. "-" .. string.rep("b", 16) .. "-01")
    assert.equal("GET", req.method)
    assert.equal(env.sim.url .. "/prod/get_task_status/7/2/?with_ex_data=true&scope=cmdb_biz", req.url)
    assert.is_nil(req.body)
    assert.is_false(req.once)
    -- the lines as they go on the wire, the secret among them; none that
    -- libcurl would drop ("Name:")
    assert.is_truthy(req.head:find('X-Bkapi-Authorization: {"bk_app_code":"' .. h.APP_CODE .. '","bk_app_secret":"'
      .. h.APP_SECRET .. '"', 1, true))
    assert.matches("traceparent: 00%-a+%-b+%-01\r\n$", req.head)
    for line in req.head:gmatch("(.-)\r\n") do assert.matches("^[%w-]+: ", line) end
    local post = core.request(c, "start_task", {task_id = 7})
    assert.equal("POST", post.method)
    assert.equal('{"scope":"cmdb_biz"}', post.body)
    assert.is_true(post.once)
    assert.matches("Content%-Type: application/json\r\n", post.head)
  end)

  it("raise argument errors at the caller's line, as a call does", function()
    local ok, msg = pcall(function()
      local r = core.request(env.c, "get_task_status", {task_id = "x"})
      return r
    end)
    assert.is_false(ok)
    assert.matches("27%-transport_spec.lua:%d+: bad argument #1 to 'sops.get_task_status' %(field 'task_id'", msg)
  end)

  it("classify an answer as libcurl's: value and envelope, or the same error kinds", function()
    local c = env.c
    local value, _, env_ = core.answer(c, "get_task_status", {status = 200, sent = true,
      body = '{"result":true,"code":0,"data":{"state":"RUNNING"},"trace_id":"t1"}'})
    assert.equal("RUNNING", value.state)
    assert.equal("t1", env_.trace_id)
    local cases = {
      {{status = 200, sent = true, body = '{"result":false,"code":3540400,"message":"no"}'}, "api"},
      {{status = 502, sent = true, body = "<html>bad gateway</html>"}, "http"},
      {{status = 404, sent = true, error_code = "1640401", request_id = "r-1",
        body = '{"code":1640401,"result":false,"message":"API not found","data":null}'}, "gateway"},
      {{status = 200, sent = true, body = "not json"}, "decode"},
      {{status = 200, sent = true, too_large = true}, "decode"},
      {{failure = "timeout", message = "timed out", sent = true}, "timeout"},
      {{failure = "tls", message = "certificate verify failed", sent = false}, "tls"},
      {{failure = "transport", message = "connection refused", sent = false}, "transport"},
      {{status = 429, sent = true, retry_after = "3", body = "{}"}, "http"},
    }
    for i, case in ipairs(cases) do
      local v, _, err = core.answer(c, "get_task_status", case[1])
      assert.is_nil(v, i)
      assert.equal(case[2], err.kind, i)
      assert.equal("get_task_status", err.api, i)
      assert.equal(case[1].sent == true, err.sent, i)
    end
    local _, _, err = core.answer(c, "get_task_status", cases[3][1])
    assert.equal(1640401, err.code)
    assert.equal("r-1", err.request_id)
    _, _, err = core.answer(c, "get_task_status", cases[9][1])
    assert.equal(3, err.retry_after)
    assert.is_true(err.retryable)
    -- a state-changing call that went out is never retryable
    _, _, err = core.answer(c, "start_task", {failure = "timeout", message = "timed out", sent = true, once = true})
    assert.is_false(err.retryable)
  end)

  it("decode through the Lua state's one string cache, as libcurl's transfers and sops.decode do", function()
    local sops = require "sops"
    local name = "cache-shared-" .. tostring(os.time())
    local id = assert(env.c:create_task{template_id = 1, name = name}).task_id
    core.decode_cache("clear")
    -- over libcurl: the name comes in the answer, once
    assert.equal(name, assert(env.c:get_task_status{task_id = id}).name)
    local s1 = core.decode_cache()
    assert.is_true(s1.hits > 0 and s1.misses > 0)
    -- the same string, a hit for sops.decode and for core.answer
    assert.equal(name, sops.decode('["' .. name .. '", 1]')[1])
    local value = core.answer(env.c, "get_task_status", {status = 200, sent = true,
      body = '{"result":true,"data":{"name":"' .. name .. '"}}'})
    assert.equal(name, value.name)
    local s2 = core.decode_cache()
    assert.equal(s1.misses, s2.misses)
    assert.equal(s1.hits + 5, s2.hits) -- name; then result, data, name, name
  end)

  it("scrub the client's secrets from what an answer says", function()
    local _, _, err = core.answer(env.c, "get_task_status", {status = 500, sent = true,
      body = "server error: bad secret " .. h.APP_SECRET})
    assert.equal("http", err.kind)
    assert.is_nil(tostring(err):find(h.APP_SECRET, 1, true))
    assert.is_nil((err.message or ""):find(h.APP_SECRET, 1, true))
    local message
    _, message, err = core.answer(env.c, "get_task_status", {failure = "transport", message = "refused " .. h.APP_SECRET})
    assert.is_nil(err.message:find(h.APP_SECRET, 1, true))
    assert.is_nil(message:find(h.APP_SECRET, 1, true))
    -- a hostile server may echo it in a header too (found by make fuzz)
    _, message, err = core.answer(env.c, "get_task_status", {status = 502, sent = true, body = "x",
      request_id = "r-" .. h.APP_SECRET, trace_id = "t-" .. h.APP_SECRET})
    assert.equal("r-***", err.request_id)
    assert.equal("t-***", err.trace_id)
    assert.is_nil(message:find(h.APP_SECRET, 1, true))
  end)
  it("core.wire gives the request's bytes on an HTTP/1.1 connection: core.request's request, in one string", function()
    local c = env.c
    local tp = "00-" .. string.rep("a", 32) .. "-" .. string.rep("b", 16) .. "-01"
    local prefix = env.sim.url:match("^https?://[^/]+")
    local wire, once = core.wire(c, "get_task_status", {task_id = 7}, tp, "sim.example:8080", #prefix)
    local req = core.request(c, "get_task_status", {task_id = 7}, tp)
    assert.is_false(once)
    assert.equal("GET " .. req.url:sub(#prefix + 1) .. " HTTP/1.1\r\nHost: sim.example:8080\r\n" .. req.head
      .. "Accept: */*\r\nConnection: keep-alive\r\n\r\n", wire)
    local post = core.request(c, "start_task", {task_id = 7})
    wire, once = core.wire(c, "start_task", {task_id = 7}, nil, "h", #prefix)
    assert.is_true(once)
    assert.equal("POST " .. post.url:sub(#prefix + 1) .. " HTTP/1.1\r\nHost: h\r\n" .. post.head
      .. "Accept: */*\r\nContent-Length: " .. #post.body .. "\r\nConnection: keep-alive\r\n\r\n" .. post.body, wire)
    -- a client whose headers carry an Accept sends only that one
    local own = env.sim:client({headers = {Accept = "application/json"}})
    finally(function() own:close() end)
    wire = core.wire(own, "get_task_status", {task_id = 7}, nil, "h", #prefix)
    local _, accepts = wire:lower():gsub("\naccept:", "")
    assert.equal(1, accepts)
    assert.matches("\nAccept: application/json\r\n", wire, 1, true)
    assert.has_error(function() core.wire(c, "get_task_status", {task_id = "x"}, nil, "h", 0) end)
  end)

  it("core.head reads an answer's status and framing headers, and says why it cannot", function()
    local head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-LENGTH:  12 \r\n"
      .. "Connection: Keep-Alive, Close\r\n\r\n"
    local status, minor, last, length, chunked, close = core.head(head .. "{}")
    assert.same({200, 1, #head, 12, false, true}, {status, minor, last, length, chunked, close})
    status, minor, last, length, chunked = core.head("xx" .. "HTTP/1.0 404 No\nTransfer-Encoding: gzip, chunked\n\n", 3)
    assert.same({404, 0, 2 + 50, nil, true}, {status, minor, last, length, chunked})
    assert.same({nil, "more"}, {core.head("HTTP/1.1 200 OK\r\nContent-Len")})
    assert.same({nil, "more"}, {core.head("HTT")})
    assert.same({nil, "not an HTTP answer"}, {core.head("<html>\r\n")})
    assert.same({nil, "not an HTTP answer"}, {core.head("HTTP/1.1 2x0 OK\r\n\r\n")})
    assert.same({nil, "too long"}, {core.head("HTTP/1.1 200 OK\r\nX: " .. ("y"):rep(core.ANSWER_LINE_MAX) .. "\r\n")})
    -- Content-Length twice, or not a decimal number: false
    assert.is_false(select(4, core.head("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n")))
    assert.is_false(select(4, core.head("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n")))
  end)

  it("core.answer takes an answer in place: status, the read buffer, where its body and head start", function()
    local c = env.c
    local body = '{"result":true,"code":0,"data":{"state":"RUNNING"},"trace_id":"t1"}'
    local buf = "HTTP/1.1 200 OK\r\nX-Bkapi-Request-Id: r-9\r\n\r\n" .. body
    local value, message, envelope = core.answer(c, "get_task_status", 200, buf, #buf - #body + 1, 1, false)
    assert.equal("RUNNING", value.state)
    assert.is_nil(message)
    assert.equal("t1", envelope.trace_id)
    -- the headers are read when a failure needs them, repeats joined as libcurl's path joins them
    local gw = '{"code":1640401,"result":false,"message":"API not found","data":null}'
    buf = "junkHTTP/1.1 404 Not Found\r\nx-bkapi-error-code: 1640401\r\nX-Bkapi-Request-Id: r-1\r\n"
      .. "X-Bkapi-Request-Id: r-2\r\n\r\n" .. gw
    local _, _, err = core.answer(c, "get_task_status", 404, buf, #buf - #gw + 1, 5, false)
    assert.equal("gateway", err.kind)
    assert.equal("r-1, r-2", err.request_id)
    buf = "HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nX-Bkapi-Request-Id: r-" .. h.APP_SECRET .. "\r\n\r\n{}"
    _, message, err = core.answer(c, "start_task", 429, buf, #buf - 1, 1, true)
    assert.equal(3, err.retry_after)
    assert.equal("r-***", err.request_id)
    -- the same error as the answer told in a table
    local _, _, told = core.answer(c, "start_task", {status = 429, sent = true, once = true, body = "{}",
      retry_after = "3", request_id = "r-" .. h.APP_SECRET})
    assert.same(told, err)
    assert.is_nil(message:find(h.APP_SECRET, 1, true))
    -- an empty body
    buf = "HTTP/1.1 502 Bad\r\n\r\n"
    _, _, err = core.answer(c, "get_task_status", 502, buf, #buf + 1, 1, false)
    assert.equal("http", err.kind)
    assert.has_error(function() core.answer(c, "get_task_status", 200, buf, #buf + 2, 1, false) end)
  end)
end)
