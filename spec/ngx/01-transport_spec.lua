-- lua-sops inside a real nginx (Debian's, with the Lua module and LuaJIT):
-- the cosocket transport gives what libcurl gives, on the wire and in Lua,
-- for every call kind and every fault, verifies TLS, and leaves the worker
-- free while it waits. `make test-openresty` runs these.
local h = require "helpers"
local nginx = require "ngx.nginx"
local cjson = require "cjson"

local SIM_ARGS = {"--speed", "0", "--app-code", "nginx-app", "--app-secret", "nginx-secret"}

-- the requests the simulator logged, as the spec compares them
local function wire(sim)
  local out = {}
  for _, r in ipairs(sim:requests()) do
    out[#out + 1] = {r.method, r.path, r.query or "", r.body, r.headers["x-bkapi-authorization"],
      r.headers["content-type"], r.headers["user-agent"], r.headers.accept, r.headers.host,
      r.headers["content-length"]}
  end
  return out
end

describe("lua-sops in nginx", function()
  local sim, ngx_
  local env = nginx.env(SIM_ARGS)
  local case = env.case
  setup(function()
    env.start()
    sim, ngx_ = env.sim, env.nginx
  end)
  teardown(env.stop)
  before_each(function() sim:reset() end)

  it("uses cosockets in a content phase", function()
    local out = case("which")
    assert.equal("content", out.phase)
    assert.is_true(out.cosocket)
  end)

  it("gives every kind of call the same answers and the same requests on both transports", function()
    sim:config({speed = 50})
    local by = {}
    for _, transport in ipairs({"curl", "ngx"}) do
      sim:reset()
      sim:control("POST", "time", {speed = 50})
      local out = case("calls", {transport = transport})
      local log = wire(sim)
      by[transport] = {out = out, log = log}
    end
    local a, b = by.curl.out, by.ngx.out
    assert.same(a.create, b.create)
    assert.same(a.list, b.list)
    assert.same(a.unknown, b.unknown)
    assert.same(a.refused, b.refused)
    assert.equal("api", b.refused.err.kind)
    assert.equal("FINISHED", b.wait)
    assert.same({"FINISHED", "FINISHED"}, b.wait_all)
    assert.same(a.pages, b.pages)
    assert.equal(3, #b.many)
    assert.equal("api", b.many[3].err.kind)
    assert.is_table(b.many[1].value)
    -- (node ids are random: the same tree, its names)
    assert.equal(b.detail.value.name, a.detail.value.name)
    assert.equal(b.detail.value.task_id or b.detail.value.id, b.create.task_id)
    -- the same requests, header for header, up to the polls of the waits
    -- (their number follows time); call_many's three in any order
    local function until_wait(log)
      local out, many = {}, {}
      for i = 1, 11 do
        if i >= 8 and i <= 10 then
          local words = {}
          for j = 1, 10 do words[j] = tostring(log[i][j]) end
          many[#many + 1] = table.concat(words, "\n")
        else
          out[#out + 1] = log[i]
        end
      end
      table.sort(many)
      out[#out + 1] = many
      return out
    end
    assert.same(until_wait(by.curl.log), until_wait(by.ngx.log))
    assert.matches("^lua%-sops/", by.ngx.log[1][7])
  end)

  local FAULTS = {
    {"status 502", {kind = "status", status = 502}, "http"},
    {"reset", {kind = "reset"}, "transport"},
    {"garbage", {kind = "garbage"}, "decode"},
    {"rate limit", {kind = "rate_limit", retry_after = 3}, "gateway"},
    {"too large", {kind = "size", bytes = 200000}, "decode", {max_body = 100000}},
    {"slow", {kind = "delay", seconds = 2}, "timeout", {timeout = 0.5}},
  }
  for _, f in ipairs(FAULTS) do
    it("maps a " .. f[1] .. " to the same error on both transports", function()
      local got = {}
      for _, transport in ipairs({"curl", "ngx"}) do
        sim:reset()
        local t = sim:task({template_id = 1})
        -- (libcurl resends a read once on a reset; so may the cosocket path)
        local fault = {match = "/get_task_status/", count = f[2].kind == "reset" and 2 or 1}
        for k, v in pairs(f[2]) do fault[k] = v end
        sim:fault(fault)
        local query = {transport = transport, task_id = t.task_id}
        for k, v in pairs(f[4] or {}) do query[k] = v end
        got[transport] = case("read", query).err
      end
      assert.equal(f[3], got.ngx.kind)
      assert.same(got.curl, got.ngx)
    end)
  end

  it("marks a state-changing call answered 502 not retryable, a read retryable, on both transports", function()
    for _, transport in ipairs({"curl", "ngx"}) do
      local t = sim:task({template_id = 1})
      sim:fault({kind = "status", status = 502, match = "/start_task/"})
      local out = case("write", {transport = transport, task_id = t.task_id})
      assert.equal(502, out.err.http_status, transport)
      assert.is_false(out.err.retryable, transport)
      sim:fault({kind = "status", status = 502, match = "/get_task_status/"})
      assert.is_true(case("read", {transport = transport, task_id = t.task_id}).err.retryable, transport)
    end
  end)

  it("under random faults, every call through a cosocket returns a value or nil, message, err, and a create "
    .. "reaches the server at most once", function()
    sim:clear_log()
    local out = case("chaos", {transport = "ngx", n = 300, seed = 20261204})
    assert.same({}, out.broken)
    assert.is_true(out.faults > 60)
    assert.is_true(out.values > 100)
    for _, kind in ipairs({"transport", "http", "decode"}) do
      assert.is_true((out.kinds[kind] or 0) > 0, "no " .. kind .. " error was seen")
    end
    -- the 4 made at the start, then one request per create that went out
    assert.equal(4 + out.creates_sent, #sim:requests_to("create_task"))
  end)

  it("reports an argument mistake at the caller's line for every entry point, on both transports", function()
    for _, transport in ipairs({"ngx", "curl"}) do
      assert.same({}, case("positions", {transport = transport}).wrong, transport)
    end
  end)

  it("reads a chunked answer as libcurl does, within max_body", function()
    local t = sim:task({template_id = 1})
    sim:fault({kind = "chunked", bytes = 7, match = "/get_task_status/"})
    local out = case("read", {transport = "ngx", task_id = t.task_id})
    assert.equal("CREATED", out.value.state)
    sim:fault({kind = "chunked", bytes = 7, match = "/get_task_status/"})
    assert.same(out.value, case("read", {transport = "curl", task_id = t.task_id}).value)
    sim:fault({kind = "chunked", bytes = 7, match = "/get_task_status/"})
    assert.equal("decode", case("read", {transport = "ngx", task_id = t.task_id, max_body = 40}).err.kind)
  end)

  it("says a proxy is for libcurl, before anything is sent", function()
    local out = case("proxy", {transport = "ngx"})
    assert.equal("transport", out.err.kind)
    assert.is_false(out.err.sent)
    assert.matches("cannot use a proxy", out.text, 1, true)
    assert.equal(0, #sim:requests())
  end)

  it("returns errors that ngx.say, ngx.print, ngx.log and assert take as strings, on both transports", function()
    local t = sim:task({template_id = 1})
    for _, transport in ipairs({"curl", "ngx"}) do
      local status, body = ngx_.get("/idioms?transport=" .. transport .. "&task_id=" .. t.task_id .. "&sim="
        .. sim.url)
      assert.equal(200, status, transport .. ": " .. body)
      local want = "sops: get_task_status: api error 3540400: "
      assert.matches("^failed: " .. want, body, nil, transport)
      assert.matches("\nprint: " .. want, body, nil, transport)
      assert.matches("\nassert: false string\n", body, 1, true)
      assert.matches("\nsuccess: CREATED nil\n", body, 1, true)
      assert.matches("logged: " .. want, ngx_.log(), nil, transport)
    end
  end)

  it("refuses a call where cosockets do not work, unless told transport = \"curl\"", function()
    sim:task({template_id = 1})
    for _, transport in ipairs({"auto", "ngx"}) do
      local status, body = ngx_.get("/setphase?transport=" .. transport .. "&sim=" .. sim.url)
      assert.equal(200, status)
      assert.equal("phase", body, transport)
    end
    assert.equal(0, #sim:requests_to("/get_task_status/"))
    local status, body = ngx_.get("/setphase?transport=curl&sim=" .. sim.url)
    assert.equal(200, status)
    assert.equal("CREATED", body)
    assert.equal(1, #sim:requests_to("/get_task_status/"))
  end)

  it("never sends a state-changing call twice, on either transport", function()
    for _, transport in ipairs({"curl", "ngx"}) do
      sim:reset()
      local t = sim:task({template_id = 1})
      sim:fault({kind = "reset", match = "/start_task/"})
      local err = case("write", {transport = transport, task_id = t.task_id}).err
      assert.equal("transport", err.kind)
      assert.is_true(err.sent)
      assert.is_false(err.retryable)
      assert.equal(1, #sim:requests_to("/start_task/"), transport)
    end
  end)

  it("keeps the answers of concurrent calls on a client shared at module level apart", function()
    local first, last
    for i = 1, 12 do
      local t = sim:task({template_id = 1, name = "task " .. i})
      first, last = first or t.task_id, t.task_id
    end
    -- the answers come back in another order than the calls went out
    sim:fault({kind = "delay", seconds = 0.3, match = "/get_task_detail/" .. first .. "/"})
    for _ = 1, 2 do -- the second request reuses the first's client
      local out = case("shared", {transport = "ngx", from = first, to = last})
      assert.equal(12, #out)
      for _, pair in ipairs(out) do assert.equal(string.format("task %d", pair[1] - first + 1), pair[2]) end
    end
  end)

  it("gives a call whose client was closed meanwhile a closed error", function()
    local t = sim:task({template_id = 1})
    sim:fault({kind = "delay", seconds = 1, match = "/get_task_status/"})
    assert.same({kind = "closed"}, case("close_during", {transport = "ngx", task_id = t.task_id}))
  end)

  it("answers a trivial location while 20 slow calls wait in the same worker", function()
    local socket = require "socket"
    sim:fault({kind = "delay", seconds = 1, match = "/get_task_status/", count = 20})
    local slow = assert(socket.connect("127.0.0.1", ngx_.port))
    slow:send("GET /case/parallel?n=20&transport=ngx&sim=" .. sim.url .. " HTTP/1.0\r\n\r\n")
    -- the slow request is in the worker (the simulator has its calls)...
    h.wait_until(function() return #sim:requests_to("/get_task_status/") == 20 end)
    -- ...and the worker still answers
    local status, body = ngx_.get("/lua")
    assert.equal(200, status)
    assert.equal("ok\n", body)
    slow:settimeout(0)
    local _, err = slow:receive("*a")
    assert.equal("timeout", err) -- the 20 calls were still waiting
    slow:settimeout(10)
    local answer = slow:receive("*a")
    slow:close()
    assert.matches('%["api","api"', answer) -- task 1 does not exist: every call came back
  end)
end)

describe("lua-sops in nginx over TLS", function()
  local server, ngx_
  setup(function()
    server = h.tls_server()
    ngx_ = nginx.start({ca = server.ca})
  end)
  teardown(function()
    ngx_.stop()
    server.stop()
  end)

  it("verifies the certificate and the server name by default, as libcurl does", function()
    -- trusted and named (s_server answers an HTML page: past TLS, a decode error)
    local _, good = ngx_.get("/case/tls?transport=ngx&url=https://127.0.0.1:" .. server.port .. "/prod")
    assert.equal("decode", cjson.decode(good).err.kind, good)
    -- trusted, but another name
    local _, body = ngx_.get("/case/tls?transport=ngx&url=https://127.0.0.2:" .. server.port .. "/prod")
    local out = cjson.decode(body)
    assert.equal("tls", out.err.kind, body)
    local _, curl_body = ngx_.get("/case/tls?transport=curl&url=https://127.0.0.2:" .. server.port .. "/prod")
    assert.equal("tls", cjson.decode(curl_body).err.kind, curl_body)
  end)
end)
