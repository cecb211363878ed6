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
end)
