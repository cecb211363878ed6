-- Waiting and operating as bk-sops really behaves: nodes it retries by
-- itself, throttled starts, stalled tasks, a policy at the deadline,
-- outputs on arrival and waiting for one node; through the library and
-- the command, against bksops-sim. Simulated time stands still (--speed 0)
-- and moves when the wait sleeps (sim:sleeper), except where the wait's own
-- clock is the point (stall, on_timeout): there the task cannot move, so
-- the outcome does not depend on the machine's speed.
local h = require "helpers"

local sim, c

local function kinds(events)
  local out = {}
  for _, ev in ipairs(events) do
    if ev.kind ~= "change" then out[#out + 1] = ev.kind end
  end
  return out
end

local function collect(list) return function(ev) list[#list + 1] = ev end end

local function node_named(status, name)
  for _, n in pairs(status.children or {}) do
    if n.name == name then return n end
  end
end

describe("waiting for bk-sops' automatic retries", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("wait goes on through a failure bk-sops retries by itself and ends FINISHED, with no caller code", function()
    local t = sim:task({template_id = 8, start = true}) -- deploy fails once, retried 5 s later
    local events = {}
    local status = assert(c:wait{task_id = t.task_id, sleep = sim:sleeper(), jitter = 0, interval = 1,
      on_change = collect(events)})
    assert.equal("FINISHED", status.state)
    assert.equal(1, node_named(status, "deploy").retry)
    assert.same({"auto_retry"}, kinds(events))
    local note
    for _, ev in ipairs(events) do if ev.kind == "auto_retry" then note = ev end end
    assert.same({t.node_ids.deploy}, note.nodes)
    assert.matches("retry node deploy (" .. t.node_ids.deploy .. ") by itself", note.message, 1, true)
    -- it asked with the flag once the task had started, never before
    local flagged = 0
    for _, r in ipairs(sim:requests_to("/get_task_status/")) do
      if r.args.with_auto_retry_status then flagged = flagged + 1 end
    end
    assert.is_true(flagged >= 1)
    assert.is_nil(sim:requests_to("/get_task_status/")[1].args.with_auto_retry_status)
  end)

  it("wait ends FAILED once no retry is left", function()
    sim:control("POST", "templates", {id = 120, name = "always fails", steps = {
      {name = "flaky", duration = 1, fail = {times = 9}, auto_retry = {times = 2, interval = 3}}}})
    local t = sim:task({template_id = 120, start = true})
    local events = {}
    local status = assert(c:wait{task_id = t.task_id, sleep = sim:sleeper(), jitter = 0, interval = 1,
      on_change = collect(events)})
    assert.equal("FAILED", status.state)
    assert.equal(2, node_named(status, "flaky").retry)
    assert.is_false(status.auto_retry_status.exist_auto_retry_nodes)
    -- said once for the node's pending retries (the same node both times: one note per change of the set)
    assert.is_true(#kinds(events) >= 1)
    for _, k in ipairs(kinds(events)) do assert.equal("auto_retry", k) end
  end)

  it("wait for a task that read FAILED at its first look asks once more with the flag", function()
    local t = sim:task({template_id = 8, start = true})
    sim:advance(4) -- deploy has failed; its retry is due at 8
    local status = assert(c:wait{task_id = t.task_id, sleep = sim:sleeper(), jitter = 0, interval = 1})
    assert.equal("FINISHED", status.state)
  end)

  it("against a server without the flag, ends FAILED as before and says why in an event", function()
    sim:config({auto_retry_status = false})
    finally(function() sim:config({auto_retry_status = true}) end)
    local t = sim:task({template_id = 8, start = true})
    local events = {}
    local status = assert(c:wait{task_id = t.task_id, sleep = sim:sleeper(), jitter = 0, interval = 1,
      on_change = collect(events)})
    assert.equal("FAILED", status.state)
    assert.same({"auto_retry_unknown"}, kinds(events))
    assert.matches("no with_auto_retry_status", events[#events].message, 1, true)
  end)

  it("wait_all waits through automatic retries, and takes a failure without one as final", function()
    local retried = {sim:task({template_id = 8, start = true}).task_id, sim:task({template_id = 8, start = true}).task_id}
    local flaky = sim:task({template_id = 2, start = true}).task_id -- fails, no strategy
    local events = {}
    local results = c:wait_all{task_ids = {retried[1], retried[2], flaky}, sleep = sim:sleeper(), jitter = 0,
      interval = 1, on_change = collect(events)}
    assert.equal("FINISHED", results[retried[1]][1].state)
    assert.equal("FINISHED", results[retried[2]][1].state)
    assert.equal("FAILED", results[flaky][1].state)
    local notes = kinds(events)
    assert.is_true(#notes >= 2)
    for _, k in ipairs(notes) do assert.equal("auto_retry", k) end
  end)
end)

describe("a throttled start", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("is its own kind: retryable, with a retry_after, and the server did not act", function()
    local t = sim:task({template_id = 1})
    sim:fault({kind = "throttle", count = 1})
    local v, message, err = c:start_task{task_id = t.task_id}
    assert.is_nil(v)
    assert.equal("throttled", err.kind)
    assert.is_true(err.retryable)
    assert.is_false(err.acted)
    assert.equal(10, err.retry_after)
    assert.matches("throttled error 3545000: project id: 2 reach the limit of starting tasks", message, 1, true)
    assert.equal("CREATED", c:get_task_status{task_id = t.task_id}.state)
  end)

  it("is retried by retries = true, once accepted, never duplicated", function()
    local t = sim:task({template_id = 1})
    -- (the throttle's retry_after is 10 s: the client's timeout leaves room for it)
    local rc = sim:client({retries = true, timeout = 15})
    finally(function() rc:close() end)
    sim:fault({kind = "throttle", count = 1})
    sim:clear_log()
    local ok, message = rc:start_task{task_id = t.task_id}
    assert.truthy(ok, message)
    local starts = sim:requests_to("/start_task/")
    assert.equal(2, #starts) -- the refused one and the accepted one
    sim:advance(1) -- (the worker picks the start up)
    local again, why = rc:start_task{task_id = t.task_id}
    assert.is_nil(again)
    assert.matches("already started", why, 1, true)
  end)
end)

describe("a stalled task", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("ends the wait with kind 'stalled', naming the node last running, after a warning event", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(2) -- deploy runs
    sim:control("POST", "tasks/" .. t.task_id .. "/stall")
    local events = {}
    local v, message, err = c:wait{task_id = t.task_id, stall = 0.3, interval = 0.02, max_interval = 0.05,
      on_change = collect(events)}
    assert.is_nil(v)
    assert.equal("stalled", err.kind)
    assert.same({"deploy (" .. t.node_ids.deploy .. ")"}, err.nodes)
    assert.equal("RUNNING", err.status.state)
    assert.matches("made no progress for 0.3 s (still running: deploy", message, 1, true)
    assert.same({"stall_warning"}, kinds(events))
  end)

  it("in wait_all, only for the stalled task", function()
    local stuck = sim:task({template_id = 1, start = true})
    sim:advance(2)
    sim:control("POST", "tasks/" .. stuck.task_id .. "/stall")
    local done = sim:task({template_id = 1, start = true})
    sim:advance(10)
    local results = c:wait_all{task_ids = {stuck.task_id, done.task_id}, stall = 0.3, interval = 0.02,
      max_interval = 0.05}
    assert.equal("FINISHED", results[done.task_id][1].state)
    assert.equal("stalled", results[stuck.task_id][3].kind)
  end)

  it("is not judged while the task is paused", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(2)
    assert(c:operate_task{task_id = t.task_id, action = "pause"})
    local v, _, err = c:wait{task_id = t.task_id, stall = 0.1, timeout = 0.4, interval = 0.02, max_interval = 0.05}
    assert.is_nil(v)
    assert.equal("timeout", err.kind)
  end)
end)

describe("at the deadline", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  for action, state in pairs({revoke = "REVOKED", pause = "SUSPENDED"}) do
    it("on_timeout = '" .. action .. "' acts once and says what the task reads afterwards", function()
      local t = sim:task({template_id = 1, start = true})
      sim:advance(1.5)
      sim:clear_log()
      local v, message, err = c:wait{task_id = t.task_id, timeout = 0.2, interval = 0.02, max_interval = 0.05,
        on_timeout = action}
      assert.is_nil(v)
      assert.equal("timeout", err.kind)
      assert.same({action = action, done = true, state = state}, err.on_timeout)
      assert.equal(state, err.status.state)
      assert.matches(state, message, 1, true)
      local ops = sim:requests_to("/operate_task/")
      assert.equal(1, #ops)
      assert.equal(action, h.decode(ops[1].body).action)
    end)
  end

  it("a refused action is reported, the timeout stands", function()
    local t = sim:task({template_id = 1}) -- never started: bk-sops refuses to revoke... nothing to pause
    local v, message, err = c:wait{task_id = t.task_id, timeout = 0.1, interval = 0.02, on_timeout = "pause"}
    assert.is_nil(v)
    assert.equal("timeout", err.kind)
    assert.is_false(err.on_timeout.done)
    assert.is_string(err.on_timeout.error)
    assert.matches("could not pause it", message, 1, true)
  end)

  it("refuses an unknown action before anything is sent", function()
    local ok, err = pcall(c.wait, c, {task_id = 1, on_timeout = "kill"})
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'sops.wait' (field 'on_timeout': 'revoke' or 'pause' expected", err, 1, true)
  end)
end)

describe("outputs on arrival", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("wait{outputs = true} returns a FINISHED task's outputs, with one more call made only then", function()
    local t = sim:task({template_id = 8, start = true, constants = {["${version}"] = "2.1.0"}})
    sim:clear_log()
    local status = assert(c:wait{task_id = t.task_id, sleep = sim:sleeper(), jitter = 0, interval = 1,
      outputs = true})
    assert.equal("FINISHED", status.state)
    assert.same({{key = "${version}", value = "2.1.0", name = "version"}}, status.outputs)
    assert.equal(1, #sim:requests_to("/get_task_detail/"))
    -- a FAILED task: no outputs, no extra call
    local f = sim:task({template_id = 2, start = true})
    sim:clear_log()
    local failed = assert(c:wait{task_id = f.task_id, sleep = sim:sleeper(), jitter = 0, outputs = true})
    assert.equal("FAILED", failed.state)
    assert.is_nil(failed.outputs)
    assert.equal(0, #sim:requests_to("/get_task_detail/"))
  end)

  it("with a callback receiver, takes the outputs the v2 callback carried: no extra call", function()
    local r = assert(require("sops.callbacks").listen{host = "127.0.0.1", port = 0})
    finally(function() r:close() end)
    local t = assert(c:create_task{template_id = 8, name = "cb", callback = r,
      constants = {["${version}"] = "3.0.0"}})
    assert(c:start_task{task_id = t.task_id})
    sim:clear_log()
    local status = assert(c:wait{task_id = t.task_id, callback = r, outputs = true, on_poll = function(_, info)
      if info.attempt == 1 then sim:advance(30) end -- it ends, and bk-sops calls back while the wait sleeps
    end})
    assert.equal("FINISHED", status.state)
    assert.equal(true, status.callback.task_success)
    assert.same({{key = "${version}", value = "3.0.0", name = "version"}}, status.outputs)
    assert.equal(0, #sim:requests_to("/get_task_detail/"))
  end)

  it("wait_all{outputs = true} likewise, for each FINISHED task", function()
    local a = sim:task({template_id = 8, start = true}).task_id
    local b = sim:task({template_id = 1, start = true}).task_id
    local results = c:wait_all{task_ids = {a, b}, sleep = sim:sleeper(), jitter = 0, interval = 1, outputs = true}
    assert.same({{key = "${version}", value = "1.0.0", name = "version"}}, results[a][1].outputs)
    assert.same({}, results[b][1].outputs)
  end)
end)

describe("waiting for a node", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("by name, until it is RUNNING (waiting for its callback)", function()
    local t = sim:task({template_id = 3, start = true})
    local status = assert(c:wait{task_id = t.task_id, node = "approve", until_states = {"RUNNING"},
      sleep = sim:sleeper(), jitter = 0, interval = 1})
    assert.equal("RUNNING", status.node.state)
    assert.equal(t.node_ids.approve, status.node.id)
    assert.equal("RUNNING", status.state)
    -- and by path of names
    local again = assert(c:wait{task_id = t.task_id, node = "restart service/approve", until_states = {"RUNNING"},
      sleep = sim:sleeper()})
    assert.equal(t.node_ids.approve, again.node.id)
  end)

  it("past a failure bk-sops retries by itself, to a node after it", function()
    local t = sim:task({template_id = 8, start = true})
    local status = assert(c:wait{task_id = t.task_id, node = "notify", sleep = sim:sleeper(), jitter = 0,
      interval = 1})
    assert.equal("FINISHED", status.node.state)
    assert.equal(t.node_ids.notify, status.node.id)
  end)

  it("ends with kind 'node' when the task ends before the node gets there", function()
    local t = sim:task({template_id = 2, start = true}) -- deploy fails: notify never runs
    local v, message, err = c:wait{task_id = t.task_id, node = "notify", sleep = sim:sleeper(), jitter = 0}
    assert.is_nil(v)
    assert.equal("node", err.kind)
    assert.matches("ended FAILED before node 'notify' reached", message, 1, true)
  end)
end)

describe("bksops wait, the command's forms", function()
  h.use_sim({"--speed", "50"}, false, function(s) sim = s end)

  local function bksops(args)
    return h.run(sim:env() .. " " .. h.LUA .. " bin/bksops " .. args)
  end

  it("waits through an automatic retry and shows the outputs", function()
    -- the simulator's clock stands still and moves one second after each of
    -- the command's polls: every state the task goes through is seen, however
    -- slowly this machine runs the command
    sim:time({speed = 0})
    finally(function() sim:time({speed = 50}) end)
    local t = sim:task({template_id = 8, start = true})
    local errfile = os.tmpname()
    finally(function() os.remove(errfile) end)
    local proc = h.spawn(sim:env() .. " " .. h.LUA .. " bin/bksops wait " .. t.task_id
      .. " --interval 0.05 --outputs --events 2>" .. errfile)
    local function alive()
      local ok = os.execute("kill -0 " .. proc.pid .. " 2>/dev/null")
      return ok == true or ok == 0
    end
    for _ = 1, 60 do
      local polls = #sim:requests_to("/get_task_status/")
      h.wait_until(function() return #sim:requests_to("/get_task_status/") > polls or not alive() end)
      if not alive() then break end
      sim:advance(1)
    end
    local code, out = h.finish(proc)
    local err = h.read(errfile)
    assert.equal(0, code, err)
    assert.matches('"kind":"auto_retry"', err, 1, true)
    assert.matches("output ${version} (version) = 1.0.0\n", out, 1, true)
    assert.matches("task " .. t.task_id .. " ended FINISHED\n$", out)
    out, err, code = bksops("wait " .. t.task_id .. " --outputs --json")
    assert.equal(0, code, err)
    assert.equal("1.0.0", h.decode(out).outputs[1].value)
  end)

  it("exits 7 on a stall and 3 at the deadline after --on-timeout revoke", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(2)
    sim:control("POST", "tasks/" .. t.task_id .. "/stall")
    local _, err, code = bksops("wait " .. t.task_id .. " --stall 0.3 --interval 0.05")
    assert.equal(7, code, err)
    assert.matches("made no progress", err, 1, true)
    _, err, code = bksops("wait " .. t.task_id .. " --timeout 0.2 --interval 0.05 --on-timeout revoke")
    assert.equal(3, code, err)
    assert.matches("revoked it (now REVOKED)", err, 1, true)
  end)

  it("a throttled start exits 4, saying bk-sops did not act", function()
    local t = sim:task({template_id = 1})
    sim:fault({kind = "throttle", count = 1})
    local _, err, code = bksops("start " .. t.task_id)
    assert.equal(4, code, err)
    assert.matches("throttled error 3545000: project id: 2 reach the limit of starting tasks", err, 1, true)
    assert.matches("(bk-sops did not act: the project's task operations are throttled; try again in 10 s", err, 1, true)
    local cl = sim:client()
    finally(function() cl:close() end)
    assert.equal("CREATED", cl:get_task_status{task_id = t.task_id}.state)
  end)

  it("waits for a node with --node and --until", function()
    local t = sim:task({template_id = 3, start = true})
    local out, err, code = bksops("wait " .. t.task_id .. " --node approve --until RUNNING --interval 0.05")
    assert.equal(0, code, err)
    assert.matches("node approve %(" .. t.node_ids.approve .. "%) reached RUNNING", out)
    local _, usage, usage_code = bksops("wait " .. t.task_id .. " 1 --node approve")
    assert.equal(2, usage_code, usage)
    assert.matches("--node: one task only", usage, 1, true)
  end)
end)
