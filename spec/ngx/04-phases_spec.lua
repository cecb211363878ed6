-- lua-sops in nginx phases without cosockets (log, header and body filters,
-- init, init_worker; set_by_lua is in 01-transport_spec.lua): a call there
-- returns nil, message, err with err.kind "phase", sends nothing and holds
-- the worker for no time, unless the client asked for transport = "curl",
-- which blocks as libcurl does everywhere. A zero-delay timer created in
-- such a phase has cosockets. The log phase runs after the answer is sent:
-- each phase handler leaves what its calls returned in lua_shared_dict
-- sops_phases (app.in_phase, app.at_start), which /case/phase_result reads.
local h = require "helpers"
local nginx = require "ngx.nginx"
local socket = require "socket"

local SIM_ARGS = {"--speed", "0", "--app-code", "nginx-app", "--app-secret", "nginx-secret"}
local KIND = "phase"

-- the tasks the start hooks read: the refused one is never asked for, the
-- timer's one is (and does not exist: an api error that came back)
local INIT_TASK, INIT_WORKER_TASK, TIMER_TASK = 901, 902, 903

-- A refusal as every call must give it: nothing sent, nothing to retry,
-- the phase named.
local function assert_refused(got, phase, api)
  assert.is_nil(got.ok, "a value came back: the call was made")
  local err = got.err
  assert.equal(KIND, err.kind)
  assert.equal(api or "get_task_status", err.api)
  assert.is_false(err.sent)
  assert.is_false(err.retryable)
  assert.is_nil(err.http_status)
  assert.is_string(err.message)
  assert.truthy(err.message:find(phase, 1, true), err.message)
  assert.is_string(got.text) -- the message, returned before the error
  assert.truthy(got.text:find(phase, 1, true), got.text)
end

describe("lua-sops in nginx phases without cosockets", function()
  local sim, ngx_, boot_log
  local env = nginx.env(SIM_ARGS)
  local boot = {}

  -- what the handler recorded under key, waiting for it (the log phase
  -- and timers run after the answer)
  local function result(key)
    local out
    h.wait_until(function()
      out = env.case("phase_result", {key = key})
      return not out.pending
    end)
    return out
  end

  setup(function()
    -- (env.start, with the start hooks: they need the simulator's URL)
    env.sim = h.start_sim(SIM_ARGS)
    sim = env.sim
    local url = sim.url
    env.nginx = nginx.start({http = table.concat({
      string.format('init_by_lua_block { require("app").at_start("%s", "init", %d) }', url, INIT_TASK),
      string.format('init_worker_by_lua_block { require("app").at_start("%s", "init_worker", %d, "init_worker_timer", %d) }',
        url, INIT_WORKER_TASK, TIMER_TASK),
    }, "\n  ")})
    ngx_ = env.nginx
    for _, key in ipairs({"init", "init_worker", "init_worker_timer"}) do boot[key] = result(key) end
    boot_log = sim:requests_to("/get_task_status/")
  end)
  teardown(env.stop)
  before_each(function() sim:reset() end)

  local n = 0
  -- GET /phase/<phase> (the calls run in that phase), then the record.
  local function in_phase(phase, query)
    n = n + 1
    local key = phase .. n
    local parts = {"sim=" .. sim.url, "key=" .. key}
    for k, v in pairs(query or {}) do parts[#parts + 1] = k .. "=" .. tostring(v) end
    local status, body = ngx_.get("/phase/" .. phase .. "?" .. table.concat(parts, "&"))
    assert.equal(200, status, body)
    assert.equal("ok\n", body)
    local out = result(key)
    assert.is_nil(out.raised, out.raised)
    return out
  end

  for _, phase in ipairs({"log", "header_filter", "body_filter"}) do
    it("refuses every kind of call in the " .. phase .. " phase, at once and sending nothing", function()
      -- were anything sent, libcurl would wait 2 s for it
      sim:fault({kind = "delay", seconds = 2, match = "/get_task", count = 10})
      local out = in_phase(phase, {more = 1})
      assert.equal(phase, out.phase)
      assert_refused(out.read, phase)
      assert.equal(2, #out.many)
      assert_refused(out.many[1], phase)
      assert_refused(out.many[2], phase, "get_task_detail")
      assert_refused(out.wait, phase) -- the first poll's refusal, not a timeout
      assert.is_true(out.elapsed < 0.1, out.elapsed)
      assert.equal(0, #sim:requests())
    end)
  end

  it("refuses once with a retry policy: a refusal is not retried", function()
    local out = in_phase("log", {retries = 1})
    assert_refused(out.read, "log")
    assert.is_true(out.elapsed < 0.1, out.elapsed)
    assert.equal(0, #sim:requests())
  end)

  it("refuses with transport = \"ngx\" as with the default, without raising", function()
    local out = in_phase("log", {transport = "ngx"})
    assert_refused(out.read, "log")
    assert.equal(0, #sim:requests())
  end)

  it("leaves the worker free: a request right after a refusal in the log phase is answered at once", function()
    sim:fault({kind = "delay", seconds = 2, match = "/get_task_status/", count = 10})
    local t0 = socket.gettime()
    -- (the log phase runs after this answer, in the worker that must serve the next)
    ngx_.get("/phase/log?key=free&sim=" .. sim.url)
    local status, body = ngx_.get("/lua")
    assert.equal(200, status)
    assert.equal("ok\n", body)
    local took = socket.gettime() - t0
    assert.is_true(took < 0.5, took)
    assert_refused(result("free").read, "log")
  end)

  for _, phase in ipairs({"log", "header_filter"}) do
    it("goes through libcurl in the " .. phase .. " phase with transport = \"curl\", holding the worker", function()
      local t = sim:task({template_id = 1})
      sim:fault({kind = "delay", seconds = 0.5, match = "/get_task_status/", count = 1})
      local t0 = socket.gettime()
      local out = in_phase(phase, {transport = "curl", task_id = t.task_id})
      local status = ngx_.get("/lua")
      assert.equal(200, status)
      local took = socket.gettime() - t0
      assert.equal(phase, out.phase)
      assert.is_true(out.read.ok)
      assert.equal("CREATED", out.read.state)
      -- sent (no cosocket can send here) and waited for, in the phase
      local logged = sim:requests_to("/get_task_status/" .. t.task_id .. "/")
      assert.equal(1, #logged)
      assert.matches("^lua%-sops/", logged[1].headers["user-agent"])
      assert.is_true(out.elapsed >= 0.45, out.elapsed)
      assert.is_true(took >= 0.45, took)
    end)
  end

  it("makes the call through cosockets in a zero-delay timer created in the log phase", function()
    local t = sim:task({template_id = 1})
    local out = in_phase("log", {via = "timer", task_id = t.task_id})
    assert.equal("timer", out.phase)
    assert.is_true(out.read.ok)
    assert.equal("CREATED", out.read.state)
    assert.equal(1, #sim:requests_to("/get_task_status/" .. t.task_id .. "/"))
  end)

  it("refuses in init_by_lua and init_worker_by_lua; a timer from init_worker has cosockets", function()
    assert.equal("init", boot.init.phase)
    assert_refused(boot.init.read, "init")
    assert.equal("init_worker", boot.init_worker.phase)
    assert_refused(boot.init_worker.read, "init_worker")
    assert.is_true(boot.init_worker.elapsed < 0.1, boot.init_worker.elapsed)
    -- the timer's read went out and came back (an api error: no such task)
    assert.equal("timer", boot.init_worker_timer.phase)
    assert.equal("api", boot.init_worker_timer.read.err.kind)
    -- what the simulator was asked while nginx started: the timer's read only
    local asked = {}
    for _, r in ipairs(boot_log) do asked[#asked + 1] = tonumber(r.path:match("/get_task_status/(%d+)/")) end
    assert.same({TIMER_TASK}, asked)
  end)
end)
