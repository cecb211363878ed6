-- The task views of the simulator (gcloud/apigw/views/*.py of the same
-- names): creating and starting tasks, operating tasks and their nodes,
-- their status, details, lists and counts, manual intervention, constants,
-- functionalization tasks, operation records, effective time, logs, node
-- data, and the node callback entry.
--
-- M: api name -> view, handler(self, ctx, project) with self the Views
-- object (sops.sim.views.base) and project the one project_inject found.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local status = require "sops.sim.status"
local base = require "sops.sim.views.base"

local view_result, bare_result, fail, parse_body = base.view_result, base.bare_result, base.fail, base.parse_body
local validated_body, body_list = base.validated_body, base.body_list
local respond, engine_refusal, django_500, paginate = base.respond, base.engine_refusal, base.django_500, base.paginate
local fmt, is_object, is_list, py_repr, drf_bool = base.fmt, base.is_object, base.is_list, base.py_repr, base.drf_bool
local SUCCESS, PARAM_INVALID, NOT_EXIST, INVALID_OP, UNKNOWN =
  base.SUCCESS, base.PARAM_INVALID, base.NOT_EXIST, base.INVALID_OP, base.UNKNOWN

local M = {}

local function task_url(self, project, task_id)
  return string.format("%staskflow/execute/%d/?instance_id=%d", self.sim.app_host, project.id, task_id)
end

-- whether the query's subprocess_stack, when given, is not a JSON array
local function bad_stack(ctx)
  local stack = ctx.args.subprocess_stack
  return stack ~= nil and stack ~= "" and not is_list(json.decode(stack))
end

-- What the views that act on a task with a body do first: refuse an empty
-- body (with the view's own `empty_message`), then look the task up
-- (lookup_task, with trusted_fail). Returns task, body or nil, nil, the
-- refusal.
local function task_and_body(self, ctx, project, empty_message, trusted_fail)
  local body = parse_body(ctx)
  if ctx.body_empty then return nil, nil, fail(ctx, empty_message, PARAM_INVALID) end
  local task, resp = self:lookup_task(ctx, project, trusted_fail)
  if not task then return nil, nil, resp end
  return task, body
end

local NAME_MAX = 100

local function validate_create(body)
  local name = body.name
  if name == nil then return "'name' is a required property" end
  if type(name) ~= "string" then return py_repr(name) .. " is not of type 'string'" end
  if utf8.len(name) == nil or utf8.len(name) < 1 then return "'' is too short" end
  if utf8.len(name) > NAME_MAX then return py_repr(name) .. " is too long" end
  if body.flow_type ~= nil and body.flow_type ~= "common" and body.flow_type ~= "common_func" then
    return py_repr(body.flow_type) .. " is not one of ['common', 'common_func']"
  end
  if body.constants ~= nil and (type(body.constants) ~= "table" or json.is_array(body.constants)) then
    return py_repr(body.constants) .. " is not of type 'object'"
  end
  for _, k in ipairs({"exclude_task_nodes_id", "execute_task_nodes_id", "simplify_vars"}) do
    if body[k] ~= nil and not is_list(body[k]) then
      return py_repr(body[k]) .. " is not of type 'array'"
    end
  end
end

-- create_task's checks and the task they make: task, or nil and the
-- refusal. project_source: the template_source values that select a
-- project template (create_and_start_task takes only "business").
-- The view's own order (create_task.py, create_and_start_task.py): the
-- callback URL (an empty or null one means none), the template, then the
-- parameters' schema; each refusal is the view's, with its trace_id.
local function new_task(self, ctx, project, project_source, record_version)
  local body = parse_body(ctx)
  local url = body.callback_url
  if url == json.null or url == "" or url == false then
    url = nil -- Python's `if callback_url and ...`: a falsy one is no callback
  end
  if url ~= nil and not (type(url) == "string" and url:match("^https?://[%w_].+$")) then
    return nil, fail(ctx, "callback_url format error, must match ^https?://\\w.+$", PARAM_INVALID)
  end
  local tid = ctx.ids.template_id
  local source = body.template_source
  if source ~= nil and not project_source[source] then
    return nil, fail(ctx, string.format("common template[id=%d] does not exist", tid), NOT_EXIST)
  end
  local tpl = self.engine.templates[tid]
  if not tpl or tpl.common or (tpl.project_id and tpl.project_id ~= project.id) then
    return nil, fail(ctx, string.format("template[id=%d] of project[project_id=%d,biz_id=%s] does not exist",
      tid, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
  end
  local problem = validate_create(body)
  if problem then return nil, fail(ctx, "task params is invalid: " .. problem, PARAM_INVALID) end
  local constants = {}
  local tree = body.pipeline_tree
  if tree ~= nil and ctx.api == "create_task" then
    -- create_task with a pipeline_tree (create_with_tree): no scheme with
    -- it; the tree's constants, each given constant set on the tree's
    -- (one it does not have is dropped). The simulator runs the template's
    -- nodes: a tree's own selection of them is not modelled.
    local schemes = body.template_schemes_id
    if schemes ~= nil and schemes ~= json.null and not (is_list(schemes) and #schemes == 0)
      and schemes ~= "" then
      return nil, fail(ctx, "template_schemes_id can not be used with pipeline_tree", PARAM_INVALID)
    end
    if not (is_object(tree) and (tree.constants == nil or is_object(tree.constants))) then
      return nil, fail(ctx, "[API] create_task get invalid pipeline_tree: 'constants'", UNKNOWN)
    end
    for k, c in pairs(tree.constants or {}) do
      if type(c) == "table" and c.value ~= nil then constants[k] = c.value end
    end
    for k, v in pairs(body.constants or {}) do
      if constants[k] ~= nil or (tree.constants or {})[k] ~= nil then constants[k] = v end
    end
  else
    for k, v in pairs(body.constants or {}) do constants[k] = v end
  end
  return self.engine:create_task(project, tpl, {
    name = body.name, creator = ctx.username, constants = constants, flow_type = body.flow_type,
    description = type(body.description) == "string" and body.description or "",
    callback_url = url,
    -- (create_task records callback_version; create_and_start_task does not)
    callback_version = record_version and type(body.callback_version) == "string" and body.callback_version ~= ""
      and body.callback_version or nil,
  })
end

-- what create_task and fast_create_task answer with
local function created(self, ctx, project, task)
  local data = json.obj("task_id", task.id, "task_url", task_url(self, project, task.id),
    "pipeline_tree", task.compiled.tree)
  if task.flow_type == "common_func" then
    data.function_task_claim_url = string.format("%staskflow/function/?instance_id=%d", self.sim.app_host, task.id)
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.create_task(self, ctx, project)
  local task, resp = new_task(self, ctx, project, {project = true, business = true}, true)
  if not task then return resp end
  return created(self, ctx, project, task)
end

-- check_task_operation_throttle (gcloud/utils/throttle.py) as start_task,
-- operate_task and create_and_start_task answer it: the refusal when a
-- throttle fault is armed for this request, else nil. (The message says
-- "starting" whatever operate_task's action.)
local function throttled(self, ctx, project)
  if not self.sim:take_fault("throttle", ctx.request_path) then return nil end
  return fail(ctx, string.format("project id: %d reach the limit of starting tasks", project.id), INVALID_OP)
end

local function start_common(self, ctx, task, project)
  if task.is_started then
    return fail(ctx, "task already started", INVALID_OP)
  end
  self.engine:queue_start(task)
  return task_url(self, project, task.id)
end

function M.start_task(self, ctx, project)
  local task, resp = self:lookup_task(ctx, project)
  if not task then return resp end
  local refusal = throttled(self, ctx, project)
  if refusal then return refusal end
  local url = start_common(self, ctx, task, project)
  if type(url) ~= "string" then return url end
  return view_result(ctx, "task_url", url, "data", json.obj("task_url", url), "result", true, "code", SUCCESS)
end

local TASK_ACTIONS = {pause = "pause_task", resume = "resume_task", revoke = "revoke_task"}

function M.operate_task(self, ctx, project)
  local task, body, resp = task_and_body(self, ctx, project, "invalid json format")
  if not task then return resp end
  local refusal = throttled(self, ctx, project)
  if refusal then return refusal end
  local action = body.action
  if action == "start" then
    local url = start_common(self, ctx, task, project)
    if type(url) ~= "string" then return url end
    return view_result(ctx, "message", "success", "result", true, "code", SUCCESS)
  end
  if task.current_flow ~= "execute_task" then
    local verb = action == nil and "None" or (type(action) == "string" and action or py_repr(action))
    return fail(ctx, string.format("task with current_flow:%s cannot be %sed", task.current_flow, verb), INVALID_OP)
  end
  local method = TASK_ACTIONS[action]
  if not method then return fail(ctx, "task command is invalid", INVALID_OP) end
  if not task.is_started then return fail(ctx, "task not started", INVALID_OP) end
  local ok, err = self.engine[method](self.engine, task)
  if not ok then return engine_refusal(ctx, err) end
  return view_result(ctx, "result", true, "message", "success", "code", SUCCESS)
end

local NODE_ACTIONS = {
  retry = true, skip = true, callback = true, skip_exg = true, skip_cpg = true, pause = true,
  resume = true, pause_subproc = true, resume_subproc = true, forced_fail = true, retry_subprocess = true,
}

function M.operate_node(self, ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "request body is not a valid json", PARAM_INVALID) end
  local data = body.data == nil and {} or body.data
  local inputs = body.inputs == nil and {} or body.inputs
  if not is_object(data) then
    return fail(ctx, "data field is not a valid object", PARAM_INVALID)
  end
  if not is_object(inputs) then
    return fail(ctx, "inputs field is not a valid object", PARAM_INVALID)
  end
  local task, resp = self:lookup_task(ctx, project, function()
    return fail(ctx, string.format("task[id=%d] of project[id=%d] does not exist", ctx.ids.task_id, project.id), NOT_EXIST)
  end)
  if not task then return resp end
  local node_id = body.node_id
  local node = type(node_id) == "string" and task.compiled.nodes[node_id] or nil
  if not node then
    return fail(ctx, string.format("节点状态请求失败: 任务[ID: %d]中未找到节点[ID: %s]. 请重试. 如持续失败可联系管理员处理 | nodes_action",
      task.id, node_id == nil and "None" or tostring(node_id)), UNKNOWN)
  end
  local action = body.action
  if not NODE_ACTIONS[action] then return fail(ctx, "task command is invalid", UNKNOWN) end
  local e = self.engine
  local ok, err
  if action == "retry" then
    ok, err = e:retry_node(task, node, inputs)
  elseif action == "skip" then
    ok, err = e:skip_node(task, node)
  elseif action == "skip_exg" then
    ok, err = e:skip_exg(task, node, body.flow_id or "")
  elseif action == "skip_cpg" then
    return fail(ctx, string.format("节点操作失败: 节点[ID: %s], 任务[ID: %d]操作失败: 'flow_ids', 请重试. 如持续失败可联系管理员处理 | nodes_action",
      node.id, task.id), UNKNOWN)
  elseif action == "callback" then
    ok, err = e:callback(task, node, data, nil)
  elseif action == "forced_fail" then
    ok, err = e:forced_fail(task, node, ctx.username)
  elseif action == "pause" then
    ok, err = e:pause_node(task, node)
  elseif action == "resume" then
    ok, err = e:resume_node(task, node)
  elseif action == "pause_subproc" then
    ok, err = e:pause_subprocess(task, node)
  elseif action == "resume_subproc" then
    ok, err = e:resume_subprocess(task, node)
  elseif action == "retry_subprocess" then
    ok, err = e:retry_subprocess(task, node, status.node_state(task, node, e:now()))
  end
  if not ok then return engine_refusal(ctx, err) end
  return view_result(ctx, "result", true, "message", "success", "code", SUCCESS)
end

function M.node_callback(self, ctx, project)
  local task, body, resp = task_and_body(self, ctx, project, "invalid json format", function()
    return fail(ctx, string.format("[API] node_callback task[id=%d] of project[project_id=%d, biz_id%s] does not exist",
      ctx.ids.task_id, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
  end)
  if not task then return resp end
  local node_id = body.node_id
  local node = type(node_id) == "string" and task.compiled.nodes[node_id] or nil
  if not node then
    return fail(ctx, string.format("task[%d] does not have node[%s]", task.id,
      node_id == nil and "None" or tostring(node_id)), PARAM_INVALID)
  end
  local ok, err = self.engine:callback(task, node, body.callback_data, body.version)
  if not ok then return engine_refusal(ctx, err) end
  return view_result(ctx, "result", true, "message", "success", "code", SUCCESS)
end

local function flag(args, name)
  return args[name] ~= nil and args[name] ~= ""
end

function M.get_task_status(self, ctx, project)
  return self:cached(ctx, 10, function()
    local task, resp = self:lookup_task(ctx, project, function()
      return fail(ctx, string.format("task[id=%d] get status error: TaskFlowInstance matching query does not exist.",
        ctx.ids.task_id), UNKNOWN)
    end)
    if not task then return resp end
    local data, err = status.tree(task, self.engine:now(), {
      subprocess_id = ctx.args.subprocess_id ~= "" and ctx.args.subprocess_id or nil,
      with_ex_data = flag(ctx.args, "with_ex_data"),
      with_failed_node_info = flag(ctx.args, "with_failed_node_info"),
      -- (a server without the flag, as bk-sops' master: it is not read)
      with_auto_retry_status = self.sim.config.auto_retry_status and flag(ctx.args, "with_auto_retry_status"),
    })
    if not data then return fail(ctx, err, UNKNOWN) end
    ctx.cacheable = data.state ~= "CREATED"
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS, "message", "")
  end, function() return ctx.cacheable end)
end

function M.get_tasks_status(self, ctx, project)
  return self:cached(ctx, 10, function()
    local list, body, refusal = body_list(ctx, "task_id_list", "task_id_list must be a list")
    if not list then return refusal end
    if #list > 50 then return fail(ctx, "task_id_list is too long, maximum length is 50", PARAM_INVALID) end
    local children = false
    if body.include_children_status ~= nil then
      children = drf_bool(body.include_children_status)
      if children == nil then
        return fail(ctx, json.obj("include_children_status", json.array({"Must be a valid boolean."})), PARAM_INVALID)
      end
    end
    local ids, seen = {}, {}
    for _, v in ipairs(list) do
      local id = math.tointeger(v) or (type(v) == "string" and v:match("^%s*%d+%s*$") and math.tointeger(tonumber(v)))
      if not id then return django_500() end
      if not seen[id] then
        seen[id] = true
        ids[#ids + 1] = id
      end
    end
    table.sort(ids, function(a, b) return a > b end)
    local now = self.engine:now()
    local data = json.array()
    for _, id in ipairs(ids) do
      local task = self.engine:find_task(id)
      if task and task.project == project then
        self.engine:advance(task)
        local st = status.tree(task, now, {shallow = not children})
        if not children then st.children = nil end
        data[#data + 1] = json.obj("id", task.id, "name", task.name, "status", st,
          "flow_type", task.flow_type, "current_flow", task.current_flow, "is_deleted", task.deleted,
          "create_time", fmt(task.create_time), "start_time", fmt(task.start_time),
          "finish_time", fmt(task.finish_time), "url", task_url(self, project, task.id))
      end
    end
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end, function() return true end)
end

function M.get_task_detail(self, ctx, project)
  return self:cached(ctx, 60, function()
    local task, resp = self:lookup_task(ctx, project, function()
      return fail(ctx, string.format("[API] get_task_detail task[id=%d] of project[project_id=%d, biz_id%s] does not exist",
        ctx.ids.task_id, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
    end)
    if not task then return resp end
    local now = self.engine:now()
    local outputs = self.engine:outputs(task)
    local rst = task.states[task.root.id]
    local elapsed = 0
    if task.start_time then elapsed = math.floor((task.finish_time or now) - task.start_time + 0.5) end
    local data = json.obj(
      "id", task.id, "project_id", project.id, "project_name", project.name, "name", task.name,
      "create_time", fmt(task.create_time), "creator", task.creator, "create_method", task.create_method,
      "template_id", task.template.id, "start_time", fmt(task.start_time), "finish_time", fmt(task.finish_time),
      "executor", task.executor, "elapsed_time", elapsed, "pipeline_tree", task.compiled.tree,
      "task_url", task_url(self, project, task.id), "constants", task.compiled.tree.constants,
      "outputs", outputs, "ex_data", rst and rst.ex_data or "")
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end, function() return true end)
end

function M.get_task_node_detail(self, ctx, project)
  local task, resp = self:lookup_task(ctx, project)
  if not task then return resp end
  if bad_stack(ctx) then return fail(ctx, "subprocess_stack is not a valid array json", UNKNOWN) end
  local node_id = ctx.args.node_id
  local node = node_id and task.compiled.nodes[node_id]
  if not node then
    return view_result(ctx, "result", false, "data", json.obj(),
      "message", string.format("节点状态请求失败: 任务[ID: %d]中未找到节点[ID: %s]. 请重试. 如持续失败可联系管理员处理 | get_node_detail",
        task.id, node_id or "None"), "code", PARAM_INVALID)
  end
  local data = status.node_detail(task, node, self.engine:now())
  -- an MCP caller (decorators.py is_mcp_request: an app code starting
  -- v_mcp, or an X-Bkapi-Mcp-Server-Id) gets the last max_histories (3;
  -- get_task_node_detail.py keeps all for 0 or less: histories[-0:])
  local app, server = ctx.app_code or "", (ctx.mcp_server_id or ""):match("^%s*(.-)%s*$")
  if app ~= "" and (app:sub(1, 5) == "v_mcp" or server ~= "") then
    local m = math.tointeger(tonumber((ctx.args.max_histories or "3"):match("^%s*([+-]?%d+)%s*$") or ""))
    m = m and math.max(m, 0) or 3
    local hs = data.histories
    if m > 0 and #hs > m then
      local keep = json.array()
      for i = #hs - m + 1, #hs do keep[#keep + 1] = hs[i] end
      data.histories = keep
    end
  end
  return view_result(ctx, "result", true, "data", data, "message", "", "code", SUCCESS)
end

function M.create_and_start_task(self, ctx, project)
  local refusal = throttled(self, ctx, project)
  if refusal then return refusal end
  local task, resp = new_task(self, ctx, project, {business = true})
  if not task then return resp end
  -- (recorded as given, default business; create_task records project)
  task.template_source = "business"
  self.engine:queue_start(task)
  local data = json.obj("pipeline_tree", task.compiled.tree, "task_id", task.id,
    "task_url", task_url(self, project, task.id))
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.fast_create_task(self, ctx, project)
  local body, refused = validated_body(ctx)
  if not body then return refused end
  if not is_object(body.pipeline_tree) then
    return bare_result(ctx, "result", false, "message",
      "[API] fast_create_task get invalid pipeline_tree: pipeline_tree", "data", json.null, "code", PARAM_INVALID)
  end
  if type(body.name) ~= "string" or body.name == "" then
    return bare_result(ctx, "result", false, "message", "task params is invalid: 'name' is a required property",
      "data", json.null, "code", PARAM_INVALID)
  end
  if not self:is_trusted(ctx) then
    return fail(ctx, "iam authentication exception, please check, action:project_fast_create_task", UNKNOWN)
  end
  -- the tree is taken as given; the simulator runs it as one step
  local tpl = {id = 0, name = body.name, project_id = project.id, steps = {{name = "fast step", duration = 1}}}
  local task = self.engine:create_task(project, tpl, {name = body.name:gsub("[<>$&'\"]", ""):sub(1, 100),
    creator = ctx.username, flow_type = body.flow_type == "common_func" and "common_func" or "common",
    description = type(body.description) == "string" and body.description or ""})
  return created(self, ctx, project, task)
end

-- the task list's filters (GetTaskListForm): Django's BooleanField reads
-- "false", "0" (in any case) and "" as false and anything else as true;
-- a CharField is stripped
local function form_bool(v) return not (v == "" or v:lower() == "false" or v == "0") end
local function form_text(v) return v and v:match("^%s*(.-)%s*$") end

local function filter_tasks(self, ctx, project)
  local a = ctx.args
  local out = {}
  local template_ids
  if a.template_ids then
    template_ids = {}
    for id in a.template_ids:gmatch("[^,]+") do template_ids[id:match("^%s*(.-)%s*$")] = true end
  end
  for id = self.engine.next_task_id - 1, 1, -1 do
    local t = self.engine.tasks[id]
    if t and not t.deleted and t.project == project then
      self.engine:advance(t)
      local finished = t.finish_time ~= nil
      local ok = (a.keyword == nil or t.name:find(form_text(a.keyword), 1, true))
        and (a.is_started == nil or form_bool(a.is_started) == t.is_started)
        and (a.is_finished == nil or form_bool(a.is_finished) == finished)
        and (a.executor == nil or a.executor == t.executor)
        and (a.create_method == nil or a.create_method == t.create_method)
        and (a.template_id == nil or form_text(a.template_id) == tostring(t.template.id))
        and (template_ids == nil or template_ids[tostring(t.template.id)])
        and (a.is_child_taskflow == nil or not form_bool(a.is_child_taskflow))
      if ok then out[#out + 1] = t end
    end
  end
  return out
end

-- times as Django's JSON encoder writes them (ISO 8601, milliseconds, Z)
local function iso(t)
  if not t then return json.null end
  return os.date("!%Y-%m-%dT%H:%M:%S", math.floor(t)) .. string.format(".%03dZ", math.floor(t % 1 * 1000))
end

local TASK_AUTH_ACTIONS = {"task_view", "task_edit", "task_operate", "task_claim", "task_delete", "task_clone"}

local function task_item(t, project)
  return json.obj("id", t.id, "name", t.name, "category", t.template.category or "Other",
    "create_method", t.create_method, "creator", t.creator, "executor", t.executor,
    "start_time", iso(t.start_time), "finish_time", iso(t.finish_time), "is_started", t.is_started,
    "is_finished", t.finish_time ~= nil, "template_source", t.template_source or "project",
    "template_id", tostring(t.template.id),
    "is_child_taskflow", false, "project_id", project.id, "project_name", project.name,
    "bk_biz_id", project.bk_biz_id, "bk_biz_name", project.from_cmdb and project.name or json.null,
    "auth_actions", json.array(TASK_AUTH_ACTIONS))
end

local DATE_FORMATS = "YYYY-MM-DD HH:MM:SS、YYYY-MM-DD HH:MM:SS +HHMM、YYYY-MM-DD HH:MM:SS+HHMM、"
  .. "YYYY-MM-DDTHH:MM:SSZ 或 YYYY-MM-DD"

-- create_time_start and create_time_end (GetTaskListForm): the bounds,
-- or nil and the form's refusal (3546100, data "")
local function time_bounds(ctx)
  local bounds, errors = {}, nil
  for _, k in ipairs({"create_time_start", "create_time_end"}) do
    local v = ctx.args[k]
    if v ~= nil and v ~= "" then
      bounds[k] = util.parse_form_time(v, k == "create_time_end")
      if not bounds[k] then
        errors = errors or {}
        errors[#errors + 1] = k
        errors[#errors + 1] = json.array({"无法解析日期格式: " .. v .. "，支持的格式：" .. DATE_FORMATS})
      end
    end
  end
  if errors then
    return nil, view_result(ctx, "result", false, "data", "", "message", json.obj(table.unpack(errors)),
      "code", 3546100)
  end
  return bounds
end

function M.get_task_list(self, ctx, project)
  local bounds, refusal = time_bounds(ctx)
  if not bounds then return refusal end
  local all = filter_tasks(self, ctx, project)
  local matching = {}
  for _, t in ipairs(all) do
    if (not bounds.create_time_start or t.create_time >= bounds.create_time_start)
        and (not bounds.create_time_end or t.create_time <= bounds.create_time_end) then
      matching[#matching + 1] = t
    end
  end
  local page, count, resp = paginate(ctx, matching)
  if not page then return resp end
  if ctx.args.without_count and form_bool(ctx.args.without_count) then count = -1 end
  local data = json.array()
  for i, t in ipairs(page) do data[i] = task_item(t, project) end
  return view_result(ctx, "result", true, "data", data, "count", count, "code", SUCCESS)
end

function M.get_task_count(self, ctx, project)
  return view_result(ctx, "result", true, "data", json.obj("count", #filter_tasks(self, ctx, project)),
    "code", SUCCESS)
end

local GROUPS = {
  flow_type = {{"common", "默认任务流程"}, {"common_func", "职能化任务流程"}},
  create_method = {{"app", "手动"}, {"api", "API网关"}, {"app_maker", "轻应用"}, {"periodic", "周期任务"}},
  status = {{"CREATED", "未执行"}, {"EXECUTING", "执行中"}, {"FINISHED", "完成"}, {"REVOKED", "撤销"}},
}

function M.query_task_count(self, ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local conditions = body.conditions == nil and {} or body.conditions
  if not is_object(conditions) and not (type(conditions) == "table" and next(conditions) == nil) then
    return fail(ctx, "conditions is not a valid dict", PARAM_INVALID)
  end
  local groups = GROUPS[body.group_by]
  if body.group_by == "category" then groups = {{"Other", "其它"}} end
  if not groups then return fail(ctx, "group_by is invalid", PARAM_INVALID) end
  local total, list = 0, json.array()
  for _, g in ipairs(groups) do
    local n = 0
    for _, t in pairs(self.engine.tasks) do
      if t.project == project and not t.deleted then
        local key = body.group_by == "flow_type" and t.flow_type or body.group_by == "create_method" and t.create_method
          or body.group_by == "category" and "Other"
          or (not t.is_started and "CREATED" or t.finish_time and "FINISHED" or "EXECUTING")
        if key == g[1] then n = n + 1 end
      end
    end
    total = total + n
    list[#list + 1] = json.obj("code", g[1], "name", g[2], "value", n)
  end
  return view_result(ctx, "result", true, "data", json.obj("total", total, "groups", list), "code", SUCCESS)
end

-- a task of the project by id, or nil (no refusal: callers say what
-- they do with unknown ids)
local function project_task(self, id, project)
  local t = self.engine:find_task(id)
  if t and not t.deleted and t.project == project then
    self.engine:advance(t)
    return t
  end
end

function M.get_tasks_manual_intervention_state(self, ctx, project)
  local list, _, refusal = body_list(ctx, "task_id_list", "task_id_list must be a list")
  if not list then return refusal end
  if #list >= 10 then return fail(ctx, "task_ids_list length can not be greater than 10", PARAM_INVALID) end
  local data, now = json.array(), self.engine:now()
  for _, v in ipairs(list) do
    local t = project_task(self, math.tointeger(v) or -1, project)
    if t then
      local st = status.tree(t, now, {})
      local required = st.state == "FAILED" or st.state == "SUSPENDED"
      for _, child in pairs(type(st.children) == "table" and st.children or {}) do
        if child.state == "FAILED" or child.state == "SUSPENDED" then required = true end
      end
      if st.state == "CREATED" or st.state == "FINISHED" or st.state == "REVOKED" then required = false end
      data[#data + 1] = json.obj("id", t.id, "manual_intervention_required", required)
    end
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

local function set_constants(t, given)
  for key, v in pairs(given) do
    local c = t.compiled.tree.constants and t.compiled.tree.constants[key]
    if c then c.value = v end
  end
end

function M.modify_constants_for_task(self, ctx, project)
  local t, body, resp = task_and_body(self, ctx, project, "invalid json format")
  if not t then return resp end
  if t.is_started then return fail(ctx, "task is started", PARAM_INVALID) end
  if t.finish_time then return fail(ctx, "task is finished", PARAM_INVALID) end
  local given = body.constants == nil and {} or body.constants
  if type(given) ~= "table" then return django_500() end
  set_constants(t, given)
  return view_result(ctx, "result", true, "data", "success", "code", SUCCESS)
end

function M.claim_functionalization_task(self, ctx, project)
  local t, body, resp = task_and_body(self, ctx, project, "request body is not a valid json")
  if not t then return resp end
  if t.flow_type ~= "common_func" then
    return fail(ctx, "任务认领失败: 仅职能化任务才能认领, 请检查任务类型 | task_claim", UNKNOWN)
  end
  if t.current_flow ~= "func_claim" then
    return fail(ctx, string.format("任务认领失败: 仅职能化任务才能认领, 当前任务类型: %s, 请检查任务类型 | task_claim",
      t.current_flow), UNKNOWN)
  end
  if is_object(body.constants) then set_constants(t, body.constants) end
  if type(body.name) == "string" and body.name ~= "" then t.name = body.name end
  t.current_flow, t.claimant, t.claim_time = "execute_task", ctx.username, self.engine:now()
  return view_result(ctx, "result", true, "data", "success", "code", SUCCESS)
end

local EXECUTE_STATUS = {nonExecution = true, running = true, revoked = true, finished = true}

function M.get_functionalization_task_list(self, ctx)
  local a = ctx.args
  if a.execute_status and not EXECUTE_STATUS[a.execute_status] then
    return fail(ctx, json.obj("execute_status",
      json.array({"execute_status 参数值错误，只能是 nonExecution/running/revoked/finished 之一"})), 3546100)
  end
  local ids
  if a.id_in and a.id_in ~= "" then
    ids = {}
    for v in (a.id_in .. ","):gmatch("([^,]*),") do
      local id = v:match("^%s*%d+%s*$") and math.tointeger(tonumber(v))
      if not id then return django_500() end
      ids[id] = true
    end
  end
  local matching = {}
  for id = self.engine.next_task_id - 1, 1, -1 do
    local t = self.engine.tasks[id]
    if t and not t.deleted and t.flow_type == "common_func" and (not ids or ids[id])
        and self:same_tenant(ctx, t.project) then
      local st = t.current_flow == "func_claim" and "submitted" or (t.finish_time and "finished" or "claimed")
      if not a.status or a.status == st then matching[#matching + 1] = {t, st} end
    end
  end
  local page, count, resp = paginate(ctx, matching)
  if not page then return resp end
  local data = json.array()
  for i, e in ipairs(page) do
    local t, st = e[1], e[2]
    local item = task_item(t, t.project)
    item.auth_actions = nil
    data[i] = json.obj("id", t.id, "name", t.name, "creator", t.creator, "rejecter", "",
      "claimant", t.claimant or "", "predecessor", "", "create_time", iso(t.create_time),
      "claim_time", iso(t.claim_time), "reject_time", json.null, "transfer_time", json.null,
      "status", st, "task", item)
  end
  return view_result(ctx, "result", true, "data", data, "count", count, "code", SUCCESS)
end

local OPERATE_NAMES = {create = "创建", start = "执行"}

function M.get_task_operate_record(self, ctx, project)
  local t, resp = self:lookup_task(ctx, project)
  if not t then return resp end
  local data = json.array()
  if not ctx.args.node_id or ctx.args.node_id == "" then
    local function record(kind, at, who)
      data[#data + 1] = json.obj("project_id", project.id, "instance_id", t.id, "operator", who,
        "operate_type", kind, "operate_date", iso(at), "operate_source", "api", "node_id", "",
        "extra_info", json.obj(), "operate_type_name", OPERATE_NAMES[kind], "operate_source_name", "api 接口")
    end
    record("create", t.create_time, t.creator)
    if t.start_time then record("start", t.start_time, t.executor ~= "" and t.executor or t.creator) end
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.get_task_effective_time(self, ctx, project)
  local t, resp = self:lookup_task(ctx, project)
  if not t then return resp end
  local total = t.start_time and math.floor((t.finish_time or self.engine:now()) - t.start_time + 0.5) or 0
  local n = 0
  for _ in pairs(t.compiled.nodes) do n = n + 1 end
  return view_result(ctx, "result", true, "data", json.obj("task_instance_id", t.id, "instance_id", t.id,
    "template_id", tostring(t.template.id), "task_template_id", tostring(t.template.id), "project_id", project.id,
    "creator", t.creator, "create_method", t.create_method, "create_time", fmt(t.create_time),
    "start_time", fmt(t.start_time) or json.null, "finish_time", fmt(t.finish_time) or json.null,
    "total_elapsed_time", total, "effective_time", total, "excluded_node_count", 0, "total_node_count", n,
    "excluded_component_codes", json.array(), "category", t.template.category or "Default"), "code", SUCCESS)
end

-- What the log views do first (gcloud/apigw/log_auth.py): the task
-- (get_taskflow_for_log, after the IAM lookup of lookup_task), then the
-- query's node_id, required and a node of the task (validate_task_node).
-- Their refusals are the DRF Response of _build_error_response: result,
-- message and code, no trace_id. Returns task, node or nil, nil, the refusal.
local function task_and_node(self, ctx, project)
  local t, resp = self:lookup_task(ctx, project)
  if not t then return nil, nil, resp end
  local node_id = ctx.args.node_id
  if node_id == nil or node_id == "" then
    return nil, nil, bare_result(ctx, "result", false, "message",
      string.format("[API] %s node_id is required", ctx.api), "code", PARAM_INVALID)
  end
  local node = t.compiled.nodes[node_id]
  if not node then
    return nil, nil, bare_result(ctx, "result", false, "message",
      string.format("[API] %s task[id=%d] does not have node[%s]", ctx.api, t.id, node_id), "code", NOT_EXIST)
  end
  return t, node
end

-- A node's log as the database data source keeps it (one "TIME: message"
-- line each, as PaaS3NodeLogDataSource joins them): the attempt's start,
-- and its error once it has one.
function M.get_task_node_log(self, ctx, project)
  local t, node, refusal = task_and_node(self, ctx, project)
  if not t then return refusal end
  local st = t.states[node.id]
  local text = ""
  if st then
    text = string.format("%s: node %s %s", fmt(st.start), node.name or node.id, st.state)
    if type(st.ex_data) == "string" and st.ex_data ~= "" then
      text = text .. string.format("\n%s: %s", fmt(st.finish or st.start), st.ex_data)
    end
  end
  return respond(json.obj("result", true, "message", "success", "data", text, "page", json.obj()))
end

function M.get_task_plugin_log(self, ctx, project)
  local t, _, refusal = task_and_node(self, ctx, project)
  if not t then return refusal end
  return respond(json.obj("result", true, "message", json.null, "data",
    json.obj("logs", "", "total", 0, "scroll_id", "")))
end

-- The components whose execution data holds a JOB instance (the view's
-- JOB_INST_ID_MAP and JOB_INST_ID_IN_LIST_MAP).
local JOB_COMPONENTS = {
  job_fast_execute_script = true, job_local_content_upload = true, job_execute_task = true,
  all_biz_job_fast_execute_script = true, all_biz_execute_job_plan = true, job_cc_execute_script = true,
  job_fast_push_file = true, job_push_local_files = true, all_biz_job_fast_push_file = true,
}

-- The log JOB keeps of a JOB node's current attempt, as get_job_instance_log
-- joins it: the script's output on its first host, its inputs, then its
-- exit (a RUNNING node's log has no exit yet).
local function job_log(node, st, inputs)
  local lines = {}
  local function line(at, text) lines[#lines + 1] = string.format("[%s] %s", fmt(at), text) end
  line(st.start, string.format("%s on 10.0.0.1: %s (attempt %d)", node.step.component, node.name or node.id,
    (st.retry or 0) + 1))
  local keys = {}
  for k in pairs(inputs) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = inputs[k]
    line(st.start, string.format("%s=%s", k, type(v) == "table" and json.encode(v) or tostring(v)))
  end
  if st.state == "FAILED" then
    line(st.finish or st.start, "exit code 1: " .. tostring(st.ex_data))
  elseif st.finish then
    line(st.finish, "exit code 0")
  end
  return table.concat(lines, "\n")
end

-- get_node_job_executed_log: the task and node (log_auth), the node's
-- execution data (none until it has run: CONTENT_NOT_EXIST), then JOB's log
-- of the instance in its outputs' job_inst_id. A node of another plugin has
-- none, so JOB refuses the null instance id and the view says so in its
-- own envelope: result, message, logs (no data, no code).
function M.get_node_job_executed_log(self, ctx, project)
  local t, node, refusal = task_and_node(self, ctx, project)
  if not t then return refusal end
  local st = t.states[node.id]
  if not st or not st.start then
    return bare_result(ctx, "result", false, "message",
      string.format("[API] get_node_job_executed_log execution data not found for node_id: %s", node.id),
      "code", NOT_EXIST)
  end
  if not (node.step and JOB_COMPONENTS[node.step.component]) then
    return respond(json.obj("result", false, "message", string.format("调用作业平台(JOB)接口"
      .. "jobv3.get_job_instance_status返回失败, error=job_instance_id is invalid, params={\"bk_scope_type\": "
      .. "\"biz\", \"bk_scope_id\": \"%s\", \"bk_biz_id\": %s, \"job_instance_id\": null, "
      .. "\"return_ip_result\": true}", tostring(project.bk_biz_id), tostring(project.bk_biz_id)), "logs", ""))
  end
  return respond(json.obj("result", true, "message", "success", "logs",
    job_log(node, st, status.node_detail(t, node, self.engine:now()).inputs)))
end

function M.get_task_node_data(self, ctx, project)
  local t, resp = self:lookup_task(ctx, project)
  if not t then return resp end
  if bad_stack(ctx) then
    return view_result(ctx, "result", false, "data", json.obj(), "message",
      "subprocess_stack is not a valid array json", "code", UNKNOWN)
  end
  local node = ctx.args.node_id and t.compiled.nodes[ctx.args.node_id]
  if not node then
    return view_result(ctx, "result", false, "data", json.obj(), "message",
      string.format("node[node_id=%s] not found in task[task_id=%d]", tostring(ctx.args.node_id), t.id),
      "code", UNKNOWN)
  end
  local d = status.node_detail(t, node, self.engine:now())
  return view_result(ctx, "result", true, "data", json.obj("inputs", d.inputs, "outputs", d.outputs,
    "ex_data", d.ex_data), "message", "", "code", SUCCESS)
end

-- the node callback entry: bk-sops decrypts the token; the simulator
-- knows none, so every token is refused the way a bad one is
function M.callback(_, ctx)
  local v = ctx.body ~= "" and json.decode(ctx.body)
  if v == nil then
    return {400, {{"Content-Type", "application/json"}}, json.encode(json.obj("result", false, "message",
      "节点回调失败: 无效的请求, 请重试. 如持续失败可联系管理员处理. | node_callback"))}
  end
  return {400, {{"Content-Type", "application/json"}},
    json.encode(json.obj("result", false, "message", "invalid token"))}
end

return M
