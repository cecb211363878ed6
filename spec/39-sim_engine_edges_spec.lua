-- bksops-sim's engine at its edges (issue 25, areas 1 and 2): node actions
-- on nodes the engine has not reached (no engine state yet, or on a task
-- not started no engine node either), and the skip and retry refusals in
-- the engine's own order. Each spec is a row of docs/fidelity.md. The
-- clock is frozen and moved with the control API.
local h = require "helpers"
local gw = h.gw

local sim
local function op_node(id, node, action, extra)
  local body = {node_id = node, action = action}
  for k, v in pairs(extra or {}) do body[k] = v end
  local _, b = sim:post(gw("operate_node", 2, id), body)
  return b
end
local function status(id)
  local _, body = sim:get(gw("get_task_status", id, 2))
  return body.data
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
-- the id of the task's node of type `kind` at the top level
local function top(t, kind)
  for _, n in ipairs(t.nodes) do
    if n.type == kind and #n.path == 1 then return n.id end
  end
end

-- the first outgoing flow of the task's exclusive gateway `id`
local function first_flow(t, id)
  for _, n in ipairs(t.nodes) do
    if n.id == id then return n.flows[1].id end
  end
end

local INVALID = "bamboo_engine.exceptions.InvalidOperationError: "
local NO_NODE = "pipeline.eri.models.Node.DoesNotExist: Node matching query does not exist."
local NO_STATE = "pipeline.eri.models.State.DoesNotExist: State matching query does not exist."
local NO_DATA = "bamboo_engine.exceptions.NotFoundError"
local function transit(id, from, to)
  return string.format("RuntimeError: can't not transit node(%s) state from %s to %s", id, from, to)
end

local TEMPLATES = {
  {id = 200, name = "long first", steps = {
    {name = "long", duration = 100}, {name = "short", duration = 1}, {name = "tail", duration = 1}}},
  {id = 201, name = "fixed", steps = {
    {name = "ignored", duration = 1, error_ignorable = true, fail = {skippable = false}},
    {name = "unskippable", duration = 1, fail = {skippable = false, retryable = false}}}},
}

describe("bksops-sim engine edges", function()
  h.use_sim({}, false, function(s) sim = s end, true)
  before_each(function()
    sim:reset()
    sim:freeze()
    for _, t in ipairs(TEMPLATES) do sim:control("POST", "templates", t) end
  end)

  describe("node actions on nodes the engine has not reached", function()
    it("on a task not started the engine has no nodes: Node.DoesNotExist, retry's bare NotFoundError", function()
      -- (engine nodes are written when the pipeline starts: prepare_run_pipeline)
      local t = sim:task({template_id = 3})
      local g = sim:task({template_id = 4})
      local sub, stop = t.node_ids["restart service"], t.node_ids.stop
      local function all_refused(task_id)
        refused(op_node(task_id, stop, "skip"), NO_NODE)
        refused(op_node(task_id, stop, "forced_fail"), NO_NODE)
        refused(op_node(task_id, stop, "pause"), NO_NODE)
        refused(op_node(task_id, stop, "resume"), NO_NODE)
        refused(op_node(task_id, sub, "pause"), NO_NODE) -- (before the SubProcess check)
        refused(op_node(task_id, sub, "retry_subprocess"), NO_NODE)
        refused(op_node(task_id, stop, "retry_subprocess"), NO_NODE) -- (before the type check)
        -- retry reads the node's data first (dispatchers/node.py retry_v2)
        refused(op_node(task_id, stop, "retry"), NO_DATA)
        -- pause_subproc asks has_state, resume_subproc reads the state
        refused(op_node(task_id, sub, "pause_subproc"), "bamboo_engine.exceptions.NotFoundError: node("
          .. sub .. ") does not exist")
        refused(op_node(task_id, sub, "resume_subproc"), NO_STATE)
      end
      all_refused(t.task_id)
      local gid = g.node_ids["choose route"]
      refused(op_node(g.task_id, gid, "skip_exg", {flow_id = first_flow(g, gid)}), NO_NODE)
      refused(op_node(g.task_id, gid, "skip_exg", {flow_id = "lnope"}), NO_NODE) -- (before the flow)
      -- a start queued and not yet run: still no engine nodes
      sim:post(gw("start_task", t.task_id, 2), {})
      all_refused(t.task_id)
      -- nothing was written: the task runs as though nobody had asked
      sim:advance(0.5)
      local d = status(t.task_id)
      assert.equal("RUNNING", d.state)
      assert.is_nil(d.children[sub])
      sim:advance(10)
      assert.equal("FINISHED", status(t.task_id).children[sub].children[stop].state)
    end)

    it("on a started task, a node not reached has no state: the ORM's own not-found text", function()
      local t = sim:task({template_id = 3, start = true})
      sim:advance(0.5)
      local sub, report, approve = t.node_ids["restart service"], t.node_ids.report, t.node_ids.approve
      refused(op_node(t.task_id, report, "retry"), NO_STATE)
      refused(op_node(t.task_id, approve, "retry"), NO_STATE)
      refused(op_node(t.task_id, report, "skip"), NO_STATE)
      refused(op_node(t.task_id, report, "forced_fail"), NO_STATE)
      refused(op_node(t.task_id, sub, "retry_subprocess"), NO_STATE)
      refused(op_node(t.task_id, sub, "resume_subproc"), NO_STATE)
      -- pause_pipeline checks has_state first (engine.py 150-151)
      refused(op_node(t.task_id, sub, "pause_subproc"),
        "bamboo_engine.exceptions.NotFoundError: node(" .. sub .. ") does not exist")
      -- the type checks still come first
      refused(op_node(t.task_id, report, "retry_subprocess"), INVALID .. "node(" .. report .. ") type is not SubProcess")
      refused(op_node(t.task_id, sub, "forced_fail"), INVALID .. sub .. " is not activity, actual: SubProcess")
      local g = sim:task({template_id = 4, start = true})
      sim:advance(0.5)
      local gid = g.node_ids["choose route"]
      refused(op_node(g.task_id, gid, "skip_exg", {flow_id = first_flow(g, gid)}), NO_STATE)
      refused(op_node(g.task_id, gid, "skip_exg", {flow_id = "lnope"}), "KeyError: 'lnope'")
    end)

    it("a callback to a node with no state: operate_node's nodes_action text, node_callback's not-found middleware", function()
      -- (callback_v2 reads the state's version outside the engine API when none is given)
      local t = sim:task({template_id = 3, start = true})
      sim:advance(0.5)
      local approve = t.node_ids.approve
      local body = op_node(t.task_id, approve, "callback", {data = {ok = true}})
      assert.same({result = false, code = 3599999, trace_id = body.trace_id,
        message = "节点操作失败: 节点[ID: " .. approve .. "], 任务[ID: " .. t.task_id
          .. "]操作失败: State matching query does not exist., 请重试. 如持续失败可联系管理员处理 | nodes_action"}, body)
      local _, b = sim:post(gw("node_callback", t.task_id, 2), {node_id = approve, callback_data = {}})
      assert.same({result = false, data = h.null, code = 3540400,
        message = "数据不存在错误: 数据不存在错误, 错误内容 State matching query does not exist. | process_exception"}, b)
      _, b = sim:post(gw("node_callback", t.task_id, 2), {node_id = approve, callback_data = {}, version = ""})
      assert.equal(3540400, b.code)
      -- with a version the engine looks for the sleeping process first
      _, b = sim:post(gw("node_callback", t.task_id, 2), {node_id = approve, callback_data = {}, version = "v1"})
      refused(b, INVALID .. "can not find sleep process with current node id: " .. approve)
    end)

    it("pause on a node not reached writes a pause marker: out of the status tree, the task RUNNING, until reached", function()
      local t = sim:task({template_id = 200, start = true})
      sim:advance(1)
      local short, long = t.node_ids.short, t.node_ids.long
      ok(op_node(t.task_id, short, "pause"))
      local d = status(t.task_id)
      assert.equal("RUNNING", d.state)
      assert.is_nil(d.children[short])
      local _, many = sim:post(gw("get_tasks_status", 2), {task_id_list = {t.task_id}})
      assert.equal("RUNNING", many.data[1].status.state)
      -- the marker is a state to the engine's own checks
      refused(op_node(t.task_id, short, "pause"), transit(short, "SUSPENDED", "SUSPENDED"))
      refused(op_node(t.task_id, short, "retry"), INVALID .. short .. " state is not FAILED, actual SUSPENDED")
      refused(op_node(t.task_id, short, "forced_fail"), INVALID .. short .. " state is not RUNNING, actual: SUSPENDED")
      refused(op_node(t.task_id, short, "skip"), INVALID .. short .. " state is not FAILED, actual SUSPENDED")
      refused(op_node(t.task_id, short, "callback", {data = {}}),
        INVALID .. "can not find sleep process with current node id: " .. short)
      -- reached: the marker gets its root and parent, the process is suspended by it
      sim:advance(100)
      d = status(t.task_id)
      assert.equal("FINISHED", d.children[long].state)
      assert.equal("SUSPENDED", d.children[short].state)
      assert.equal(h.null, d.children[short].start_time)
      assert.equal("NODE_SUSPENDED", d.state)
      sim:advance(100)
      assert.equal("NODE_SUSPENDED", status(t.task_id).state)
      ok(op_node(t.task_id, short, "resume"))
      assert.equal("READY", status(t.task_id).children[short].state)
      sim:advance(5)
      assert.equal("FINISHED", status(t.task_id).state)
    end)

    it("resume on a node not reached writes a READY state and succeeds; the node runs as usual", function()
      local t = sim:task({template_id = 200, start = true})
      sim:advance(1)
      local short = t.node_ids.short
      ok(op_node(t.task_id, short, "resume"))
      local d = status(t.task_id)
      assert.equal("RUNNING", d.state)
      assert.is_nil(d.children[short])
      refused(op_node(t.task_id, short, "resume"), transit(short, "READY", "READY"))
      refused(op_node(t.task_id, short, "retry"), INVALID .. short .. " state is not FAILED, actual READY")
      -- READY -> SUSPENDED -> READY: still a marker, then a node like any other
      ok(op_node(t.task_id, short, "pause"))
      ok(op_node(t.task_id, short, "resume"))
      sim:advance(99.5)
      assert.equal("RUNNING", status(t.task_id).children[short].state)
      sim:advance(5)
      d = status(t.task_id)
      assert.equal("FINISHED", d.state)
      assert.equal("FINISHED", d.children[short].state)
      assert.equal(0, d.children[short].retry)
    end)

    it("pause_subproc and resume_subproc: READY -> SUSPENDED and SUSPENDED -> RUNNING, on any node with a state", function()
      -- (pause_pipeline and resume_pipeline check no node type; states.py)
      local t = sim:task({template_id = 2, start = true})
      sim:advance(5)
      local deploy = t.node_ids.deploy
      ok(op_node(t.task_id, deploy, "retry"))
      assert.equal("READY", status(t.task_id).children[deploy].state)
      ok(op_node(t.task_id, deploy, "pause_subproc"))
      local d = status(t.task_id)
      assert.equal("SUSPENDED", d.children[deploy].state)
      assert.equal("NODE_SUSPENDED", d.state)
      sim:advance(10)
      assert.equal("SUSPENDED", status(t.task_id).children[deploy].state)
      refused(op_node(t.task_id, deploy, "pause_subproc"), transit(deploy, "SUSPENDED", "SUSPENDED"))
      ok(op_node(t.task_id, deploy, "resume_subproc"))
      -- RUNNING without having started: the process finds it RUNNING and sleeps
      sim:advance(60)
      d = status(t.task_id)
      assert.equal("RUNNING", d.children[deploy].state)
      assert.equal(h.null, d.children[deploy].start_time)
      assert.equal("RUNNING", d.state)
      refused(op_node(t.task_id, deploy, "resume_subproc"), INVALID .. "pipeline(" .. deploy .. ") state is: RUNNING")
      -- forced_fail gets it going again
      ok(op_node(t.task_id, deploy, "forced_fail"))
      ok(op_node(t.task_id, deploy, "retry"))
      sim:advance(10)
      assert.equal("FINISHED", status(t.task_id).state)
    end)

    it("resume_subproc on a node paused before it was reached: RUNNING, and the process stops there", function()
      local t = sim:task({template_id = 200, start = true})
      sim:advance(1)
      local short = t.node_ids.short
      ok(op_node(t.task_id, short, "pause"))
      ok(op_node(t.task_id, short, "resume_subproc"))
      refused(op_node(t.task_id, short, "forced_fail"),
        INVALID .. "can not find process with current node id: " .. short)
      sim:advance(200)
      local d = status(t.task_id)
      assert.equal("FINISHED", d.children[t.node_ids.long].state)
      assert.is_nil(d.children[short])
      assert.is_nil(d.children[t.node_ids.tail])
      assert.equal("RUNNING", d.state)
    end)
  end)

  describe("skip and retry refusals in the engine's order", function()
    it("skip checks can_skip before the node type: a subprocess, the end event, a converge gateway", function()
      local t = sim:task({template_id = 3, start = true})
      sim:advance(1.5)
      local sub = t.node_ids["restart service"]
      refused(op_node(t.task_id, sub, "skip"), INVALID .. "can not skip this node")
      refused(op_node(t.task_id, top(t, "EmptyEndEvent"), "skip"), INVALID .. "can not skip this node")
      local start = top(t, "EmptyStartEvent")
      refused(op_node(t.task_id, start, "skip"), INVALID .. start .. " state is not FAILED, actual FINISHED")
      local g = sim:task({template_id = 4, start = true})
      sim:advance(3)
      refused(op_node(g.task_id, top(g, "ConvergeGateway"), "skip"), INVALID .. "can not skip this node")
      refused(op_node(g.task_id, g.node_ids["choose route"], "skip"),
        INVALID .. "can not use skip_node api for NodeType.ExclusiveGateway")
      -- an error_ignorable activity is skippable whatever it says (format.py)
      local f = sim:task({template_id = 201, start = true})
      sim:advance(5)
      local ignored, fixed = f.node_ids.ignored, f.node_ids.unskippable
      refused(op_node(f.task_id, ignored, "skip"), INVALID .. ignored .. " state is not FAILED, actual FINISHED")
      refused(op_node(f.task_id, fixed, "skip"), INVALID .. "can not skip this node")
    end)

    it("retry of a FAILED exclusive gateway is refused by the runtime (a gateway has no data), not re-run", function()
      local g = sim:task({template_id = 4, start = true})
      sim:advance(3)
      local gid = g.node_ids["choose route"]
      local before = status(g.task_id).children[gid]
      assert.equal("FAILED", before.state)
      local body = op_node(g.task_id, gid, "retry")
      refused(body, NO_DATA)
      -- (get_data raises NotFoundError while handling the ORM's DoesNotExist)
      assert.truthy(body.message:find("pipeline.eri.models.Data.DoesNotExist: Data matching query does not exist.\n\n"
        .. "During handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n",
        1, true))
      sim:advance(10)
      local after = status(g.task_id).children[gid]
      assert.same({"FAILED", before.version, 0}, {after.state, after.version, after.retry})
      -- any node without data: the events, the converge gateway, whatever their state
      refused(op_node(g.task_id, top(g, "EmptyStartEvent"), "retry"), NO_DATA)
      refused(op_node(g.task_id, top(g, "ConvergeGateway"), "retry"), NO_DATA)
      refused(op_node(g.task_id, top(g, "EmptyEndEvent"), "retry"), NO_DATA)
      -- data comes before can_retry: a task not started
      local f = sim:task({template_id = 201})
      refused(op_node(f.task_id, f.node_ids.unskippable, "retry"), NO_DATA)
    end)

    it("skip_exg on a revoked task: the state, then no sleeping process", function()
      local g = sim:task({template_id = 4, start = true})
      sim:advance(3)
      local gid = g.node_ids["choose route"]
      local _, r = sim:post(gw("operate_task", g.task_id, 2), {action = "revoke"})
      ok(r)
      refused(op_node(g.task_id, gid, "skip_exg", {flow_id = first_flow(g, gid)}),
        INVALID .. "can not find sleep process with current node id: " .. gid)
      assert.equal("FAILED", status(g.task_id).children[gid].state)
    end)
  end)
end)
