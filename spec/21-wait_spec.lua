-- client:wait against bksops-sim. Simulated time stands still (--speed 0)
-- and moves only when the wait sleeps: the `sleep` given here advances the
-- simulator's clock instead of sleeping.
local h = require "helpers"
local sops = require "sops"
local core = require "sops.core"

local sim, c

local function sim_sleep(delays, hook) return sim:sleeper(delays, hook) end

describe("client:wait", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("polls until FINISHED with the default backoff and jitter", function()
    local t = sim:task({template_id = 7 - 6, start = true}) -- 5 simulated seconds of work
    local delays, polls = {}, {}
    local status = c:wait{task_id = t.task_id, sleep = sim_sleep(delays), jitter = 0.1,
      on_poll = function(st, info) polls[#polls + 1] = {state = st.state, attempt = info.attempt, elapsed = info.elapsed} end}
    assert.equal("FINISHED", status.state)
    assert.equal(t.root_id, status.id)
    assert.near(2, delays[1], 0.2 + 1e-9)
    assert.near(3, delays[2], 0.3 + 1e-9)
    for i, p in ipairs(polls) do
      assert.equal(i, p.attempt)
      assert.is_number(p.elapsed)
    end
    assert.equal("FINISHED", polls[#polls].state)
    assert.equal(#delays + 1, #polls)
    -- it asked for ex_data, so a failure can be explained
    assert.equal("true", sim:last_request().args.with_ex_data)
  end)

  it("caps the default schedule at 15 s, spread by at most 10%", function()
    sim:control("POST", "templates", {id = 89, name = "slow", steps = {{name = "slow", duration = 200}}})
    local t = sim:task({template_id = 89, start = true})
    local delays = {}
    assert.equal("FINISHED", c:wait{task_id = t.task_id, sleep = sim_sleep(delays)}.state)
    local expected = 2
    for i, d in ipairs(delays) do
      assert.is_true(d >= expected * 0.9 - 1e-9 and d <= expected * 1.1 + 1e-9, i .. ": " .. d)
      expected = math.min(expected * 1.5, 15)
    end
    assert.near(15, delays[#delays], 1.5 + 1e-9)
  end)

  it("grows the interval by `backoff` up to `max_interval`", function()
    sim:control("POST", "templates", {id = 90, name = "slow", steps = {{name = "slow", duration = 100}}})
    local t = sim:task({template_id = 90, start = true})
    local delays = {}
    local status = c:wait{task_id = t.task_id, interval = 1, backoff = 2, max_interval = 8, jitter = 0,
      sleep = sim_sleep(delays)}
    assert.equal("FINISHED", status.state)
    assert.same({1, 2, 4, 8, 8, 8}, {require("sops.compat").unpack(delays, 1, 6)})
  end)

  it("stops on FAILED by default, with ex_data", function()
    local t = sim:task({template_id = 2, start = true})
    local status = c:wait{task_id = t.task_id, sleep = sim_sleep({}), jitter = 0}
    assert.equal("FAILED", status.state)
    assert.equal("job execution failed: step[1] exit code 1 on 10.0.0.12", status.ex_data[t.node_ids.deploy])
  end)

  it("keeps waiting through SUSPENDED and NODE_SUSPENDED", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(0.5)
    assert(c:pause_task{task_id = t.task_id})
    local states = {}
    local status = c:wait{task_id = t.task_id, interval = 1, jitter = 0,
      on_poll = function(st) states[#states + 1] = st.state end,
      sleep = sim_sleep({}, function(n) if n == 3 then assert(c:resume_task{task_id = t.task_id}) end end)}
    assert.equal("FINISHED", status.state)
    assert.equal("SUSPENDED", states[1])
    assert.equal("SUSPENDED", states[3])
  end)

  it("waits past FAILED when until_states leaves it out", function()
    local t = sim:task({template_id = 2, start = true})
    local retried = false
    local status = c:wait{task_id = t.task_id, until_states = {"FINISHED"}, interval = 1, jitter = 0,
      on_poll = function(st)
        if st.state == "FAILED" and not retried then
          retried = true
          assert(c:retry_node{task_id = t.task_id, node_id = t.node_ids.deploy})
        end
      end,
      sleep = sim_sleep({})}
    assert.is_true(retried)
    assert.equal("FINISHED", status.state)
  end)

  it("returns REVOKED when the task is revoked meanwhile", function()
    local t = sim:task({template_id = 1, start = true})
    local status = c:wait{task_id = t.task_id, interval = 0.5, jitter = 0,
      sleep = sim_sleep({}, function(n) if n == 2 then assert(c:revoke_task{task_id = t.task_id}) end end)}
    assert.equal("REVOKED", status.state)
  end)

  it("reports every change once, parents before children, subprocesses and retries included", function()
    local t = sim:task({template_id = 6, start = true})
    local evs = {}
    local retried = false
    local status = c:wait{task_id = t.task_id, until_states = {"FINISHED"}, interval = 0.5, jitter = 0,
      on_change = function(e) evs[#evs + 1] = e end,
      on_poll = function(st)
        if st.state == "FAILED" and not retried then
          retried = true
          assert(c:retry_node{task_id = t.task_id, node_id = t.node_ids["inner step"]})
        end
      end,
      sleep = sim_sleep({})}
    assert.equal("FINISHED", status.state)
    -- each change (node, from, to, version) is reported once
    local seen = {}
    for _, e in ipairs(evs) do
      local key = table.concat({e.node_id or "task", e.from or "-", e.to, e.node.version or "-"}, " ")
      assert.is_nil(seen[key], key)
      seen[key] = true
      assert.equal(t.task_id, e.task_id)
      assert.is_number(e.at)
    end
    local function find(node_id, to, retry)
      for i, e in ipairs(evs) do
        if e.node_id == node_id and e.to == to and (retry == nil or e.node.retry == retry) then return e, i end
      end
    end
    local inner_fail, i_fail = find(t.node_ids["inner step"], "FAILED", 0)
    assert.same({t.node_ids.outer, t.node_ids.inner, t.node_ids["inner step"]}, inner_fail.path)
    assert.equal("inner step", inner_fail.name)
    -- the containers turn FAILED in the same poll, reported before the leaf
    local outer_fail, o_fail = find(t.node_ids.outer, "FAILED")
    assert.is_true(o_fail < i_fail)
    assert.same({t.node_ids.outer}, outer_fail.path)
    -- the retried leaf is seen again, with its retry count, until it finishes
    local again = find(t.node_ids["inner step"], "FINISHED", 1)
    assert.is_not_nil(again)
    assert.is_not_nil(again.from)
    local task_events = {}
    for _, e in ipairs(evs) do
      if e.node_id == nil then task_events[#task_events + 1] = (e.from or "nil") .. ">" .. e.to end
    end
    assert.same({"nil>CREATED", "CREATED>RUNNING", "RUNNING>FAILED", "FAILED>RUNNING", "RUNNING>FINISHED"}, task_events)
  end)

  it("returns at the deadline with the last status seen, never later", function()
    local t = sim:task({template_id = 1, start = true}) -- time stands still: stays CREATED
    local t0 = core.monotime()
    local status, _, err = c:wait{task_id = t.task_id, timeout = 0.3, interval = 0.05}
    local took = core.monotime() - t0
    assert.is_nil(status)
    assert.equal("timeout", err.kind)
    assert.equal("wait", err.api)
    assert.equal("CREATED", err.status.state)
    assert.matches("did not reach", err.message)
    assert.is_true(took >= 0.3)
    assert.is_true(took < 1.5)
  end)

  -- a timer with a millisecond's grain (ngx.sleep, nginx's timers) may
  -- wake a hair before the deadline: the poll after a pause that slept out
  -- to the deadline is the last, not one of many squeezed into what is left
  it("polls once after the pause that runs to the deadline, however early it wakes", function()
    local t = sim:task({template_id = 1, start = true})
    local naps, polls = {}, 0
    local status, _, err = c:wait{task_id = t.task_id, timeout = 5, interval = 1, backoff = 2, jitter = 0,
      max_interval = 10, sleep = function(d) naps[#naps + 1] = d end, -- wakes at once
      on_poll = function() polls = polls + 1 end}
    assert.is_nil(status)
    assert.equal("timeout", err.kind)
    assert.equal("CREATED", err.status.state)
    assert.same({1, 2, 4}, {naps[1], naps[2], naps[3]})
    assert.equal(4, #naps)
    assert.is_true(naps[4] > 4 and naps[4] <= 5, naps[4]) -- what was left of the 5 s
    assert.equal(5, polls)
  end)

  it("keeps the deadline against a server slower than it", function()
    local t = sim:task({template_id = 1, start = true})
    sim:fault({kind = "delay", seconds = 3})
    local t0 = core.monotime()
    local status, _, err = c:wait{task_id = t.task_id, timeout = 0.5}
    assert.is_nil(status)
    assert.equal("timeout", err.kind)
    assert.is_true(core.monotime() - t0 < 2)
  end)

  it("retries transient failures inside the deadline", function()
    local t = sim:task({template_id = 1, start = true})
    local errors = {}
    local status = c:wait{task_id = t.task_id, interval = 1, jitter = 0,
      on_poll = function(st, info) if not st then errors[#errors + 1] = info.error.kind end end,
      sleep = sim_sleep({}, function(n)
        if n == 1 then
          sim:fault({kind = "status", status = 502, count = 2, match = "get_task_status"})
        elseif n == 4 then
          -- a cut-off answer (libcurl resends a GET itself when a reused
          -- connection is reset before any answer, so a reset may not show)
          sim:fault({kind = "truncate", count = 1, match = "get_task_status"})
        end
      end)}
    assert.equal("FINISHED", status.state)
    assert.same({"http", "http", "transport"}, errors)
  end)

  it("honours Retry-After on 429", function()
    local t = sim:task({template_id = 1, start = true})
    sim:fault({kind = "rate_limit", retry_after = 9, match = "get_task_status"})
    local delays = {}
    local status = c:wait{task_id = t.task_id, interval = 1, jitter = 0, sleep = sim_sleep(delays)}
    assert.equal("FINISHED", status.state)
    assert.equal(9, delays[1])
  end)

  it("returns a permanent failure at once", function()
    sim:clear_log()
    local status, _, err = c:wait{task_id = 999999, sleep = function() error("must not sleep") end}
    assert.is_nil(status)
    assert.equal("api", err.kind)
    assert.equal(3540400, err.code)
    assert.equal(1, #sim:requests_to("get_task_status"))
  end)

  it("really sleeps by default, without spinning", function()
    local t = sim:task({template_id = 1, start = true})
    local cpu0, t0 = os.clock(), core.monotime()
    local _, _, err = c:wait{task_id = t.task_id, timeout = 0.5, interval = 0.1, max_interval = 0.1}
    assert.equal("timeout", err.kind)
    assert.is_true(core.monotime() - t0 >= 0.5)
    assert.is_true(os.clock() - cpu0 < 0.25)
  end)

  it("runs inside a coroutine when its sleep yields", function()
    local t = sim:task({template_id = 1, start = true})
    local co = coroutine.wrap(function()
      return "done", c:wait{task_id = t.task_id, interval = 1, jitter = 0, sleep = coroutine.yield}
    end)
    local yields = 0
    local first, status = co()
    while first ~= "done" do
      yields = yields + 1
      sim:advance(first) -- the value yielded is the delay
      first, status = co()
    end
    assert.is_true(yields > 1)
    assert.equal("FINISHED", status.state)
  end)

  it("uses ngx.sleep where it can yield", function()
    local t = sim:task({template_id = 1, start = true})
    local slept = 0
    rawset(_G, "ngx", {sleep = function(d)
      slept = slept + 1
      coroutine.yield(d)
    end})
    local co = coroutine.wrap(function()
      return "done", c:wait{task_id = t.task_id, interval = 1, jitter = 0}
    end)
    local ok, err = pcall(function()
      local first, status = co()
      while first ~= "done" do
        sim:advance(first)
        first, status = co()
      end
      assert.equal("FINISHED", status.state)
    end)
    rawset(_G, "ngx", nil)
    assert(ok, err)
    assert.is_true(slept > 0)
  end)

  it("raises on argument mistakes", function()
    local cases = {
      {{}, "field 'task_id': positive integer expected, got nil"},
      {{task_id = 1, timeout = 0}, "field 'timeout': positive number expected"},
      {{task_id = 1, jitter = 1}, "field 'jitter': number in [0, 1) expected"},
      {{task_id = 1, backoff = 0.5}, "field 'backoff': number >= 1 expected"},
      {{task_id = 1, on_change = "print"}, "field 'on_change': function expected, got string"},
      {{task_id = 1, until_states = {1}}, "field 'until_states[1]': string expected"},
      {{task_id = 1, every = 2}, "unknown field 'every'"},
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(function() c:wait(case[1]) end)
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'sops.wait' (" .. case[2], err, 1, true)
      assert.matches("21%-wait_spec%.lua:%d+:", err)
    end
  end)

  it("works as a module-level function", function()
    local t = sim:task({template_id = 1, start = true})
    sops.configure({url = sim.url .. "/prod", app_code = h.APP_CODE, app_secret = h.APP_SECRET,
      username = "admin", bk_biz_id = 2})
    local status = sops.wait{task_id = t.task_id, sleep = sim_sleep({})}
    assert.equal("FINISHED", status.state)
  end)
end)

describe("a wait whose client is closed while it sleeps", function()
  local s
  h.use_sim({"--speed", "0"}, false, function(started) s = started end, true)

  it("returns the closed failure, as a call in flight does, for wait and wait_all", function()
    for _, which in ipairs({"wait", "wait_all"}) do
      local cl = s:client()
      local t = s:task({template_id = 1})
      assert(cl:start_task{task_id = t.task_id})
      local function close() cl:close() end
      local ok, a, b, e
      if which == "wait" then
        ok, a, b, e = pcall(cl.wait, cl, {task_id = t.task_id, sleep = close, timeout = 60})
      else
        local r
        ok, r = pcall(cl.wait_all, cl, {task_ids = {t.task_id}, sleep = close, timeout = 60})
        if ok then a, b, e = r[t.task_id][1], r[t.task_id][2], r[t.task_id][3] end
      end
      assert.is_true(ok, which .. ": " .. tostring(a))
      assert.is_nil(a, which)
      assert.equal("closed", e.kind, which)
      assert.is_false(e.retryable, which)
      assert.equal(tostring(e), b, which)
    end
  end)
end)
