-- Completion callbacks inside nginx: sops.callbacks.handler() at
-- /sops-callback/ answers bk-sops at once and wakes the wait that waits on
-- the task, in its own worker (ngx.semaphore) or in another (through the
-- lua_shared_dict sops_callbacks); forged requests get nothing.
local h = require "helpers"
local nginx = require "ngx.nginx"

local SIM_ARGS = {"--speed", "5", "--app-code", "nginx-app", "--app-secret", "nginx-secret"}

describe("sops.callbacks in nginx", function()
  local sim, ngx_
  local env = nginx.env(SIM_ARGS, {workers = 2})
  setup(function()
    env.start()
    sim, ngx_ = env.sim, env.nginx
  end)
  teardown(env.stop)
  before_each(function() sim:reset() end)

  -- (its numbers as integers, as h.decode gives them)
  local function case(name, query) return h.decode(require("cjson").encode(env.case(name, query))) end

  it("wakes the wait within 100 ms of the callback, with one poll after it", function()
    for _ = 1, 6 do
      local out = case("callback_wait")
      assert.is_nil(out.err)
      assert.equal("FINISHED", out.state)
      assert.equal(2, out.polls) -- the first, and one after the callback (60 s apart otherwise)
      local logged = sim:requests_to("/get_task_status/" .. out.task_id .. "/")
      assert.equal(2, #logged)
      assert.same({task_success = true, unverified = true, version = "v2"}, out.callback)
      assert.is_true(out.late < 0.1, out.late)
      assert.is_true(out.forgotten)
    end
    local callbacks = sim:control("GET", "callbacks").callbacks
    assert.equal(6, #callbacks)
    for _, cb in ipairs(callbacks) do assert.equal("SUCCESS", cb.status) end
    -- nothing secret in nginx's log
    local log = ngx_.log()
    for _, cb in ipairs(callbacks) do
      assert.is_nil(log:find(cb.url:match("(%x+)$"), 1, true))
    end
  end)

  it("wakes a wait_all on its tasks' callbacks", function()
    local out = case("callback_wait_all")
    assert.same({"FINISHED", "FINISHED", "FINISHED"}, out.states)
    assert.is_true(out.rounds >= 2 and out.rounds <= 4, out.rounds) -- the first, then one per wake
    assert.is_true(out.heard >= 1)
  end)

  it("a wait sees an arrival that only the shared dict tells (another worker's) within 100 ms", function()
    local out = case("callback_other_worker")
    assert.equal("timeout", out.err) -- the task never started: the wait ran out
    assert.equal(3, out.polls) -- the first, one for the arrival, one at the deadline
    assert.is_true(out.after >= 0 and out.after < 0.1, out.after)
  end)

  it("takes a callback larger than nginx keeps in memory (bodies up to 64 KiB)", function()
    local issued = env.case("callback_issue", {task_id = 777})
    local outputs = {}
    for i = 1, 400 do outputs[i] = {key = "k" .. i, value = string.rep("v", 40)} end
    local body = require("cjson").encode({task_id = 777, task_success = true, callback_version = "v2",
      task_outputs = outputs})
    assert.is_true(#body > 16384 and #body < 65536, #body)
    local got = h.raw(ngx_.port, "POST " .. issued.path .. " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      .. "Content-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body)
    assert.truthy(got:find("^HTTP/1.1 200"), got)
    local taken = case("callback_take", {slot = issued.slot})
    assert.equal(777, taken.task_id)
    assert.is_true(taken.bytes > 16384)
  end)

  it("refuses what is not a callback it knows", function()
    local key = string.rep("ab", 24)
    local function post(path, body, headers)
      return h.raw(ngx_.port, "POST " .. path .. " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        .. "Content-Type: application/x-www-form-urlencoded\r\n" .. (headers or "")
        .. "Content-Length: " .. #body .. "\r\n\r\n" .. body)
    end
    assert.truthy(post("/sops-callback/" .. key, "task_id=1&task_success=True"):find("^HTTP/1.1 404"))
    assert.truthy(post("/sops-callback/short", "task_id=1&task_success=True"):find("^HTTP/1.1 404"))
    assert.truthy(post("/sops-callback/" .. key, string.rep("x", 70000)):find("^HTTP/1.1 413"))
    local got = h.raw(ngx_.port, "GET /sops-callback/" .. key .. " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert.truthy(got:find("^HTTP/1.1 405"))
  end)
end)
