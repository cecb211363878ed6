-- bksops-sim's engine: every row of the task-action table (§5.2) and the
-- node-action table (§5.4), state bubbling, subprocesses and callbacks.
-- Time is frozen (--speed 0) and moved with the control API.
local h = require "helpers"
local gw = h.gw

local sim
local function op_task(id, action)
  local _, body = sim:post(gw("operate_task", id, 2), action and {action = action} or {})
  return body
end
local function op_node(id, node, action, extra)
  local body = {node_id = node, action = action}
  for k, v in pairs(extra or {}) do body[k] = v end
  local _, b = sim:post(gw("operate_node", 2, id), body)
  return b
end
local function status(id, query)
  local _, body = sim:get(gw("get_task_status", id, 2) .. (query or ""))
  return body.data
end
local function node(id, node_id, sub)
  local d = status(id)
  if sub then d = d.children[sub] end
  return d.children[node_id]
end
local function ok(body)
  assert.same({result = true, message = "success", code = 0, trace_id = body.trace_id}, body)
end
local function refused(body, last_line)
  assert.is_false(body.result)
  assert.equal(3599999, body.code)
  assert.matches("^fail: Traceback %(most recent call last%):\n", body.message)
  assert.equal(last_line, h.last_line(body.message))
end
local function invalid(body, message)
  assert.is_false(body.result)
  assert.equal(3545000, body.code)
  assert.equal(message, body.message)
end

local INVALID = "bamboo_engine.exceptions.InvalidOperationError: "

-- templates made for these specs
local TEMPLATES = {
  {id = 100, name = "long", steps = {{name = "long", duration = 100}, {name = "short", duration = 1}}},
  {id = 101, name = "stubborn", steps = {{name = "stuck", duration = 1, fail = {skippable = false, retryable = true}}}},
  {id = 102, name = "expiring", steps = {{name = "wait", duration = 0, callback = {timeout = 5}}}},
  {id = 103, name = "retried in vain", steps = {
    {name = "doomed", duration = 1, fail = {ex_data = "still broken"}, auto_retry = {times = 1, interval = 2}},
  }},
  {id = 104, name = "greedy strategy", steps = {
    {name = "doomed", duration = 1, fail = {}, auto_retry = {times = 50, interval = 600}},
  }},
  {id = 105, name = "retried inside", steps = {
    {name = "outer", subprocess = {steps = {
      {name = "inner", duration = 1, fail = {times = 1}, auto_retry = {times = 3, interval = 4}},
    }}},
  }},
}

describe("bksops-sim engine", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)
  before_each(function()
    sim:reset()
    for _, t in ipairs(TEMPLATES) do sim:control("POST", "templates", t) end
  end)

  describe("task actions (§5.2)", function()
    it("CREATED: pause, resume and revoke answer task not started", function()
      local t = sim:task({template_id = 100})
      for _, a in ipairs({"pause", "resume", "revoke"}) do
        invalid(op_task(t.task_id, a), "task not started")
      end
      -- a queued start that has not run yet is still "not started"
      sim:post(gw("operate_task", t.task_id, 2), {action = "start"})
      invalid(op_task(t.task_id, "pause"), "task not started")
    end)

    it("operate_task start answers without task_url and queues", function()
      local t = sim:task({template_id = 100})
      local body = op_task(t.task_id, "start")
      ok(body)
      assert.equal("CREATED", status(t.task_id).state)
      sim:advance(1)
      assert.equal("RUNNING", status(t.task_id).state)
      invalid(op_task(t.task_id, "start"), "task already started")
    end)

    it("RUNNING: resume is refused by the engine, pause suspends", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      refused(op_task(t.task_id, "resume"),
        INVALID .. "pipeline(" .. t.root_id .. ") state is: RUNNING")
      ok(op_task(t.task_id, "pause"))
      assert.equal("SUSPENDED", status(t.task_id).state)
    end)

    it("SUSPENDED: pause again is a transition error; the running node finishes but the next waits", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      ok(op_task(t.task_id, "pause"))
      refused(op_task(t.task_id, "pause"),
        "RuntimeError: can't not transit node(" .. t.root_id .. ") state from SUSPENDED to SUSPENDED")
      invalid(op_task(t.task_id, "start"), "task already started")
      sim:advance(200)
      local d = status(t.task_id)
      assert.equal("SUSPENDED", d.state)
      assert.equal("FINISHED", d.children[t.node_ids.long].state)
      assert.is_nil(d.children[t.node_ids.short])
      ok(op_task(t.task_id, "resume"))
      assert.equal("RUNNING", status(t.task_id).state)
      sim:advance(2)
      d = status(t.task_id)
      assert.equal("FINISHED", d.state)
      assert.matches("%+0800$", d.finish_time)
    end)

    it("SUSPENDED: revoke works", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      ok(op_task(t.task_id, "pause"))
      ok(op_task(t.task_id, "revoke"))
      assert.equal("REVOKED", status(t.task_id).state)
    end)

    it("FAILED: the root stays RUNNING in the engine, so resume fails and pause/revoke work", function()
      local t = sim:task({template_id = 2, start = true})
      sim:advance(5)
      assert.equal("FAILED", status(t.task_id).state)
      invalid(op_task(t.task_id, "start"), "task already started")
      refused(op_task(t.task_id, "resume"), INVALID .. "pipeline(" .. t.root_id .. ") state is: RUNNING")
      ok(op_task(t.task_id, "pause"))
      -- a paused root with a failed child stays SUSPENDED
      assert.equal("SUSPENDED", status(t.task_id).state)
      ok(op_task(t.task_id, "revoke"))
      local d = status(t.task_id)
      assert.equal("REVOKED", d.state)
      -- children keep their states
      assert.equal("FAILED", d.children[t.node_ids.deploy].state)
    end)

    it("FINISHED and REVOKED: every action but start names current_flow, with the odd verbs", function()
      local t = sim:task({template_id = 1, start = true})
      sim:advance(10)
      assert.equal("FINISHED", status(t.task_id).state)
      invalid(op_task(t.task_id, "pause"), "task with current_flow:finished cannot be pauseed")
      invalid(op_task(t.task_id, "resume"), "task with current_flow:finished cannot be resumeed")
      invalid(op_task(t.task_id, "revoke"), "task with current_flow:finished cannot be revokeed")
      invalid(op_task(t.task_id, nil), "task with current_flow:finished cannot be Noneed")
      invalid(op_task(t.task_id, "start"), "task already started")
      local r = sim:task({template_id = 100, start = true})
      sim:advance(1)
      ok(op_task(r.task_id, "revoke"))
      invalid(op_task(r.task_id, "revoke"), "task with current_flow:finished cannot be revokeed")
    end)

    it("NODE_SUSPENDED: the root is RUNNING, so pause works", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      ok(op_node(t.task_id, t.node_ids.short, "pause"))
      sim:advance(150)
      assert.equal("NODE_SUSPENDED", status(t.task_id).state)
      refused(op_task(t.task_id, "resume"), INVALID .. "pipeline(" .. t.root_id .. ") state is: RUNNING")
      ok(op_task(t.task_id, "pause"))
    end)

    it("an unclaimed functionalization task accepts start and never runs", function()
      local _, created = sim:post(gw("create_task", 1, 2), {name = "func", flow_type = "common_func"})
      local id = created.data.task_id
      assert.matches("instance_id=" .. id, created.data.function_task_claim_url)
      local _, body = sim:post(gw("start_task", id, 2), "{}")
      assert.is_true(body.result)
      sim:advance(10)
      assert.equal("CREATED", status(id).state)
      invalid(op_task(id, "pause"), "task with current_flow:func_claim cannot be pauseed")
    end)

    it("refuses unknown commands and empty bodies", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      invalid(op_task(t.task_id, "explode"), "task command is invalid")
      local _, body = sim:post(gw("operate_task", t.task_id, 2), "")
      assert.same({result = false, message = "invalid json format", code = 3540000, trace_id = body.trace_id}, body)
    end)
  end)

  describe("node actions (§5.4)", function()
    it("retry: a FAILED node gets a new version, READY, then runs with new inputs", function()
      local t = sim:task({template_id = 2, start = true})
      sim:advance(5)
      local before = node(t.task_id, t.node_ids.deploy)
      assert.equal("FAILED", before.state)
      ok(op_node(t.task_id, t.node_ids.deploy, "retry", {inputs = {version = "2.0"}}))
      local after = node(t.task_id, t.node_ids.deploy)
      assert.equal("READY", after.state)
      assert.equal(1, after.retry)
      assert.are_not.equal(before.version, after.version)
      assert.equal(h.null, after.start_time)
      assert.equal("RUNNING", status(t.task_id).state)
      sim:advance(10)
      assert.equal("FINISHED", status(t.task_id).state)
      assert.equal("FINISHED", node(t.task_id, t.node_ids.deploy).state)
    end)

    it("retry: refused when not FAILED, not retryable, or revoked", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      refused(op_node(t.task_id, t.node_ids.long, "retry"),
        INVALID .. t.node_ids.long .. " state is not FAILED, actual RUNNING")
      local f = sim:task({template_id = 5, start = true})
      sim:advance(5)
      refused(op_node(f.task_id, f.node_ids.broken, "retry"),
        INVALID .. "can not retry node(" .. f.node_ids.broken .. ") with can_retry(False)")
      local r = sim:task({template_id = 2, start = true})
      sim:advance(5)
      ok(op_task(r.task_id, "revoke"))
      refused(op_node(r.task_id, r.node_ids.deploy, "retry"),
        INVALID .. "can not find sleep process with current node id: " .. r.node_ids.deploy)
    end)

    it("error_ignorable: a failure is ignored and the task goes on", function()
      local f = sim:task({template_id = 5, start = true})
      sim:advance(5)
      local n = node(f.task_id, f.node_ids["optional cleanup"])
      assert.equal("FINISHED", n.state)
      assert.is_true(n.error_ignored)
      assert.is_true(n.error_ignorable)
    end)

    it("skip: a FAILED activity becomes FINISHED with skip true", function()
      local t = sim:task({template_id = 2, start = true})
      sim:advance(5)
      ok(op_node(t.task_id, t.node_ids.deploy, "skip"))
      local n = node(t.task_id, t.node_ids.deploy)
      assert.equal("FINISHED", n.state)
      assert.is_true(n.skip)
      sim:advance(5)
      assert.equal("FINISHED", status(t.task_id).state)
    end)

    it("skip: refused for gateways, unskippable nodes and nodes not FAILED", function()
      local g = sim:task({template_id = 4, start = true})
      sim:advance(3)
      refused(op_node(g.task_id, g.node_ids["choose route"], "skip"),
        INVALID .. "can not use skip_node api for NodeType.ExclusiveGateway")
      local s = sim:task({template_id = 101, start = true})
      sim:advance(3)
      refused(op_node(s.task_id, s.node_ids.stuck, "skip"), INVALID .. "can not skip this node")
      local r = sim:task({template_id = 100, start = true})
      sim:advance(1)
      refused(op_node(r.task_id, r.node_ids.long, "skip"),
        INVALID .. r.node_ids.long .. " state is not FAILED, actual RUNNING")
    end)

    it("skip_exg: a failed exclusive gateway takes the given flow", function()
      local g = sim:task({template_id = 4, start = true})
      sim:advance(3)
      local gid = g.node_ids["choose route"]
      assert.equal("FAILED", node(g.task_id, gid).state)
      local flows
      for _, n in ipairs(g.nodes) do
        if n.id == gid then flows = n.flows end
      end
      refused(op_node(g.task_id, gid, "skip_exg", {flow_id = "lnope"}), "KeyError: 'lnope'")
      refused(op_node(g.task_id, g.node_ids.prepare, "skip_exg", {flow_id = flows[1].id}),
        INVALID .. g.node_ids.prepare .. " is not exclusive gateway, actual: ServiceActivity")
      ok(op_node(g.task_id, gid, "skip_exg", {flow_id = flows[2].id}))
      sim:advance(10)
      local d = status(g.task_id)
      assert.equal("FINISHED", d.state)
      assert.is_not_nil(d.children[g.node_ids["full deploy"]])
      assert.is_nil(d.children[g.node_ids["canary deploy"]])
    end)

    it("skip_cpg: always fails through this API", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      local body = op_node(t.task_id, t.node_ids.long, "skip_cpg")
      assert.is_false(body.result)
      assert.equal(3599999, body.code)
      assert.equal("节点操作失败: 节点[ID: " .. t.node_ids.long .. "], 任务[ID: " .. t.task_id
        .. "]操作失败: 'flow_ids', 请重试. 如持续失败可联系管理员处理 | nodes_action", body.message)
    end)

    it("callback: a waiting node finishes, or fails on the callback's data", function()
      local t = sim:task({template_id = 3, start = true})
      local sub, approve, stop = t.node_ids["restart service"], t.node_ids.approve, t.node_ids.stop
      sim:advance(1.5)
      -- (a node with no state yet: spec 39)
      refused(op_node(t.task_id, stop, "callback", {data = {}}),
        INVALID .. "can not find sleep process with current node id: " .. stop)
      sim:advance(1.5)
      assert.equal("RUNNING", node(t.task_id, approve, sub).state)
      ok(op_node(t.task_id, approve, "callback", {data = {approved = true}}))
      assert.equal("FINISHED", node(t.task_id, approve, sub).state)
      sim:advance(5)
      assert.equal("FINISHED", status(t.task_id).state)

      local f = sim:task({template_id = 3, start = true})
      sim:advance(3)
      ok(op_node(f.task_id, f.node_ids.approve, "callback", {data = {result = false, message = "rejected by ops"}}))
      local d = status(f.task_id, "?with_ex_data=1")
      assert.equal("FAILED", d.state)
      assert.equal("FAILED", d.children[f.node_ids["restart service"]].state)
      assert.same({[f.node_ids.approve] = "rejected by ops"}, d.ex_data)
    end)

    it("node_callback: checks the node, the version and the schedule", function()
      local t = sim:task({template_id = 3, start = true})
      sim:advance(3)
      local approve = t.node_ids.approve
      local _, body = sim:post(gw("node_callback", t.task_id, 2), {node_id = "nmissing", callback_data = {}})
      assert.equal("task[" .. t.task_id .. "] does not have node[nmissing]", body.message)
      assert.equal(3540000, body.code)
      _, body = sim:post(gw("node_callback", t.task_id, 2), {node_id = approve, callback_data = {}, version = "vold"})
      refused(body, INVALID .. "node version vold not exist")
      local version = node(t.task_id, approve, t.node_ids["restart service"]).version
      _, body = sim:post(gw("node_callback", t.task_id, 2), {node_id = approve, callback_data = {x = 1}, version = version})
      ok(body)
      _, body = sim:post(gw("node_callback", t.task_id, 2), "")
      assert.equal("invalid json format", body.message)
      local e = sim:task({template_id = 102, start = true})
      sim:advance(10)
      _, body = sim:post(gw("node_callback", e.task_id, 2), {node_id = e.node_ids.wait, callback_data = {}})
      refused(body, INVALID .. "schedule is already expired")
      sim:config({whitelist = {"spec-app"}})
      _, body = sim:post(gw("node_callback", 9999, 2), {node_id = "x"})
      assert.equal("[API] node_callback task[id=9999] of project[project_id=2, biz_id2] does not exist", body.message)
    end)

    it("forced_fail: a running activity fails with the operator's name", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      ok(op_node(t.task_id, t.node_ids.long, "forced_fail"))
      local d = status(t.task_id, "?with_ex_data=1")
      assert.equal("FAILED", d.state)
      assert.same({[t.node_ids.long] = "The node has been terminated by admin."}, d.ex_data)
      refused(op_node(t.task_id, t.node_ids.long, "forced_fail"),
        INVALID .. t.node_ids.long .. " state is not RUNNING, actual: FAILED")
      local s = sim:task({template_id = 3, start = true})
      sim:advance(1)
      refused(op_node(s.task_id, s.node_ids["restart service"], "forced_fail"),
        INVALID .. s.node_ids["restart service"] .. " is not activity, actual: SubProcess")
    end)

    it("pause/resume: a node paused in advance shows SUSPENDED once reached, and holds the task", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      ok(op_node(t.task_id, t.node_ids.short, "pause"))
      -- (until the engine reaches it, a marker out of the status tree: spec 39)
      assert.is_nil(node(t.task_id, t.node_ids.short))
      assert.equal("RUNNING", status(t.task_id).state)
      refused(op_node(t.task_id, t.node_ids.long, "resume"),
        "RuntimeError: can't not transit node(" .. t.node_ids.long .. ") state from RUNNING to READY")
      sim:advance(200)
      local n = node(t.task_id, t.node_ids.short)
      assert.equal("SUSPENDED", n.state)
      assert.equal(h.null, n.start_time)
      assert.equal("NODE_SUSPENDED", status(t.task_id).state)
      ok(op_node(t.task_id, t.node_ids.short, "resume"))
      assert.equal("READY", node(t.task_id, t.node_ids.short).state)
      sim:advance(5)
      assert.equal("FINISHED", status(t.task_id).state)
      refused(op_node(t.task_id, t.node_ids.short, "pause"),
        "RuntimeError: can't not transit node(" .. t.node_ids.short .. ") state from FINISHED to SUSPENDED")
    end)

    it("resume on a FAILED node succeeds (FAILED -> READY) and leaves the task stuck; a subprocess is refused", function()
      local t = sim:task({template_id = 101, start = true})
      sim:advance(3)
      local id = t.node_ids.stuck
      assert.equal("FAILED", node(t.task_id, id).state)
      local v = node(t.task_id, id).version
      ok(op_node(t.task_id, id, "resume"))
      sim:advance(100)
      assert.equal("READY", node(t.task_id, id).state)
      assert.equal(v, node(t.task_id, id).version)
      assert.equal("RUNNING", status(t.task_id).state)
      refused(op_node(t.task_id, id, "retry"), INVALID .. id .. " state is not FAILED, actual READY")
      local s = sim:task({template_id = 3, start = true})
      sim:advance(1)
      refused(op_node(s.task_id, s.node_ids["restart service"], "resume"),
        INVALID .. "can not use pause_node_appoint api for NodeType.SubProcess")
    end)

    it("get_task_node_detail cuts histories to the last max_histories (default 3) for MCP callers only", function()
      local t = sim:task({template_id = 101, start = true})
      for _ = 1, 4 do
        sim:advance(3)
        ok(op_node(t.task_id, t.node_ids.stuck, "retry"))
      end
      sim:advance(3)
      local p = gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. t.node_ids.stuck
      local mcp = {headers = {["X-Bkapi-Mcp-Server-Id"] = "42"}}
      local _, all = sim:get(p)
      assert.equal(4, #all.data.histories)
      local _, cut = sim:get(p, mcp)
      assert.equal(3, #cut.data.histories)
      assert.equal(all.data.histories[2].history_id, cut.data.histories[1].history_id)
      _, cut = sim:get(p .. "&max_histories=1", mcp)
      assert.equal(1, #cut.data.histories)
      _, cut = sim:get(p .. "&max_histories=0", mcp)
      assert.equal(4, #cut.data.histories) -- histories[-0:]
      _, cut = sim:get(p .. "&max_histories=x", mcp)
      assert.equal(3, #cut.data.histories)
      _, cut = sim:get(p, {headers = {["X-Bkapi-Mcp-Server-Id"] = "  "}})
      assert.equal(4, #cut.data.histories)
    end)

    it("with_failed_node_info lists failed subprocess containers before their failed nodes", function()
      local f = sim:task({template_id = 3, start = true})
      sim:advance(3)
      ok(op_node(f.task_id, f.node_ids.approve, "callback", {data = {result = false, message = "no"}}))
      local _, body = sim:get(gw("get_task_status", f.task_id, 2) .. "?with_failed_node_info=1")
      assert.same({[f.node_ids["restart service"]] = {}, [f.node_ids.approve] = {}}, body.data.failed_node_info)
      -- written container first
      local raw = select(4, sim:get(gw("get_task_status", f.task_id, 2) .. "?with_failed_node_info=1"))
      local info = raw:match('"failed_node_info": (%b{})')
      assert.is_true(info:find(f.node_ids["restart service"], 1, true) < info:find(f.node_ids.approve, 1, true))
      -- either flag on a task not started fails the same way
      local c = sim:task({template_id = 1})
      _, body = sim:get(gw("get_task_status", c.task_id, 2) .. "?with_auto_retry_status=1")
      assert.same({false, 3599999, string.format("task[id=%d] extract failed node info error: 'id'", c.task_id)},
        {body.result, body.code, body.message})
    end)

    it("a revoked task's root keeps no finish_time, and its elapsed_time goes on", function()
      -- (engine.py revoke_pipeline sets the state without an archive time)
      local t = sim:task({template_id = 100, start = true})
      sim:advance(2)
      ok(op_task(t.task_id, "revoke"))
      local d = status(t.task_id)
      assert.equal("REVOKED", d.state)
      assert.equal(h.null, d.finish_time)
      local before = d.elapsed_time
      sim:advance(30)
      d = status(t.task_id)
      assert.equal(before + 30, d.elapsed_time)
      -- the task's own finish time (PipelineInstance.finish_time) is set
      local _, detail = sim:get(gw("get_task_detail", t.task_id, 2))
      assert.is_string(detail.data.finish_time)
    end)

    it("a template with engine_ver = 1 runs as on the old pipeline engine: its status in the v1 shape", function()
      sim:control("POST", "templates", {id = 103, name = "old", engine_ver = 1, steps = {
        {name = "first", duration = 1}, {name = "stuck", duration = 1, fail = {ex_data = "boom"}}}})
      local t = sim:task({template_id = 103, start = true})
      sim:advance(5)
      local _, body, _, raw = sim:get(gw("get_task_status", t.task_id, 2) .. "?with_ex_data=1")
      local d = body.data
      assert.equal("FAILED", d.state)
      assert.equal("<class 'pipeline.core.pipeline.Pipeline'>", d.name)
      assert.equal("", d.version)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$", d.state_refresh_at)
      assert.is_nil(d["root_id:"])
      assert.is_nil(d.parent_id)
      assert.equal("FINISHED", d.children[t.nodes[1].id].state)
      assert.equal("<class 'pipeline.core.flow.event.EmptyStartEvent'>", d.children[t.nodes[1].id].name)
      assert.equal("stuck", d.children[t.node_ids.stuck].name)
      assert.is_string(d.children[t.node_ids.stuck].version)
      assert.same({[t.node_ids.stuck] = "boom"}, d.ex_data)
      -- the keys in the v1 order (docs/en/apidoc/get_task_status.md)
      assert.matches('^{"result": true, "data": {"id": "n%x+", "state": "FAILED", "name": "<class', raw)
      -- a v2 task beside it keeps the v2 shape
      local v2 = sim:task({template_id = 1, start = true})
      sim:advance(1)
      assert.equal(v2.root_id, status(v2.task_id)["root_id:"])
    end)

    it("pause: refused for a subprocess", function()
      local t = sim:task({template_id = 3, start = true})
      sim:advance(0.5)
      refused(op_node(t.task_id, t.node_ids["restart service"], "pause"),
        INVALID .. "can not use pause_node_appoint api for NodeType.SubProcess")
    end)

    it("pause_subproc/resume_subproc: NODE_SUSPENDED bubbles to the root", function()
      local t = sim:task({template_id = 3, start = true})
      local sub = t.node_ids["restart service"]
      refused(op_node(t.task_id, sub, "pause_subproc"),
        "bamboo_engine.exceptions.NotFoundError: node(" .. sub .. ") does not exist")
      sim:advance(1.5)
      refused(op_node(t.task_id, sub, "resume_subproc"), INVALID .. "pipeline(" .. sub .. ") state is: RUNNING")
      ok(op_node(t.task_id, sub, "pause_subproc"))
      local d = status(t.task_id)
      assert.equal("NODE_SUSPENDED", d.state)
      assert.equal("SUSPENDED", d.children[sub].state)
      sim:advance(10)
      -- the running "stop" finished, "approve" did not start
      assert.is_nil(d.children[sub].children[t.node_ids.approve])
      ok(op_node(t.task_id, sub, "resume_subproc"))
      sim:advance(1)
      assert.equal("RUNNING", node(t.task_id, t.node_ids.approve, sub).state)
    end)

    it("retry_subprocess: reruns a subprocess whose child failed", function()
      local t = sim:task({template_id = 6, start = true})
      sim:advance(5)
      local outer = t.node_ids.outer
      local d = status(t.task_id, "?with_ex_data=1")
      assert.equal("FAILED", d.state)
      assert.equal("FAILED", d.children[outer].state)
      assert.equal("FAILED", d.children[outer].children[t.node_ids.inner].state)
      assert.same({[t.node_ids["inner step"]] = "inner failure"}, d.ex_data)
      refused(op_node(t.task_id, t.node_ids["outer step"], "retry_subprocess"),
        INVALID .. "node(" .. t.node_ids["outer step"] .. ") type is not SubProcess")
      ok(op_node(t.task_id, outer, "retry_subprocess"))
      assert.equal(1, node(t.task_id, outer).retry)
      sim:advance(10)
      assert.equal("FINISHED", status(t.task_id).state)
      refused(op_node(t.task_id, outer, "retry_subprocess"),
        INVALID .. outer .. " state is not FAILED, actual FINISHED")
    end)

    it("nested retry: a failed leaf two levels down is retried in place", function()
      local t = sim:task({template_id = 6, start = true})
      sim:advance(5)
      ok(op_node(t.task_id, t.node_ids["inner step"], "retry"))
      sim:advance(5)
      assert.equal("FINISHED", status(t.task_id).state)
    end)

    it("refuses unknown nodes and actions with 3599999, and bad bodies", function()
      local t = sim:task({template_id = 100, start = true})
      sim:advance(1)
      local body = op_node(t.task_id, "nnope", "retry")
      assert.equal("节点状态请求失败: 任务[ID: " .. t.task_id .. "]中未找到节点[ID: nnope]. 请重试. 如持续失败可联系管理员处理 | nodes_action",
        body.message)
      assert.equal(3599999, body.code)
      body = op_node(t.task_id, t.node_ids.long, "explode")
      assert.equal("task command is invalid", body.message)
      assert.equal(3599999, body.code)
      body = op_node(t.task_id, t.node_ids.long, "callback", {data = "text"})
      assert.equal("data field is not a valid object", body.message)
      body = op_node(t.task_id, t.node_ids.long, "retry", {inputs = {1, 2}})
      assert.equal("inputs field is not a valid object", body.message)
      local _, b = sim:post(gw("operate_node", 2, t.task_id), "")
      assert.equal("request body is not a valid json", b.message)
      sim:config({whitelist = {"spec-app"}})
      _, b = sim:post(gw("operate_node", 2, 31337), {node_id = "x", action = "retry"})
      assert.equal("task[id=31337] of project[id=2] does not exist", b.message)
      assert.equal(3540400, b.code)
    end)
  end)

  describe("automatic retries (auto_retry strategies)", function()
    -- a task of `template` created through the API with a callback_url (to
    -- a port nothing listens on: what counts is what the simulator queues)
    local function with_callback(template)
      local _, body = sim:post(gw("create_task", template, 2),
        {name = "auto", callback_url = "http://127.0.0.1:" .. h.dead_port() .. "/cb"})
      assert(body.result, body.message)
      local id = body.data.task_id
      ok(op_task(id, "start"))
      return sim:control("GET", "tasks/" .. id)
    end
    local function callbacks(id)
      local out = {}
      for _, cb in ipairs(sim:control("GET", "callbacks").callbacks) do
        if cb.task_id == id then out[#out + 1] = cb.task_success end
      end
      return out
    end
    local function retry_info(id, node_id)
      local _, body = sim:get(gw("get_task_status", id, 2) .. "?with_failed_node_info=1&with_auto_retry_status=1")
      return body.data.failed_node_info[node_id], body.data.auto_retry_status
    end

    it("a failed node with retries left reads FAILED, calls nobody back and is retried interval s later", function()
      local t = with_callback(8)
      local deploy = t.node_ids.deploy
      sim:advance(3) -- precheck (1 s), then deploy fails on its first attempt (2 s)
      local failed = node(t.task_id, deploy)
      assert.same({"FAILED", 0}, {failed.state, failed.retry})
      assert.equal("FAILED", status(t.task_id).state)
      assert.same({}, callbacks(t.task_id))
      sim:advance(4)
      assert.same({"FAILED", 0, failed.version}, {node(t.task_id, deploy).state, node(t.task_id, deploy).retry,
        node(t.task_id, deploy).version})
      sim:advance(1) -- 5 s after the failure: retried as retry_node does
      local retried = node(t.task_id, deploy)
      assert.same({"READY", 1}, {retried.state, retried.retry})
      assert.are_not.equal(failed.version, retried.version)
      local _, detail = sim:get(gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. deploy)
      assert.equal(1, #detail.data.histories)
      assert.equal("job execution failed: step[1] exit code 1 on 10.0.0.12", detail.data.histories[1].ex_data)
      assert.same({node_id = deploy, auto_retry_times = 1, max_auto_retry_times = 2}, detail.data.auto_retry_info)
      -- the attempts go on counting: the second one succeeds
      sim:advance(4)
      assert.equal("FINISHED", status(t.task_id).state)
      assert.same({true}, callbacks(t.task_id))
    end)

    it("with no retry left, a failure is as without a strategy: a callback with task_success false", function()
      local t = with_callback(103)
      local doomed = t.node_ids.doomed
      sim:advance(2)
      assert.equal("FAILED", node(t.task_id, doomed).state)
      assert.same({}, callbacks(t.task_id))
      local info, waiting = retry_info(t.task_id, doomed)
      assert.same({node_id = doomed, auto_retry_times = 0, max_auto_retry_times = 1}, info)
      assert.same({exist_auto_retry_nodes = true, auto_retry_nodes = {doomed}}, waiting)
      sim:advance(1) -- retried 2 s after the failure, then fails again 1 s later
      assert.same({"READY", 1}, {node(t.task_id, doomed).state, node(t.task_id, doomed).retry})
      assert.same({}, callbacks(t.task_id))
      sim:advance(1)
      assert.same({"FAILED", 1}, {node(t.task_id, doomed).state, node(t.task_id, doomed).retry})
      assert.same({false}, callbacks(t.task_id))
      info, waiting = retry_info(t.task_id, doomed)
      assert.same({node_id = doomed, auto_retry_times = 1, max_auto_retry_times = 1}, info)
      assert.same({exist_auto_retry_nodes = false, auto_retry_nodes = {}}, waiting)
      -- and nothing more comes, however long one waits
      sim:advance(600)
      assert.same({"FAILED", 1}, {node(t.task_id, doomed).state, node(t.task_id, doomed).retry})
    end)

    it("caps times at 10 and interval at 60, as bk-sops does", function()
      local t = sim:task({template_id = 104, start = true})
      local doomed = t.node_ids.doomed
      sim:advance(2)
      assert.equal(10, (retry_info(t.task_id, doomed)).max_auto_retry_times)
      sim:advance(58) -- 59 s after the failure
      assert.equal(0, node(t.task_id, doomed).retry)
      sim:advance(1)
      assert.equal(1, node(t.task_id, doomed).retry)
      -- ten retries in all, each 1 s of running and 60 s of waiting
      sim:advance(61 * 20)
      assert.same({"FAILED", 10}, {node(t.task_id, doomed).state, node(t.task_id, doomed).retry})
      assert.equal(10, (retry_info(t.task_id, doomed)).auto_retry_times)
    end)

    it("a manual retry meanwhile works as today; the automatic one then only counts", function()
      local t = sim:task({template_id = 8, start = true})
      local deploy = t.node_ids.deploy
      sim:advance(3)
      ok(op_node(t.task_id, deploy, "retry"))
      sim:advance(5) -- the automatic retry comes due while the node runs: refused, counted
      local n = node(t.task_id, deploy)
      assert.same({"FINISHED", 1}, {n.state, n.retry})
      local _, detail = sim:get(gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. deploy)
      assert.same({node_id = deploy, auto_retry_times = 1, max_auto_retry_times = 2}, detail.data.auto_retry_info)
      assert.equal(1, #detail.data.histories)
    end)

    it("retries a node inside a subprocess; its detail shows its strategy (looked up under the root)", function()
      local t = sim:task({template_id = 105, start = true})
      local inner, outer = t.node_ids.inner, t.node_ids.outer
      sim:advance(2)
      local info, waiting = retry_info(t.task_id, inner)
      assert.same({node_id = inner, auto_retry_times = 0, max_auto_retry_times = 3}, info)
      assert.same({exist_auto_retry_nodes = true, auto_retry_nodes = {inner}}, waiting)
      -- the failed container is listed, without a strategy of its own
      assert.same({}, (retry_info(t.task_id, outer)))
      -- (get_failed_nodes_info looks the strategies up under the answer's
      -- id: a subprocess's with subprocess_id)
      local _, sub = sim:get(gw("get_task_status", t.task_id, 2) .. "?subprocess_id=" .. outer
        .. "&with_failed_node_info=1&with_auto_retry_status=1")
      assert.same({}, sub.data.failed_node_info[inner])
      assert.same({exist_auto_retry_nodes = false, auto_retry_nodes = {}}, sub.data.auto_retry_status)
      -- (get_children_states gives every node the root's id as parent_id,
      -- under which get_node_detail finds the strategy)
      local _, detail = sim:get(gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. inner
        .. "&subprocess_stack=%5B%22" .. outer .. "%22%5D")
      assert.same({node_id = inner, auto_retry_times = 0, max_auto_retry_times = 3}, detail.data.auto_retry_info)
      sim:advance(4)
      assert.equal(1, node(t.task_id, inner, outer).retry)
      sim:advance(2)
      assert.equal("FINISHED", status(t.task_id).state)
    end)

    it("a revoked task is not retried, and the retry still counts", function()
      local t = sim:task({template_id = 8, start = true})
      local deploy = t.node_ids.deploy
      sim:advance(3)
      ok(op_task(t.task_id, "revoke"))
      sim:advance(10)
      local n = node(t.task_id, deploy)
      assert.same({"FAILED", 0}, {n.state, n.retry})
      assert.equal(1, (retry_info(t.task_id, deploy)).auto_retry_times)
    end)
  end)

  describe("the load-test template", function()
    it("runs 2,000 nodes to the end", function()
      local t = sim:task({template_id = 7, start = true})
      sim:advance(100)
      local d = status(t.task_id)
      assert.equal("FINISHED", d.state)
      local count = 0
      local function walk(n)
        for _, c in pairs(n.children) do
          count = count + 1
          walk(c)
        end
      end
      walk(d)
      assert.is_true(count > 2000)
    end)
  end)
end)
