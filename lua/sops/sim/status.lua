-- What the status endpoints report about a task (protocol §6): the legacy
-- formatted v2 status tree, the CREATED placeholder, node details.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local compiler = require "sops.sim.compile"

local M = {}

local CONTAINER = {SubProcess = true}

local function named(node)
  if node.type == "ServiceActivity" or node.type == "SubProcess" then return node.name end
  return ""
end

local function elapsed(st, now)
  if not st.start then return 0 end
  local stop = st.finish or now
  return math.floor(stop - st.start + 0.5)
end

-- The reported state of a container whose engine state is RUNNING.
local function rewrite(state, children_states)
  if state ~= "RUNNING" then return state end
  local suspended = false
  for _, s in ipairs(children_states) do
    if s == "FAILED" then return "FAILED" end
    if s == "SUSPENDED" or s == "NODE_SUSPENDED" then suspended = true end
  end
  return suspended and "NODE_SUSPENDED" or state
end

-- Engine v1 (the old pipeline engine, protocol §6.3): a BLOCKED container
-- shows RUNNING while a child runs, else FAILED, else NODE_SUSPENDED; the
-- root and the events and gateways are named by their Python class.
local function rewrite_v1(state, children_states)
  if state ~= "RUNNING" then return state end
  local failed, suspended = false, false
  for _, s in ipairs(children_states) do
    if s == "RUNNING" then return "RUNNING" end
    if s == "FAILED" then failed = true end
    if s == "SUSPENDED" or s == "NODE_SUSPENDED" then suspended = true end
  end
  return failed and "FAILED" or suspended and "NODE_SUSPENDED" or state
end

local V1_CLASS = {
  EmptyStartEvent = "pipeline.core.flow.event.EmptyStartEvent",
  EmptyEndEvent = "pipeline.core.flow.event.EmptyEndEvent",
  ExclusiveGateway = "pipeline.core.flow.gateway.ExclusiveGateway",
  ParallelGateway = "pipeline.core.flow.gateway.ParallelGateway",
  ConvergeGateway = "pipeline.core.flow.gateway.ConvergeGateway",
}

local function v1_name(node)
  if not node then return "<class 'pipeline.core.pipeline.Pipeline'>" end
  local class = V1_CLASS[node.type]
  return class and ("<class '" .. class .. "'>") or node.name
end

-- state_refresh_at: ISO 8601 in UTC with milliseconds
local function iso_z(t)
  return os.date("!%Y-%m-%dT%H:%M:%S", math.floor(t)) .. string.format(".%03dZ", math.floor(t % 1 * 1000))
end

-- The reported state of node `node` (the root when nil), without
-- formatting anything: a container's state depends on its children's.
local function reported_state(task, pdef, node)
  local id = node and node.id or pdef.id
  -- (only a RUNNING container's children count: rewrite and rewrite_v1
  -- give any other state as it is)
  if task.states[id].state ~= "RUNNING" then return task.states[id].state end
  local inner = node == nil and pdef or (node.type == "SubProcess" and node.sub or nil)
  local child_states = {}
  if inner then
    for _, n in ipairs(inner.nodes) do
      if task.states[n.id] then child_states[#child_states + 1] = reported_state(task, inner, n) end
    end
  end
  return (task.engine_ver == 1 and rewrite_v1 or rewrite)(task.states[id].state, child_states)
end

-- Formats node `node` (or the root pipeline when node is nil); shallow:
-- without its children (their states still count for its own).
local function format(task, pdef, node, now, shallow)
  local id = node and node.id or pdef.id
  local st = task.states[id]
  local children = json.obj()
  local child_states = {}
  local inner = node == nil and pdef or (node.type == "SubProcess" and node.sub or nil)
  if inner then
    for _, n in ipairs(inner.nodes) do
      if task.states[n.id] then
        if shallow then
          -- (for a RUNNING container only: any other state is reported as it is)
          if st.state == "RUNNING" then child_states[#child_states + 1] = reported_state(task, inner, n) end
        else
          local c = format(task, inner, n, now)
          children[n.id] = c
          child_states[#child_states + 1] = c.state
        end
      end
    end
  end
  if task.engine_ver == 1 then
    return json.obj(
      "id", id,
      "state", rewrite_v1(st.state, child_states),
      "name", v1_name(node),
      "retry", st.retry,
      "loop", st.loop,
      "skip", st.skip,
      "error_ignorable", st.error_ignored,
      "error_ignored", st.error_ignored,
      "version", node and st.version or "",
      "state_refresh_at", iso_z(st.finish or st.start or now),
      "elapsed_time", elapsed(st, now),
      "children", children,
      "start_time", util.format_time(st.start) or json.null,
      "finish_time", util.format_time(st.finish) or json.null)
  end
  return json.obj(
    "id", id,
    "state", rewrite(st.state, child_states),
    "root_id:", task.root.id,
    "parent_id", pdef.id,
    "version", st.version,
    "loop", st.loop,
    "retry", st.retry,
    "skip", st.skip,
    "error_ignorable", st.error_ignored,
    "error_ignored", st.error_ignored,
    "children", children,
    "elapsed_time", elapsed(st, now),
    "start_time", util.format_time(st.start) or json.null,
    "finish_time", util.format_time(st.finish) or json.null,
    "name", node and named(node) or task.name)
end

function M.created(name, with_children)
  return json.obj("start_time", json.null, "state", "CREATED", "retry", 0, "skip", 0,
    "finish_time", json.null, "elapsed_time", 0, "children", with_children ~= false and json.obj() or nil,
    "name", name)
end

-- TaskCommandDispatcher.CREATED_STATUS (dispatchers/task.py:70-78), a dict
-- of the class: the dispatchers hand it out as it is (a task not started, a
-- subprocess_id not reached) and the views change it in place. It is kept
-- as Python keeps it, keys in the order they were put in: `name` set by the
-- views (and left there), `children` popped by get_tasks_status and put back
-- at the end by _format_status_time's setdefault. object() writes it out.
local Created = {}
Created.__index = Created
local CREATED_VALUES = {start_time = json.null, state = "CREATED", retry = 0, skip = 0, finish_time = json.null,
  elapsed_time = 0}

function M.shared_created()
  return setmetatable({keys = {"start_time", "state", "retry", "skip", "finish_time", "elapsed_time", "children"}},
    Created)
end

function Created:has(key)
  for _, k in ipairs(self.keys) do
    if k == key then return true end
  end
  return false
end

function Created:set_name(name)
  if not self:has("name") then self.keys[#self.keys + 1] = "name" end
  self.name = name
end

function Created:pop_children()
  for i, k in ipairs(self.keys) do
    if k == "children" then table.remove(self.keys, i) return end
  end
end

function Created:setdefault_children()
  if not self:has("children") then self.keys[#self.keys + 1] = "children" end
end

function Created:object()
  local kv = {}
  for _, k in ipairs(self.keys) do
    kv[#kv + 1] = k
    if k == "name" then kv[#kv + 1] = self.name
    elseif k == "children" then kv[#kv + 1] = json.obj()
    else kv[#kv + 1] = CREATED_VALUES[k] end
  end
  return json.obj(table.unpack(kv))
end

-- add_node_name_to_status_tree (gcloud/taskflow3/utils.py:104-108) on the
-- children of a node's status: their names are looked up among the root
-- pipeline's activities, so below a subprocess_id they are all "".
local function unnamed(children)
  for _, child in pairs(children) do
    child.name = ""
    unnamed(child.children)
  end
end

-- Walks the formatted tree and returns failed leaves: list of {id, node}.
local function failed_leaves(tree, task, out)
  for id, child in pairs(tree.children or {}) do
    if child.state == "FAILED" then
      local node = task.compiled.nodes[id]
      if node and CONTAINER[node.type] then
        failed_leaves(child, task, out)
      else
        out[#out + 1] = id
      end
    end
  end
  table.sort(out)
  return out
end
M.failed_leaves = failed_leaves

-- extract_nodes_by_statuses(tree, [FAILED]) (gcloud/taskflow3/utils.py):
-- every FAILED node, containers included, each before what it holds; only
-- FAILED nodes are walked into. Children in the order the tree is written.
local function failed_nodes(tree, out)
  local ids = {}
  for id in pairs(tree.children or {}) do ids[#ids + 1] = id end
  table.sort(ids)
  for _, id in ipairs(ids) do
    local child = tree.children[id]
    if child.state == "FAILED" then
      out[#out + 1] = id
      failed_nodes(child, out)
    end
  end
  return out
end

-- fetch_node_id__auto_retry_info_map (gcloud/taskflow3/utils.py) for one
-- node: its strategy as the API writes it, or nil. Strategies are filed
-- under the root pipeline's id, and the callers look them up under another
-- id at times (a subprocess's, the node's parent's): pipeline_id is that id.
local function auto_retry_info(task, pipeline_id, node_id)
  local s = task.strategies[node_id]
  if not s or pipeline_id ~= task.root.id then return nil end
  return json.obj("node_id", node_id, "auto_retry_times", s.retry_times, "max_auto_retry_times", s.max_retry_times)
end

-- get_failed_nodes_info and what get_task_status.py makes of it: the
-- failed_node_info object (every FAILED node, with its strategy when it
-- has one) and the auto_retry_status object (the failed nodes whose
-- strategy has retries left).
local function failed_info(task, data)
  local info, waiting = {}, json.array()
  for _, id in ipairs(failed_nodes(data, {})) do
    local entry = auto_retry_info(task, data.id, id)
    info[#info + 1] = id
    info[#info + 1] = entry or json.obj()
    if entry and entry.auto_retry_times < entry.max_auto_retry_times then waiting[#waiting + 1] = id end
  end
  return json.obj(table.unpack(info)),
    json.obj("exist_auto_retry_nodes", #waiting > 0, "auto_retry_nodes", waiting)
end

-- The get_task_status tree. opts: subprocess_id, with_ex_data,
-- with_failed_node_info, with_auto_retry_status, shallow (the root without
-- its children, for get_tasks_status). Returns data or nil, message.
-- opts.created: the shared CREATED_STATUS (shared_created) the answer for a
-- task not started is, when the caller keeps one.
function M.tree(task, now, opts)
  opts = opts or {}
  local data, created
  if task.expired then
    -- (get_task_status_v*: {"state": "EXPIRED"}, the name added after)
    data = json.obj("state", "EXPIRED", "name", task.name)
  elseif not task.is_started then
    created = true
  elseif opts.subprocess_id then
    -- (dispatchers/task.py:601-614 get_subprocess_status: any node of the
    -- tree, an activity's too; one not reached is CREATED_STATUS, which
    -- engine v2 then formats: _format_status_time puts `children` back)
    local node = task.compiled.nodes[opts.subprocess_id]
    if node and task.states[node.id] then
      data = format(task, node.pipeline, node, now)
      if task.engine_ver ~= 1 then unnamed(data.children) end
      data.name = task.name
    else
      created = true
      if task.engine_ver ~= 1 and opts.created then opts.created:setdefault_children() end
    end
  else
    data = format(task, task.root, nil, now, opts.shallow)
  end
  if created then
    if opts.with_failed_node_info or opts.with_auto_retry_status then
      return nil, string.format("task[id=%d] extract failed node info error: 'id'", task.id)
    end
    if not opts.created then return M.created(task.name) end
    opts.created:set_name(task.name)
    return opts.created:object()
  end
  if opts.with_ex_data and data.state == "FAILED" and data.id then
    local ex = json.obj()
    for _, id in ipairs(failed_leaves(data, task, {})) do
      ex[id] = task.states[id].ex_data
    end
    data.ex_data = ex
  end
  -- (get_task_status.py: either flag reads the root's id first, which a
  -- task not started has not)
  if (opts.with_failed_node_info or opts.with_auto_retry_status) and not data.id then
    return nil, string.format("task[id=%d] extract failed node info error: 'id'", task.id)
  end
  if opts.with_failed_node_info or opts.with_auto_retry_status then
    local info, retry_status = failed_info(task, data)
    if opts.with_failed_node_info then data.failed_node_info = info end
    if opts.with_auto_retry_status then data.auto_retry_status = retry_status end
  end
  return data
end

-- The reported state of one node (used by retry_subprocess).
function M.node_state(task, node, now)
  if not task.states[node.id] then return nil end
  return format(task, node.pipeline, node, now).state
end

local function outputs_list(outputs)
  local list = json.array()
  local keys = {}
  for k in pairs(outputs or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    list[#list + 1] = json.obj("name", k, "key", k, "value", outputs[k], "preset", true)
  end
  return list
end

-- One state as bamboo's get_children_states writes it (bamboo_engine
-- api.py:389-430) and format_pipeline_status then leaves it
-- (gcloud/taskflow3/utils.py:31-68): the engine's own state (no container
-- rewritten from its children's), no name, `parent_id` as given.
local function engine_state(task, st, parent_id, children, now)
  return json.obj(
    "id", st.id,
    "state", st.state,
    "root_id:", task.root.id,
    "parent_id", parent_id,
    "version", st.version,
    "loop", st.loop,
    "retry", st.retry,
    "skip", st.skip,
    "error_ignorable", st.error_ignored,
    "error_ignored", st.error_ignored,
    "children", children,
    "elapsed_time", elapsed(st, now),
    "start_time", util.format_time(st.start) or json.null,
    "finish_time", util.format_time(st.finish) or json.null)
end

-- A history's outputs as bamboo keeps them (get_node_histories,
-- api.py:498-526): the attempt's execution outputs, an object, its ex_data
-- among them.
local function history_outputs(h)
  local kv, keys = {}, {}
  for k in pairs(h.outputs or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    kv[#kv + 1] = k
    kv[#kv + 1] = h.outputs[k]
  end
  if type(h.ex_data) == "string" and h.ex_data ~= "" and h.outputs["ex_data"] == nil then
    kv[#kv + 1] = "ex_data"
    kv[#kv + 1] = h.ex_data
  end
  return json.obj(table.unpack(kv))
end

-- get_task_node_detail data for a node of the task.
function M.node_detail(task, node, now)
  local st = task.states[node.id]
  local inputs = st and st.inputs
  if inputs == nil and node.step and node.step.inputs then
    inputs = compiler.render(node.step.inputs, task.compiled.constants)
  end
  if not st then
    return json.obj("name", named(node), "error_ignorable", node.step and node.step.error_ignorable == true or false,
      "state", "READY", "inputs", inputs or json.obj(), "outputs", json.array(), "ex_data", "")
  end
  local d
  if task.engine_ver == 1 then
    d = format(task, node.pipeline, node, now)
    d.children = json.obj()
  else
    -- (get_node_detail_v2, dispatchers/node.py:747-821: get_children_states
    -- of the node: its `parent_id` the root's, whatever its depth; a
    -- SubProcess's children its own nodes that have a state, one level, each
    -- with its real parent; no name once it has run)
    local children = json.obj()
    for _, n in ipairs(node.sub and node.sub.nodes or {}) do
      local cst = task.states[n.id]
      if cst then children[n.id] = engine_state(task, cst, node.id, json.obj(), now) end
    end
    d = engine_state(task, st, task.root.id, children, now)
  end
  local histories = json.array()
  for _, h in ipairs(st.histories) do
    histories[#histories + 1] = json.obj("id", h.history_id, "node_id", node.id,
      "start_time", util.format_time(h.start) or json.null, "finish_time", util.format_time(h.finish) or json.null,
      "elapsed_time", h.start and h.finish and math.floor(h.finish - h.start + 0.5) or 0,
      "retry", h.retry, "loop", h.loop, "skip", h.skip, "version", h.version,
      "inputs", h.inputs or json.obj(),
      "outputs", task.engine_ver == 1 and outputs_list(h.outputs) or history_outputs(h), "ex_data", h.ex_data,
      "state", "FAILED", "history_id", h.history_id, "children", json.obj())
  end
  d.histories = histories
  d.history_id = -1
  d.inputs = inputs or json.obj()
  d.outputs = outputs_list(st.outputs)
  d.ex_data = st.ex_data
  -- (models.py:1008-1016 get_node_detail looks the strategy up under the
  -- detail's parent_id: the root's on engine v2, where the strategies are)
  d.auto_retry_info = auto_retry_info(task, d.parent_id or node.pipeline.id, node.id) or json.obj()
  return d
end

return M
