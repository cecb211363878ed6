-- The idioms Lua programmers write around a call that can fail, as they
-- write them around io.open, LuaSocket and the lua-resty libraries: on
-- failure nil, a string message and the structured error; on success the
-- value and a nil second value. Run on every runtime (make test-all).
local h = require "helpers"
local sops = require "sops"
local callbacks = require "sops.callbacks"

describe("the idioms", function()
  local env = h.sim_env({"--speed", "0"})
  setup(env.start)
  teardown(env.stop)
  before_each(function() env.sim:reset() end)

  local UNKNOWN = 424242

  -- (busted replaces the global assert: Lua's own runs in a process of its own)
  it("assert(call) raises the message, a string, in the runtime's own assert", function()
    local script = [[
      local sops = require "sops"
      local c = sops.new{url = os.getenv("BK_SOPS_URL"), app_code = os.getenv("BK_APP_CODE"),
        app_secret = os.getenv("BK_APP_SECRET"), username = "admin", bk_biz_id = 2}
      local status = assert(c:get_task_status{task_id = tonumber(arg[1])})
      print("state " .. status.state)
      local ok, raised = pcall(function() return assert(c:get_task_status{task_id = 424242}) end)
      print(ok, type(raised), raised)
      assert(c:get_task_status{task_id = 424242})
    ]]
    local t = env.sim:task({template_id = 1})
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(script)
    f:close()
    local out, err, code = h.run(env.sim:env() .. " " .. h.LUA_ENV .. " " .. h.LUA .. " " .. path .. " "
      .. t.task_id)
    os.remove(path)
    assert.matches("^state CREATED\n", out)
    -- (5.1 to 5.4 put the line in front of it, as they do with any string)
    assert.matches("\nfalse\tstring\t[^\n]-sops: get_task_status: api error 3540400: ", out)
    -- uncaught, the interpreter prints the message, not "string expected, got table"
    assert.matches(": sops: get_task_status: api error 3540400: ", err)
    assert.is_nil(err:find("got table", 1, true))
    assert.not_equal(0, code)
  end)

  it("if err then: nil on success, a string on failure, the table third", function()
    local c = env.c
    local t = env.sim:task({template_id = 1})
    local v, err, response = c:start_task{task_id = t.task_id}
    assert.is_truthy(v)
    assert.is_nil(err)
    assert.is_true(response.result)
    local none, message, e = c:start_task{task_id = UNKNOWN}
    assert.is_nil(none)
    assert.equal("string", type(message))
    assert.is_true(sops.is_error(e))
    assert.equal("api", e.kind)
    assert.equal(3540400, e.code)
    assert.equal(tostring(e), message)
  end)

  it("format, concatenation and print take the message as any string", function()
    local _, err = env.c:get_task_status{task_id = UNKNOWN}
    assert.equal("failed: " .. err, ("failed: %s"):format(err))
    assert.equal(err, string.format("%s", err))
    assert.equal("x" .. err, table.concat({"x", err}))
    assert.matches("3540400", err, 1, true)
    assert.is_truthy(err:find("api error", 1, true))
  end)

  it("wait: status and nil, or nil, message, err", function()
    local c, sim = env.c, env.sim
    local t = sim:task({template_id = 1, start = true})
    local status, err = c:wait{task_id = t.task_id, sleep = sim:sleeper(), interval = 1}
    assert.equal("FINISHED", status.state)
    assert.is_nil(err)
    local none, message, e = c:wait{task_id = UNKNOWN, sleep = sim:sleeper(), interval = 1}
    assert.is_nil(none)
    assert.equal(tostring(e), message)
    local waiting = sim:task({template_id = 1})
    none, message, e = c:wait{task_id = waiting.task_id, sleep = sim:sleeper(), timeout = 5, interval = 1}
    assert.is_nil(none)
    assert.matches("did not reach", message, 1, true)
    assert.equal("timeout", e.kind)
    assert.equal("CREATED", e.status.state)
  end)

  it("wait_all: each result unpacks to what wait returns", function()
    local c, sim = env.c, env.sim
    local t = sim:task({template_id = 1, start = true})
    local results = c:wait_all{task_ids = {t.task_id, UNKNOWN}, sleep = sim:sleeper(), interval = 1}
    local unpack = require("sops.compat").unpack
    local status, err = unpack(results[t.task_id], 1, results[t.task_id].n)
    assert.equal("FINISHED", status.state)
    assert.is_nil(err)
    local none, message, e = unpack(results[UNKNOWN], 1, results[UNKNOWN].n)
    assert.is_nil(none)
    assert.equal("string", type(message))
    assert.equal("api", e.kind)
  end)

  it("call_many: each result unpacks to what call returns", function()
    local c, sim = env.c, env.sim
    local t = sim:task({template_id = 1})
    local results = c:call_many({{"get_task_status", {task_id = t.task_id}}, {"get_task_status", {task_id = UNKNOWN}}})
    local unpack = require("sops.compat").unpack
    local v, err, response = unpack(results[1], 1, results[1].n)
    assert.equal("CREATED", v.state)
    assert.is_nil(err)
    assert.is_true(response.result)
    local none, message, e = unpack(results[2], 1, results[2].n)
    assert.is_nil(none)
    assert.equal(tostring(e), message)
  end)

  it("pages: the iterator ends with nil, message, err once, kept in the pager", function()
    local c, sim = env.c, env.sim
    sim:fault({kind = "status", status = 502, match = "/get_task_list/", count = 1})
    local items, pager = c:pages("get_task_list", {})
    local item, message, err = items()
    assert.is_nil(item)
    assert.equal("string", type(message))
    assert.equal(502, err.http_status)
    assert.equal(message, pager.message)
    assert.equal(err, pager.err)
  end)

  it("callbacks.listen: receiver, or nil, message, err", function()
    local r = assert(callbacks.listen{host = "127.0.0.1", port = 0})
    local taken, message, err = callbacks.listen{host = "127.0.0.1", port = r:port()}
    assert.is_nil(taken)
    assert.matches("^sops: callbacks.listen: transport error: cannot listen", message)
    assert.equal("transport", err.kind)
    r:close()
    local reg, why = r:issue()
    assert.is_nil(reg)
    assert.equal("sops: callbacks: callback error: the receiver is closed", why)
  end)

  it("never puts a secret in the message", function()
    local c = env.sim:client({access_token = "tok-SECRET-1", timeout = 1})
    env.sim:fault({kind = "garbage", status = 500, body = "echo " .. h.APP_SECRET .. " tok-SECRET-1", count = 1})
    local _, message, err = c:get_task_status{task_id = 1}
    assert.is_nil(message:find(h.APP_SECRET, 1, true))
    assert.is_nil(message:find("tok-SECRET-1", 1, true))
    assert.is_nil(tostring(err):find("tok-SECRET-1", 1, true))
    c:close()
  end)
end)
