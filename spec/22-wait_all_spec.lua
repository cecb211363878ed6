-- client:wait_all against bksops-sim: batching, results, fail_fast,
-- deadline, transient failures. Simulated time moves only when it sleeps.
local h = require "helpers"
local sops = require "sops"

local sim, c

local function sim_sleep(hook) return sim:sleeper(nil, hook) end
local function batch_requests() return sim:requests_to("/prod/get_tasks_status/2/") end

describe("client:wait_all", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("polls 120 tasks with 3 get_tasks_status calls a round", function()
    local ids = {}
    for i = 1, 120 do ids[i] = sim:task({template_id = 1, start = true}).task_id end
    sim:clear_log()
    local rounds = 0
    local results = c:wait_all{task_ids = ids, interval = 2, jitter = 0,
      on_poll = function(last, info)
        rounds = rounds + 1
        assert.equal(rounds, info.attempt)
        assert.is_number(info.pending)
        assert.is_table(last)
      end,
      sleep = sim_sleep()}
    for _, id in ipairs(ids) do assert.equal("FINISHED", results[id][1].state) end
    local calls = batch_requests()
    -- every round but the last asks for all 120 tasks, 50 + 50 + 20
    assert.equal(3 * rounds, #calls)
    -- (the three go out at once: they arrive in any order)
    local sizes = {}
    for i = 1, 3 do sizes[i] = #h.decode(calls[i].body).task_id_list end
    table.sort(sizes)
    assert.same({20, 50, 50}, sizes)
    local conns = {}
    for _, r in ipairs(sim:requests()) do
      assert.equal("/prod/get_tasks_status/2/", r.path) -- no per-task calls at all
      conns[r.conn] = true
    end
    -- a round's three batches go out at once, on three connections
    local n = 0
    for _ in pairs(conns) do n = n + 1 end
    assert.equal(3, n)
  end)

  it("asks only for tasks still pending", function()
    sim:control("POST", "templates", {id = 91, name = "slow", steps = {{name = "slow", duration = 30}}})
    local fast = sim:task({template_id = 1, start = true}).task_id
    local slow = sim:task({template_id = 91, start = true}).task_id
    sim:clear_log()
    local results = c:wait_all{task_ids = {fast, slow}, interval = 10, jitter = 0, backoff = 1, sleep = sim_sleep()}
    assert.equal("FINISHED", results[fast][1].state)
    assert.equal("FINISHED", results[slow][1].state)
    local calls = batch_requests()
    assert.same({slow}, h.decode(calls[#calls].body).task_id_list)
  end)

  it("takes the polling options of wait: schedule and until_states", function()
    local t = sim:task({template_id = 2, start = true}).task_id
    local delays, retried = {}, false
    local results = c:wait_all{task_ids = {t}, interval = 1, backoff = 2, max_interval = 4, jitter = 0,
      until_states = {"FINISHED"},
      on_poll = function(last)
        if last[t] and last[t].state == "FAILED" and not retried then
          retried = true
          local status = c:get_task_status{task_id = t}
          assert(c:retry_node{task_id = t, node_id = sops.failed_nodes(status)[1].id})
        end
      end,
      sleep = sim:sleeper(delays)}
    assert.is_true(retried)
    assert.equal("FINISHED", results[t][1].state)
    assert.same({1, 2, 4}, {delays[1], delays[2], delays[3]})
  end)

  it("gives an error for an unknown task and the status for the others", function()
    local t = sim:task({template_id = 1, start = true}).task_id
    local results = c:wait_all{task_ids = {t, 424242}, sleep = sim_sleep()}
    assert.equal("FINISHED", results[t][1].state)
    assert.is_nil(results[424242][1])
    assert.equal(tostring(results[424242][3]), results[424242][2])
    assert.is_true(sops.is_error(results[424242][3]))
    assert.equal("api", results[424242][3].kind)
    assert.equal("task 424242 not found in business 2", results[424242][3].message)
  end)

  it("stops at the first FAILED task with fail_fast", function()
    sim:control("POST", "templates", {id = 92, name = "slow", steps = {{name = "slow", duration = 300}}})
    local bad = sim:task({template_id = 2, start = true}).task_id
    local slow = sim:task({template_id = 92, start = true}).task_id
    local results = c:wait_all{task_ids = {slow, bad}, fail_fast = true, interval = 1, jitter = 0, sleep = sim_sleep()}
    assert.equal("FAILED", results[bad][1].state)
    assert.equal("cancelled", results[slow][3].kind)
    assert.equal("wait_all stopped early: task " .. bad .. " ended FAILED", results[slow][3].message)
    assert.equal("RUNNING", results[slow][3].status.state)
  end)

  it("without fail_fast, waits for every task", function()
    local bad = sim:task({template_id = 2, start = true}).task_id
    local good = sim:task({template_id = 1, start = true}).task_id
    local results = c:wait_all{task_ids = {bad, good}, interval = 1, jitter = 0, sleep = sim_sleep()}
    assert.equal("FAILED", results[bad][1].state)
    assert.equal("FINISHED", results[good][1].state)
  end)

  it("returns timeout errors with the last status at the deadline", function()
    local a = sim:task({template_id = 1, start = true}).task_id
    local results = c:wait_all{task_ids = {a}, timeout = 0.3, interval = 0.05}
    assert.equal("timeout", results[a][3].kind)
    assert.equal("wait_all", results[a][3].api)
    assert.equal("CREATED", results[a][3].status.state)
  end)

  it("polls one round after the pause that runs to the deadline, however early it wakes", function()
    local a = sim:task({template_id = 1, start = true}).task_id
    local naps, rounds = {}, 0
    local results = c:wait_all{task_ids = {a}, timeout = 5, interval = 1, backoff = 2, jitter = 0,
      max_interval = 10, sleep = function(d) naps[#naps + 1] = d end, -- wakes at once
      on_poll = function() rounds = rounds + 1 end}
    assert.equal("timeout", results[a][3].kind)
    assert.equal(4, #naps)
    assert.is_true(naps[4] > 4 and naps[4] <= 5, naps[4])
    assert.equal(5, rounds)
  end)

  it("retries transient failures and reports events per task", function()
    local a = sim:task({template_id = 1, start = true}).task_id
    local b = sim:task({template_id = 3 - 2, start = true}).task_id
    local evs, round_errors = {}, {}
    local results = c:wait_all{task_ids = {a, {task_id = b, bk_biz_id = 2}}, interval = 1, jitter = 0,
      on_change = function(e) evs[#evs + 1] = e end,
      on_poll = function(_, info) round_errors[info.attempt] = info.error or false end,
      sleep = sim_sleep(function(n)
        if n == 1 then sim:fault({kind = "status", status = 503, match = "get_tasks_status"}) end
      end)}
    assert.equal("FINISHED", results[a][1].state)
    assert.equal("FINISHED", results[b][1].state)
    local per_task = {}
    for _, e in ipairs(evs) do
      per_task[e.task_id] = (per_task[e.task_id] or 0) + 1
      if e.node_id then assert.is_string(e.name) end
    end
    assert.is_true(per_task[a] > 3)
    assert.is_true(per_task[b] > 3)
    -- on_poll heard of the failed round, and only of it
    assert.is_false(round_errors[1])
    assert.equal(503, round_errors[2].http_status)
    assert.is_true(round_errors[2].retryable)
    assert.is_false(round_errors[3])
  end)

  it("gives a permanent failure of a batch to each of its tasks", function()
    local results = c:wait_all{task_ids = {1, 2}, bk_biz_id = 99, sleep = sim_sleep()}
    assert.equal("api", results[1][3].kind)
    assert.equal("project(99) with scope(cmdb_biz) does not exist.", results[2][3].message)
  end)

  it("raises on argument mistakes", function()
    local ok, err = pcall(function() c:wait_all{task_ids = {1, "x"}} end)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'sops.wait_all' (field 'task_ids[2]': positive integer expected", err, 1, true)
    ok, err = pcall(function() c:wait_all{} end)
    assert.is_false(ok)
    assert.matches("field 'task_ids'", err, 1, true)
  end)
end)
