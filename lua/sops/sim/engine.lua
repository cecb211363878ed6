-- The pipeline engine: tasks, node states and the bamboo-engine v2 state
-- machine (protocol §5). Time is simulated; a task is brought up to date
-- lazily (advance) before anything reads or changes it.
--
-- Node states hold engine states. What the API reports (FAILED for a running
-- container with a failed child, NODE_SUSPENDED, ...) is worked out by
-- sops.sim.status.
local util = require "sops.sim.util"
local json = require "sops.sim.json"
local compiler = require "sops.sim.compile"

local M = {}

local Engine = {}
Engine.__index = Engine

-- An engine refusal: the API turns it into "fail: " .. traceback.
local function refuse(exc, text, fn)
  return nil, {engine = true, exc = exc, text = text, fn = fn}
end
local INVALID = "bamboo_engine.exceptions.InvalidOperationError"
local NOT_FOUND = "bamboo_engine.exceptions.NotFoundError"

local function not_transit(id, from, to, fn)
  return refuse("RuntimeError", string.format("can't not transit node(%s) state from %s to %s", id, from, to), fn)
end

function M.new(opts)
  local self = setmetatable({
    clock = opts.clock,
    templates = {}, template_order = {},
    projects = opts.projects,
    tasks = {}, next_task_id = opts.first_task_id or 1,
    calling_back = {}, -- the tasks with a callback_url that have not ended
  }, Engine)
  for _, t in ipairs(opts.templates or {}) do self:add_template(t) end
  return self
end

function Engine:now()
  return self.clock:now()
end

function Engine:add_template(t)
  compiler.check(t)
  if not self.templates[t.id] then
    self.template_order[#self.template_order + 1] = t.id
  end
  t.create_time = t.create_time or self:now()
  self.templates[t.id] = t
  return t
end

function Engine:template_list()
  local out = {}
  for _, id in ipairs(self.template_order) do out[#out + 1] = self.templates[id] end
  return out
end

-- fields: name, creator, constants, flow_type, description, callback_url,
-- id_seed (node and flow ids made from it: see compile)
function Engine:create_task(project, tpl, fields)
  local id = self.next_task_id
  self.next_task_id = id + 1
  local compiled = compiler.compile(tpl, fields.constants, nil, fields.id_seed)
  local task = {
    id = id, name = fields.name or tpl.name, project = project, template = tpl,
    compiled = compiled, root = compiled.root, states = {}, procs = {}, attempts = {},
    flow_type = fields.flow_type or "common",
    current_flow = fields.flow_type == "common_func" and "func_claim" or "execute_task",
    is_started = false, create_time = self:now(), creator = fields.creator or "admin",
    executor = "", description = fields.description or "", create_method = fields.create_method or "api",
    callback_url = fields.callback_url, callback_version = fields.callback_version, deleted = false,
    -- the engine it runs on: 2 (bamboo), or 1 (the old pipeline engine) for
    -- a template that says so; only the status answers differ (protocol §6.3)
    engine_ver = tpl.engine_ver == 1 and 1 or 2,
    -- automatic-retry strategies by node id (AutoRetryNodeStrategy, made
    -- with the task), and the retries dispatched and not yet run
    strategies = {}, auto_retries = {},
  }
  for node_id, node in pairs(compiled.nodes) do
    local strategy = node.type == "ServiceActivity" and compiler.auto_retry(node.step)
    if strategy then
      strategy.retry_times = 0
      task.strategies[node_id] = strategy
    end
  end
  self.tasks[id] = task
  if task.callback_url then self.calling_back[task] = true end
  return task
end

function Engine:find_task(id)
  return self.tasks[id]
end

-- Queues a start (start_task and operate_task start): the worker picks it up
-- at the next tick, i.e. once simulated time has moved past this moment.
function Engine:queue_start(task)
  self:advance(task)
  if not task.start_queued then task.start_queued = self:now() end
end

local function new_state(node, t, state)
  return {
    id = node.id, state = state or "RUNNING", version = util.version(), loop = 1, retry = 0,
    skip = false, error_ignored = false, start = t, finish = nil,
    ex_data = "", inputs = nil, outputs = {}, histories = {},
  }
end

-- Whether a step's fail.when holds for the node's inputs: each input it
-- names has the value it gives (no when: always).
local function fails_with(when, inputs)
  if when == nil then return true end
  for k, v in pairs(when) do
    if type(inputs) ~= "table" or inputs[k] ~= v then return false end
  end
  return true
end

function Engine:begin(task, node, t)
  local st = new_state(node, t)
  if node.step and node.step.inputs then
    st.inputs = compiler.render(node.step.inputs, task.compiled.constants)
  end
  task.states[node.id] = st
  return st
end

local function finish(st, state, t)
  st.state = state
  st.finish = t
  st.waiting = false
end

-- A task's end as bk-sops signals it (gcloud/taskflow3/signals/handlers.py):
-- finished (true), or a node failed or the task was revoked (false); the
-- simulator sends the task's completion callback from it.
function Engine:ended(task, success)
  if self.on_end then self.on_end(task, success) end
end

-- A node fails at time t: post_set_state FAILED, which sends the task's
-- callback with task_success false, every time, unless it dispatches an
-- automatic retry instead (handlers.py _dispatch_auto_retry_node_task:
-- then no fail message and no callback; the retry comes `interval` later).
function Engine:fail_node(task, st, t)
  finish(st, "FAILED", t)
  local strategy = task.strategies[st.id]
  if strategy and strategy.retry_times + 1 <= strategy.max_retry_times then
    -- (the celery task carries the retry_times it was dispatched with)
    task.auto_retries[#task.auto_retries + 1] = {node_id = st.id, at = t + strategy.interval,
      retry_times = strategy.retry_times}
    return
  end
  self:ended(task, false)
end

-- Runs the earliest automatic retry due by `now`, if any; true when one
-- ran. As celery/tasks.py auto_retry_node: a retry by operator "system"
-- (refused, it changes nothing: a node retried by hand meanwhile, a task
-- revoked), then the strategy's retry_times set one past the dispatched one.
function Engine:auto_retry(task, now)
  local first
  for i, r in ipairs(task.auto_retries) do
    if r.at <= now and (not first or r.at < task.auto_retries[first].at) then first = i end
  end
  if not first then return false end
  local r = table.remove(task.auto_retries, first)
  self:retry_node(task, task.compiled.nodes[r.node_id], nil, r.at)
  task.strategies[r.node_id].retry_times = r.retry_times + 1
  return true
end

local function next_node(node, st)
  if node.type == "ExclusiveGateway" then return st.flow.target end
  return node.next_flow.target
end

-- Runs a RUNNING (or paused SubProcess) node as far as `now`; true once it
-- has reached FINISHED or FAILED.
function Engine:execute(task, node, st, now)
  local kind = node.type
  if kind == "EmptyStartEvent" or kind == "EmptyEndEvent" or kind == "ConvergeGateway" then
    finish(st, "FINISHED", st.start)
    return true
  elseif kind == "ExclusiveGateway" then
    local take = node.step.gateway.take
    if take then
      st.flow = node.flows[take]
      finish(st, "FINISHED", st.start)
    else
      st.ex_data = "exclusive gateway(" .. node.id .. ") all conditions of branches are not meet"
      self:fail_node(task, st, st.start)
    end
    return true
  elseif kind == "SubProcess" then
    if not task.procs[node.id] then
      task.procs[node.id] = {node = node.sub.start, t = st.start}
    end
    local ft = self:run(task, node.sub, now)
    if ft and st.state == "RUNNING" then
      finish(st, "FINISHED", ft)
      return true
    end
    return false
  end
  -- ServiceActivity
  if st.stuck then return false end
  local step = node.step
  -- (held: the time the task's process was dead while this node ran)
  local due = st.start + (step.duration or 1) + (st.held or 0)
  if now < due then return false end
  if step.callback then
    st.waiting = true
    local timeout = type(step.callback) == "table" and step.callback.timeout
    if timeout and now >= due + timeout then
      st.expired = true
      st.ex_data = "callback timeout: no callback received in " .. timeout .. " seconds"
      self:fail_node(task, st, due + timeout)
      return true
    end
    return false
  end
  -- attempts are counted per node for the task's life, so a rerun
  -- subprocess does not fail its "first N attempts" nodes again
  local attempts = (task.attempts[node.id] or 0) + 1
  task.attempts[node.id] = attempts
  local fail = step.fail
  if fail then
    local spec = type(fail) == "table" and fail or {}
    if (spec.times == nil or attempts <= spec.times) and fails_with(spec.when, st.inputs) then
      st.ex_data = spec.ex_data or ("plugin " .. (step.component or "sleep_timer") .. " execute failed")
      if step.error_ignorable then
        st.error_ignored = true
        finish(st, "FINISHED", due)
      else
        self:fail_node(task, st, due)
      end
      return true
    end
  end
  st.outputs = step.outputs and compiler.render(step.outputs, task.compiled.constants) or {}
  finish(st, "FINISHED", due)
  return true
end

-- Runs one (sub)pipeline as far as `now`. Returns its finish time once its
-- end event is reached.
function Engine:run(task, pdef, now)
  local pst = task.states[pdef.id]
  local proc = task.procs[pdef.id]
  while true do
    if pst.state == "REVOKED" then return nil end
    local node = proc.node
    local st = task.states[node.id]
    if not st then
      if pst.state ~= "RUNNING" then return nil end
      local mark = task.marks and task.marks[node.id]
      -- a marker RUNNING cannot go to RUNNING: the process sleeps here
      if mark and mark.state == "RUNNING" then return nil end
      if mark and mark.state == "SUSPENDED" then
        -- its root and parent are set now, and it suspends the process
        task.marks[node.id], mark.mark = nil, nil
        task.states[node.id] = mark
        return nil
      end
      st = self:begin(task, node, proc.t)
      if mark then -- READY: it runs, keeping its version
        task.marks[node.id] = nil
        st.version = mark.version
      end
    end
    if st.state == "READY" then
      if pst.state ~= "RUNNING" or now <= st.ready_at then return nil end
      st.state = "RUNNING"
      st.start = math.max(st.ready_at, proc.t)
      st.version = util.version()
      st.held = nil
    end
    if st.state == "RUNNING" or (st.state == "SUSPENDED" and node.type == "SubProcess") then
      if not self:execute(task, node, st, now) then return nil end
    end
    if st.state ~= "FINISHED" then return nil end
    if node == pdef.finish then return st.finish end
    proc.node = next_node(node, st)
    proc.t = math.max(proc.t, st.finish)
  end
end

-- Brings a task up to the current simulated time: runs it, and each
-- automatic retry that came due, in time order, until it can go no further.
-- A stalled task (its engine process dead) never moves.
function Engine:advance(task)
  if task.stalled then return end
  local now = self:now()
  if not task.is_started then
    if not task.start_queued or now <= task.start_queued then return end
    local t = task.start_queued
    task.start_queued = nil
    -- an unclaimed functionalization task fails in the worker, silently
    if task.current_flow ~= "execute_task" then return end
    task.is_started = true
    task.start_time = t
    task.executor = task.starter or task.creator -- (the user whose start it was)
    task.states[task.root.id] = new_state(task.root, t)
    task.procs[task.root.id] = {node = task.root.start, t = t}
  end
  local rst = task.states[task.root.id]
  if task.expired then return end
  repeat
    if rst.state ~= "FINISHED" and rst.state ~= "REVOKED" then
      local ft = self:run(task, task.root, now)
      if ft and rst.state == "RUNNING" then
        finish(rst, "FINISHED", ft)
        task.current_flow = "finished"
        task.finish_time = ft
        self:ended(task, true)
      end
    end
  until not self:auto_retry(task, now)
end

-- The task's engine process dies (bk-sops issues #978, #4929): from now on
-- nothing of it runs; what writes states directly (revoke) still works.
function Engine:stall(task)
  self:advance(task)
  task.stalled = task.stalled or self:now()
end

-- The process comes back: what was left of the task goes on from now, as
-- though the time it was dead had not passed for it.
function Engine:revive(task)
  local since = task.stalled
  if not since then return end
  task.stalled = nil
  local now = self:now()
  local lost = now - since
  for _, st in pairs(task.states) do
    if st.state == "RUNNING" and st.start then st.held = (st.held or 0) + lost end
    if st.state == "READY" and st.ready_at then st.ready_at = math.max(st.ready_at, now) end
  end
  for _, proc in pairs(task.procs) do proc.t = math.max(proc.t, now) end
  for _, r in ipairs(task.auto_retries) do r.at = math.max(r.at, now) end
  if task.start_queued then task.start_queued = math.max(task.start_queued, now) end
  self:advance(task)
end

-- The task's outputs as get_task_detail and a v2 callback give them
-- (gcloud/taskflow3/models.py get_task_detail: [{key, value, name}]): the
-- template's output constants with their values once the task has
-- FINISHED (a pipeline's outputs are written at its end event), else none.
function Engine:outputs(task)
  local list = json.array()
  local rst = task.states[task.root.id]
  if not (rst and rst.state == "FINISHED") then return list end
  local tree_constants = task.compiled.tree.constants
  for _, key in ipairs(task.compiled.outputs) do
    list[#list + 1] = json.obj("key", key, "value", task.compiled.constants[key], "name", tree_constants[key].name)
  end
  return list
end

function Engine:advance_all()
  for _, task in pairs(self.tasks) do self:advance(task) end
end

---------------------------------------------------------------------------
-- Task actions (§5.2). The caller has checked current_flow, the command and
-- is_started; these are the engine's own checks.

function Engine:pause_task(task)
  self:advance(task)
  local rst = task.states[task.root.id]
  if rst.state ~= "RUNNING" then
    return not_transit(task.root.id, rst.state, "SUSPENDED", "pause_pipeline")
  end
  rst.state = "SUSPENDED"
  return true
end

function Engine:resume_task(task)
  self:advance(task)
  local rst = task.states[task.root.id]
  if rst.state ~= "SUSPENDED" then
    return refuse(INVALID, string.format("pipeline(%s) state is: %s", task.root.id, rst.state), "resume_pipeline")
  end
  rst.state = "RUNNING"
  local proc = task.procs[task.root.id]
  proc.t = math.max(proc.t, self:now())
  self:advance(task)
  return true
end

function Engine:revoke_task(task)
  self:advance(task)
  local rst = task.states[task.root.id]
  if rst.state ~= "RUNNING" and rst.state ~= "SUSPENDED" then
    return not_transit(task.root.id, rst.state, "REVOKED", "revoke_pipeline")
  end
  -- (engine.py revoke_pipeline: the state, without an archive time, so the
  -- root's finish_time stays null and its elapsed time goes on; the task's
  -- own finish time is set)
  local now = self:now()
  rst.state, rst.waiting = "REVOKED", false
  task.current_flow = "finished"
  task.finish_time = now
  self:ended(task, false)
  return true
end

---------------------------------------------------------------------------
-- Node actions (§5.4). Each returns true, or nil and an engine refusal.

local function type_name(node)
  return "NodeType." .. node.type
end

local function state_of(task, node)
  return task.states[node.id]
end

-- The engine's State row of a node: its state, or the marker that a pause
-- or resume wrote before the engine reached it (set_state creates a State
-- with no root_id or parent_id: get_state finds it, the status tree, read
-- by root_id, does not; eri/imp/state.py 299-331). nil: none yet.
local function engine_state(task, node)
  return task.states[node.id] or (task.marks and task.marks[node.id])
end

-- Writes (or moves) a node's marker to `state`.
local function set_mark(task, node, state)
  task.marks = task.marks or {}
  local m = task.marks[node.id]
  if not m then
    m = new_state(node, nil, state)
    m.mark = true
    task.marks[node.id] = m
  end
  m.state = state
  return m
end

-- What the runtime raises where a row is missing, with the frames that
-- lead there (cd9f7b80; lines of the engine's calls below).
local SITE = {
  manager = {"django/db/models/manager.py", 87, "manager_method",
    "return getattr(self.get_queryset(), name)(*args, **kwargs)"},
  get = {"django/db/models/query.py", 637, "get", "raise self.model.DoesNotExist("},
  -- (the runtime's readers are wrapped by metrics.setup_histogram)
  metrics = {"bamboo_engine/metrics.py", 81, "_wrapper", "return func(*args, **kwargs)"},
}
local CALLS = {
  retry_node = {node = 285, state = 297}, skip_node = {node = 428, state = 442},
  skip_exclusive_gateway = {node = 499, state = 506}, forced_fail_activity = {node = 600, state = 605},
  pause_node_appoint = {node = 212}, resume_node_appoint = {node = 251},
  retry_subprocess = {node = 382, state = 387}, resume_pipeline = {state = 182},
}

-- Engine nodes (pipeline.eri Node rows) are written when the pipeline
-- starts (runtime.prepare_run_pipeline): on a task not started (or whose
-- start is queued) runtime.get_node finds none.
local function no_node(fn)
  return nil, {engine = true, fn = fn, exc = "pipeline.eri.models.Node.DoesNotExist",
    text = "Node matching query does not exist.", frames = {
      {"bamboo_engine/engine.py", CALLS[fn].node, fn, "node = self.runtime.get_node(node_id)"}, SITE.metrics,
      {"pipeline/eri/imp/node.py", 133, "get_node", "node = DBNode.objects.get(node_id=node_id)"},
      SITE.manager, SITE.get}}
end

-- runtime.get_state of a node the engine has not reached (no State row).
local function no_state(fn)
  local arg = fn == "resume_pipeline" and "pipeline_id" or "node_id"
  return nil, {engine = true, fn = fn, exc = "pipeline.eri.models.State.DoesNotExist",
    text = "State matching query does not exist.", frames = {
      {"bamboo_engine/engine.py", CALLS[fn].state, fn, "state = self.runtime.get_state(" .. arg .. ")"}, SITE.metrics,
      {"pipeline/eri/imp/state.py", 37, "get_state", "state = DBState.objects.get(node_id=node_id)"},
      SITE.manager, SITE.get}}
end

-- bamboo_engine.api.get_data of a node without a Data row: a bare
-- NotFoundError, raised while handling the ORM's miss (eri/imp/data.py
-- 41-44). Data rows are written at the start for activities and
-- subprocesses only (runtime.py 335-368; the start event's only for
-- pre-render keys, which the simulator's templates never have).
local function no_data()
  return nil, {engine = true, fn = "get_data", exc = NOT_FOUND,
    context = {exc = "pipeline.eri.models.Data.DoesNotExist", text = "Data matching query does not exist.",
      frames = {{"pipeline/eri/imp/data.py", 42, "get_data", "data_model = DBData.objects.get(node_id=node_id)"},
        SITE.manager, SITE.get}},
    frames = {{"bamboo_engine/api.py", 491, "get_data", "data = runtime.get_data(node_id)"}, SITE.metrics,
      {"pipeline/eri/imp/data.py", 44, "get_data", "raise exceptions.NotFoundError"}}}
end

local function has_data(task, node)
  return task.is_started and (node.type == "ServiceActivity" or node.type == "SubProcess")
end

-- Node.can_skip as the runtime writes it (runtime.py _gen_*_node): an
-- activity's skippable (format.py makes an error_ignorable one skippable),
-- the start event and an exclusive gateway; no other node.
local function can_skip(node)
  if node.type == "ServiceActivity" then
    local fail = type(node.step.fail) == "table" and node.step.fail or {}
    return fail.skippable ~= false or node.step.error_ignorable == true
  end
  return node.type == "EmptyStartEvent" or node.type == "ExclusiveGateway"
end

local function push_history(st)
  st.histories[#st.histories + 1] = {
    start = st.start, finish = st.finish, retry = st.retry, loop = st.loop, skip = st.skip,
    version = st.version, inputs = st.inputs, outputs = st.outputs, ex_data = st.ex_data,
    history_id = #st.histories + 1,
  }
end

local function not_failed(node, st, fn)
  return refuse(INVALID, string.format("%s state is not FAILED, actual %s", node.id, st.state), fn)
end

local function revoked(task)
  return task.states[task.root.id] and task.states[task.root.id].state == "REVOKED"
end

local function no_sleeping_process(node, fn)
  return refuse(INVALID, "can not find sleep process with current node id: " .. node.id, fn)
end

-- at: when the retry happens (an automatic one runs late, when the task is
-- next brought up to date); now by default.
-- (dispatchers/node.py retry_v2 reads the node's data first, then
-- engine.py retry_node: can_retry, the state, FAILED, the process)
function Engine:retry_node(task, node, inputs, at)
  if not has_data(task, node) then return no_data() end
  local fail = node.step and type(node.step.fail) == "table" and node.step.fail or {}
  if fail.retryable == false then
    return refuse(INVALID, string.format("can not retry node(%s) with can_retry(False)", node.id), "retry_node")
  end
  local st = engine_state(task, node)
  if not st then return no_state("retry_node") end
  if st.state ~= "FAILED" then return not_failed(node, st, "retry_node") end
  if revoked(task) then return no_sleeping_process(node, "retry_node") end
  push_history(st)
  st.stuck = nil
  st.state = "READY"
  st.retry = st.retry + 1
  st.version = util.version()
  st.start, st.finish = nil, nil
  st.ex_data = ""
  st.error_ignored = false
  st.ready_at = at or self:now()
  if inputs and next(inputs) ~= nil then
    st.inputs = st.inputs or {}
    for k, v in pairs(inputs) do st.inputs[k] = v end
  end
  return true
end

-- A FAILED node skipped (skip_node, skip_exclusive_gateway): it is
-- FINISHED now, marked skipped, and the task goes on.
function Engine:finish_skipped(task, st)
  st.skip = true
  st.version = util.version()
  finish(st, "FINISHED", self:now())
  self:advance(task)
  return true
end

-- (engine.py skip_node: the node, can_skip, then the type, the state)
function Engine:skip_node(task, node)
  if not task.is_started then return no_node("skip_node") end
  if not can_skip(node) then return refuse(INVALID, "can not skip this node", "skip_node") end
  if node.type ~= "ServiceActivity" and node.type ~= "EmptyStartEvent" then
    return refuse(INVALID, "can not use skip_node api for " .. type_name(node), "skip_node")
  end
  local st = engine_state(task, node)
  if not st then return no_state("skip_node") end
  if st.state ~= "FAILED" then return not_failed(node, st, "skip_node") end
  if revoked(task) then return no_sleeping_process(node, "skip_node") end
  return self:finish_skipped(task, st)
end

-- (bamboo_engine/engine.py skip_exclusive_gateway: the node, the type, by
-- its bare name, then the flow, then the state and the process)
function Engine:skip_exg(task, node, flow_id)
  if not task.is_started then return no_node("skip_exclusive_gateway") end
  if node.type ~= "ExclusiveGateway" then
    return refuse(INVALID, string.format("%s is not exclusive gateway, actual: %s", node.id, node.type),
      "skip_exclusive_gateway")
  end
  local chosen
  for _, f in ipairs(node.flows) do
    if f.id == flow_id then chosen = f end
  end
  if not chosen then return refuse("KeyError", "'" .. tostring(flow_id) .. "'", "skip_exclusive_gateway") end
  local st = engine_state(task, node)
  if not st then return no_state("skip_exclusive_gateway") end
  if st.state ~= "FAILED" then return not_failed(node, st, "skip_exclusive_gateway") end
  if revoked(task) then return no_sleeping_process(node, "skip_exclusive_gateway") end
  st.flow = chosen
  return self:finish_skipped(task, st)
end

-- data: the callback payload. A payload with result/success false, or
-- status "failed", fails the node with its message as ex_data.
-- A node with no state and no version: callback_v2 reads the state's
-- version itself, outside the engine API, and the ORM's miss escapes it
-- (err.escaped: the exception's text, which the views answer each their
-- own way).
function Engine:callback(task, node, data, version)
  if version == json.null then version = nil end
  local st = engine_state(task, node)
  if not st and (version == nil or version == "") then
    return nil, {escaped = "State matching query does not exist."}
  end
  if not st or st.mark or st.state ~= "RUNNING" or not st.waiting or revoked(task) then
    if st and st.expired then return refuse(INVALID, "schedule is already expired", "callback") end
    return no_sleeping_process(node, "callback")
  end
  if version ~= nil and version ~= "" and version ~= st.version then
    return refuse(INVALID, "node version " .. tostring(version) .. " not exist", "callback")
  end
  local now = self:now()
  local failed = type(data) == "table" and (data.result == false or data.success == false or data.status == "failed")
  if failed then
    st.ex_data = type(data.message) == "string" and data.message or "callback reported a failure"
    self:fail_node(task, st, now)
  else
    st.outputs = {callback_data = data}
    finish(st, "FINISHED", now)
  end
  self:advance(task)
  return true
end

-- (engine.py forced_fail_activity: node.type.value, and "actual:" with a colon)
function Engine:forced_fail(task, node, username)
  if not task.is_started then return no_node("forced_fail_activity") end
  if node.type ~= "ServiceActivity" then
    return refuse(INVALID, string.format("%s is not activity, actual: %s", node.id, node.type), "forced_fail_activity")
  end
  local st = engine_state(task, node)
  if not st then return no_state("forced_fail_activity") end
  if st.state ~= "RUNNING" then
    return refuse(INVALID, string.format("%s state is not RUNNING, actual: %s", node.id, st.state),
      "forced_fail_activity")
  end
  if st.mark then
    -- (a marker resumed with resume_subproc: no process is at the node)
    return refuse(INVALID, "can not find process with current node id: " .. node.id, "forced_fail_activity")
  end
  st.ex_data = "The node has been terminated by " .. username .. "."
  self:fail_node(task, st, self:now())
  return true
end

-- pause_node_appoint's and resume_node_appoint's refusal of a SubProcess
-- (engine.py: both say pause_node_appoint); fn: the one refusing
local function appoint_refused(fn)
  return refuse(INVALID, "can not use pause_node_appoint api for NodeType.SubProcess", fn)
end

-- A node the engine has not reached gets a marker (engine.py 232: set_state
-- creates the State without root_id): out of the status tree until the
-- engine reaches the node, sets its root and parent and is suspended by it
-- (engine.py execute 946-963).
function Engine:pause_node(task, node)
  if not task.is_started then return no_node("pause_node_appoint") end
  if node.type == "SubProcess" then return appoint_refused("pause_node_appoint") end
  local st = state_of(task, node)
  if not st then
    local m = engine_state(task, node)
    if m and m.state ~= "READY" and m.state ~= "RUNNING" then
      return not_transit(node.id, m.state, "SUSPENDED", "pause_node_appoint")
    end
    set_mark(task, node, "SUSPENDED")
    return true
  end
  if st.state ~= "READY" and st.state ~= "RUNNING" then
    return not_transit(node.id, st.state, "SUSPENDED", "pause_node_appoint")
  end
  st.state = "SUSPENDED"
  st.waiting = false
  return true
end

-- (engine.py resume_node_appoint: a SubProcess is refused; otherwise the
-- node goes to READY if states.py allows it, and the processes it had
-- suspended run on. FAILED -> READY is allowed, but a failed node suspended
-- no process: it stays READY, never run again, until the task is revoked.)
-- A node the engine has not reached: set_state creates a READY marker
-- (or moves a SUSPENDED one to READY), and the node later runs as usual.
function Engine:resume_node(task, node)
  if not task.is_started then return no_node("resume_node_appoint") end
  if node.type == "SubProcess" then return appoint_refused("resume_node_appoint") end
  local st = state_of(task, node)
  if not st then
    local m = engine_state(task, node)
    if m and m.state ~= "SUSPENDED" then return not_transit(node.id, m.state, "READY", "resume_node_appoint") end
    set_mark(task, node, "READY")
    return true
  end
  if st.state == "FAILED" then
    st.state, st.ready_at, st.waiting = "READY", math.huge, false
    return true
  end
  if st.state ~= "SUSPENDED" then return not_transit(node.id, st.state, "READY", "resume_node_appoint") end
  st.state = "READY"
  st.ready_at = self:now()
  st.start, st.finish = nil, nil
  return true
end

-- (engine.py pause_pipeline and resume_pipeline: no node type is checked;
-- has_state, then READY or RUNNING -> SUSPENDED; resume: SUSPENDED ->
-- RUNNING)
function Engine:pause_subprocess(task, node)
  local st = engine_state(task, node)
  if not st then return refuse(NOT_FOUND, "node(" .. node.id .. ") does not exist", "pause_pipeline") end
  if st.state ~= "RUNNING" and st.state ~= "READY" then
    return not_transit(node.id, st.state, "SUSPENDED", "pause_pipeline")
  end
  st.state = "SUSPENDED"
  return true
end

-- A node other than a SubProcess that had not started (paused before it
-- ran, or READY) is RUNNING now without having run: the process that
-- reaches it finds it RUNNING, which cannot go to RUNNING, and sleeps
-- (engine.py execute 966-974): it stays so until forced_fail. A marker resumed so
-- stops the process once reached.
function Engine:resume_subprocess(task, node)
  local st = engine_state(task, node)
  if not st then return no_state("resume_pipeline") end
  if st.state ~= "SUSPENDED" then
    return refuse(INVALID, string.format("pipeline(%s) state is: %s", node.id, st.state), "resume_pipeline")
  end
  st.state = "RUNNING"
  if node.type ~= "SubProcess" and not st.mark and not st.start then st.stuck = true end
  local proc = task.procs[node.id]
  if proc then proc.t = math.max(proc.t, self:now()) end
  self:advance(task)
  return true
end

local function clear_pipeline(task, pdef)
  for _, n in ipairs(pdef.nodes) do
    if n.sub then clear_pipeline(task, n.sub) end
    task.states[n.id] = nil
  end
  task.procs[pdef.id] = nil
end

-- reported_state: the API state of the node (a SubProcess with a failed
-- child reports FAILED while its engine state stays RUNNING).
function Engine:retry_subprocess(task, node, reported_state)
  if not task.is_started then return no_node("retry_subprocess") end
  if node.type ~= "SubProcess" then
    return refuse(INVALID, string.format("node(%s) type is not SubProcess", node.id), "retry_subprocess")
  end
  local st = engine_state(task, node)
  if not st then return no_state("retry_subprocess") end
  if reported_state ~= "FAILED" then return not_failed(node, st, "retry_subprocess") end
  push_history(st)
  clear_pipeline(task, node.sub)
  local now = self:now()
  st.state = "RUNNING"
  st.retry = st.retry + 1
  st.version = util.version()
  st.start, st.finish = now, nil
  task.states[node.id] = st
  task.procs[node.id] = {node = node.sub.start, t = now}
  return true
end

return M
