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
local schema = require "sops.sim.schema"

local view_result, bare_result, fail, parse_body = base.view_result, base.bare_result, base.fail, base.parse_body
local validated_body, body_list = base.validated_body, base.body_list
local engine_refusal, django_500, paginate = base.engine_refusal, base.django_500, base.paginate
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

-- What the views that act on a task with a body do first: the IAM
-- interceptor's look-up (iam_task, before the body is read), then refuse an
-- empty body (with the view's own `empty_message`), then the view's own
-- look-up (view_task: `miss` its answer to none; none of these views
-- filters is_deleted). Returns task, body or nil, nil, the refusal.
local function task_and_body(self, ctx, project, empty_message, miss)
  local refusal = self:iam_task(ctx)
  if refusal then return nil, nil, refusal end
  local body = parse_body(ctx)
  if ctx.body_empty then return nil, nil, fail(ctx, empty_message, PARAM_INVALID) end
  local task, resp = self:view_task(ctx, project, miss)
  if not task then return nil, nil, resp end
  return task, body
end

-- Python's truth of a JSON value: None, False, 0, "", [] and {} are false
local function py_truthy(v)
  if v == nil or v == json.null or v == false or v == 0 or v == "" then return false end
  if type(v) == "table" then return next(v) ~= nil end
  return true
end

-- re.match(r"^https?://\w.+$", url): a word character (any letter past
-- ASCII counts as one), then at least one character, none a newline but
-- maybe a last one ($ matches before it)
local function callback_url_ok(url)
  local rest = url:match("^https?://(.*)$")
  if not rest then return false end
  local first = rest:byte(1)
  if not first or not (rest:sub(1, 1):match("[%w_]") or first >= 0xC2) then return false end
  local tail = rest:sub(first >= 0xC2 and (first >= 0xF0 and 5 or first >= 0xE0 and 4 or 3) or 2)
  tail = tail:gsub("\n$", "")
  return tail ~= "" and not tail:find("\n", 1, true)
end

-- The request's parameters as the view's dict holds them: the body, each
-- object's keys in the order sent (json.decode_ordered), with a dict's
-- pop and setdefault.
local function ordered_params(ctx)
  local params = json.decode_ordered(ctx.body)
  if type(params) == "table" and not json.is_array(params) then return params end
  -- (text the ordered reader does not take, that lua-sops' decoder did:
  -- its keys sorted)
  local body = parse_body(ctx)
  return setmetatable(body, {__order = json.keys(body)})
end

local function dict_pop(d, k)
  local v = d[k]
  if v == nil then return nil end
  d[k] = nil
  local keys = getmetatable(d).__order
  for i = #keys, 1, -1 do
    if keys[i] == k then table.remove(keys, i) end
  end
  return v
end

local function dict_setdefault(d, k, v)
  if d[k] == nil then
    d[k] = v
    local keys = getmetatable(d).__order
    keys[#keys + 1] = k
  end
  return d[k]
end

-- task_node_selector.py normalize_template_scheme_params: one id (a string
-- or an int) made a list; "12" strings made ints
local function is_scheme_pk(v) return math.type(v) == "integer" end
local function normalize_schemes(params)
  local ids = params.template_schemes_id
  if type(ids) == "string" or is_scheme_pk(ids) then ids = json.array({ids}) end
  if json.is_array(ids) then
    local out = json.array()
    for i, v in ipairs(ids) do
      out[i] = (type(v) == "string" and v:match("^%d+$")) and (math.tointeger(tonumber(v)) or v) or v
    end
    ids = out
  end
  params.template_schemes_id = ids
  return ids
end

local function scheme_text(v)
  return type(v) == "string" and v or schema.repr(v)
end

-- A template's schemes as the resolver finds them: by unique_id (a string,
-- "<template id>-<name>", what get_template_schemes answers as `id`) or by
-- primary key (an int: the scheme's `id`, else its place in the list).
local function find_scheme(tpl, id)
  for i, sc in ipairs(tpl.schemes or {}) do
    if type(id) == "string" then
      if string.format("%d-%s", tpl.id, tostring(sc.name)) == id then return sc end
    elseif (math.tointeger(sc.id) or i) == id then
      return sc
    end
  end
end

-- resolve_exclude_task_nodes_id's refusals (TaskNodeSelectionValidationError),
-- in its order; nil when the selection is one the view goes on with. (Which
-- nodes a selection leaves out is not modelled: the task runs them all.)
local function node_selection_problem(tpl, params)
  local ids = normalize_schemes(params)
  if not json.is_array(ids) then return "invalid template_schemes_id" end
  for _, v in ipairs(ids) do
    if not ((type(v) == "string" and v ~= "") or (is_scheme_pk(v) and v > 0)) then
      return "invalid template_schemes_id: all items must be non-empty strings or positive integers"
    end
  end
  local seen, dups, listed = {}, {}, {}
  for _, v in ipairs(ids) do
    local k = (type(v) == "string" and "u:" or "i:") .. tostring(v)
    if seen[k] and not listed[k] then
      dups[#dups + 1] = scheme_text(v)
      listed[k] = true
    end
    seen[k] = true
  end
  if #dups > 0 then return "duplicate template_schemes_id: " .. table.concat(dups, ", ") end
  if #ids > 0 and (py_truthy(params.exclude_task_nodes_id) or py_truthy(params.execute_task_nodes_id)) then
    return "template_schemes_id can not be used with exclude_task_nodes_id or execute_task_nodes_id"
  end
  local missing = {}
  for _, v in ipairs(ids) do
    if not find_scheme(tpl, v) then missing[#missing + 1] = scheme_text(v) end
  end
  if #missing > 0 then return "unknown template_schemes_id: " .. table.concat(missing, ", ") end
end

local CREATE_VIEWS = {
  -- create_task.py: a project template for business or project (the task
  -- records project), any other source a common template (recorded as
  -- given); the schema's refusal "task params is invalid: ..."
  create_task = {schema = schema.CREATE_TASK, prefix = "task params is invalid: ", default_source = "project",
    project_source = {project = true, business = true},
    defaults = {"flow_type", "constants", "exclude_task_nodes_id", "simplify_vars", "execute_task_nodes_id",
      "template_schemes_id"}},
  -- create_and_start_task.py: business only (recorded as given), its
  -- schema's own spelling ("parmas")
  create_and_start_task = {schema = schema.CREATE_AND_START_TASK, prefix = "task parmas is invalid: ",
    default_source = "business", project_source = {business = true},
    defaults = {"flow_type", "template_source", "constants", "exclude_task_nodes_id", "template_schemes_id"}},
}
local DEFAULTS = {
  flow_type = function() return "common" end, template_source = function() return "business" end,
  constants = function() return json.obj() end, exclude_task_nodes_id = json.array,
  simplify_vars = json.array, execute_task_nodes_id = json.array, template_schemes_id = json.array,
}

-- create_task's and create_and_start_task's checks and the task they make:
-- task, or nil and the refusal, in the views' own order: request_validate
-- (an empty body, or one that is no JSON: the decorator's answer, no
-- trace_id), the callback URL (a falsy one is none), the template (a
-- project's, or a common one by template_source), the parameters against
-- the view's schema (jsonschema's whole text: best_match of its errors,
-- str(ValidationError)), then the node selection (template_schemes_id,
-- task_node_selector.py); each refusal the view's, with its trace_id. An
-- MCP caller's task is made by create_method mcp.
local function new_task(self, ctx, project)
  local view = CREATE_VIEWS[ctx.api]
  local body, refused = validated_body(ctx)
  if not body then return nil, refused end
  local params = ordered_params(ctx)
  local url = dict_pop(params, "callback_url")
  if not py_truthy(url) then
    url = nil
  elseif not (type(url) == "string" and callback_url_ok(url)) then
    return nil, fail(ctx, "callback_url format error, must match ^https?://\\w.+$", PARAM_INVALID)
  end
  local callback_version = params.callback_version
  local tid = ctx.ids.template_id
  local source = params.template_source
  if source == nil then source = view.default_source end
  -- (create_task asks `source in {...}`: a list or a dict cannot be hashed)
  if ctx.api == "create_task" and type(source) == "table" then return nil, django_500() end
  local tpl = self.engine.templates[tid]
  local recorded
  if type(source) == "string" and view.project_source[source] then
    if not tpl or tpl.deleted or tpl.common or (tpl.project_id and tpl.project_id ~= project.id) then
      return nil, fail(ctx, string.format("template[id=%d] of project[project_id=%d,biz_id=%s] does not exist",
        tid, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
    end
    recorded = ctx.api == "create_task" and "project" or source
  else
    if not tpl or tpl.deleted or not tpl.common then
      return nil, fail(ctx, string.format("common template[id=%d] does not exist", tid), NOT_EXIST)
    end
    recorded = source
  end
  for _, k in ipairs(view.defaults) do dict_setdefault(params, k, DEFAULTS[k]()) end
  local err = schema.validate(params, view.schema)
  if err then return nil, fail(ctx, view.prefix .. schema.error_text(err), PARAM_INVALID) end
  normalize_schemes(params)
  if type(recorded) ~= "string" then
    -- (TaskFlowInstance.template_source is a CharField: str() of a number,
    -- and None is refused by the database)
    if recorded == json.null then return nil, django_500() end
    recorded = schema.repr(recorded)
  end
  local constants = {}
  local tree = params.pipeline_tree
  if tree ~= nil and ctx.api == "create_task" then
    -- create_task with a pipeline_tree (create_with_tree): no scheme with
    -- it; the tree's constants, each given constant set on the tree's
    -- (one it does not have is dropped). The simulator runs the template's
    -- nodes: a tree's own selection of them is not modelled.
    if py_truthy(params.template_schemes_id) then
      return nil, fail(ctx, "template_schemes_id can not be used with pipeline_tree", PARAM_INVALID)
    end
    if not (is_object(tree) and (tree.constants == nil or is_object(tree.constants))) then
      return nil, fail(ctx, "[API] create_task get invalid pipeline_tree: 'constants'", UNKNOWN)
    end
    for k, c in pairs(tree.constants or {}) do
      if type(c) == "table" and c.value ~= nil then constants[k] = c.value end
    end
    for k, v in pairs(params.constants) do
      if constants[k] ~= nil or (tree.constants or {})[k] ~= nil then constants[k] = v end
    end
  else
    local problem = node_selection_problem(tpl, params)
    if problem then return nil, fail(ctx, problem, PARAM_INVALID) end
    for k, v in pairs(params.constants) do constants[k] = v end
  end
  local task = self.engine:create_task(project, tpl, {
    name = params.name, creator = ctx.username, constants = constants, flow_type = params.flow_type,
    description = type(params.description) == "string" and params.description or "",
    callback_url = url, create_method = base.is_mcp(ctx) and "mcp" or "api",
    -- (create_task records callback_version; create_and_start_task does not)
    callback_version = ctx.api == "create_task" and type(callback_version) == "string" and callback_version ~= ""
      and callback_version or nil,
  })
  task.template_source = recorded
  return task
end

-- what create_task and fast_create_task answer with (an MCP caller's
-- create_task answer without pipeline_tree: mcp_apigw's exclude_responses)
local function created(self, ctx, project, task)
  local data = json.obj("task_id", task.id, "task_url", task_url(self, project, task.id),
    "pipeline_tree", not (ctx.api == "create_task" and base.is_mcp(ctx)) and task.compiled.tree or nil)
  if task.flow_type == "common_func" then
    data.function_task_claim_url = string.format("%staskflow/function/?instance_id=%d", self.sim.app_host, task.id)
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

-- CreateTaskInterceptor (iam_auth/view_interceptors/apigw/create_task.py),
-- for an app that is not whitelisted, after request_validate (so not for an
-- empty body) and before the view: template_source project or business
-- (the default when the key is missing) reads the TaskTemplate by id alone
-- (res_factory.resources_for_flow -> fetch_values, template_base/models.py:
-- 39-45), any other value (null included) the CommonTemplate; a miss is the
-- middleware's `TaskTemplate(id=N) does not exist.` or
-- `CommonTemplate(id=N) does not exist.`. IAM then decides: the simulator's
-- user holds flow_create_task on the templates of the project it names
-- only. Returns nil or the refusal.
local function create_task_iam(self, ctx, project)
  local body = parse_body(ctx)
  if self:is_trusted(ctx) or ctx.body_empty or not body then return nil end
  local source = body.template_source
  if source == nil then source = "project" end
  local t = self.engine.templates[ctx.ids.template_id]
  if source == "project" or source == "business" then
    if not t or t.common then
      return base.not_exist(ctx, string.format("TaskTemplate(id=%s) does not exist.", ctx.ids.template_id_raw))
    end
    if t.project_id and t.project_id ~= project.id then return base.iam_denied(ctx, "flow_create_task") end
  elseif not (t and t.common) then
    return base.not_exist(ctx, string.format("CommonTemplate(id=%s) does not exist.", ctx.ids.template_id_raw))
  end
end

function M.create_task(self, ctx, project)
  local refusal = create_task_iam(self, ctx, project)
  if refusal then return refusal end
  local task, resp = new_task(self, ctx, project)
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
  -- (prepare_and_start_task gets the caller's name: the task's executor;
  -- of two starts queued, the first runs)
  if not task.start_queued then task.starter = ctx.username end
  self.engine:queue_start(task)
  return task_url(self, project, task.id)
end

-- (start_task.py: the IAM look-up, the throttle, then is_task_started,
-- whose query has no is_deleted: a soft-deleted task starts; a miss is the
-- manager's own `TaskFlowInstance(id=N) does not exist.`)
function M.start_task(self, ctx, project)
  local refusal = self:iam_task(ctx) or throttled(self, ctx, project)
  if refusal then return refusal end
  local task, resp = self:view_task(ctx, project, base.task_id_not_found)
  if not task then return resp end
  local url = start_common(self, ctx, task, project)
  if type(url) ~= "string" then return url end
  return view_result(ctx, "task_url", url, "data", json.obj("task_url", url), "result", true, "code", SUCCESS)
end

local TASK_ACTIONS = {pause = "pause_task", resume = "resume_task", revoke = "revoke_task"}

-- (operate_task.py: the IAM look-up, the body, the throttle; `start` then
-- is is_task_started's (no is_deleted), every other action the view's
-- `.get(..., is_deleted=False)`, uncaught)
function M.operate_task(self, ctx, project)
  local refusal = self:iam_task(ctx)
  if refusal then return refusal end
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  refusal = throttled(self, ctx, project)
  if refusal then return refusal end
  local action = body.action
  local task, resp
  if action == "start" then
    task, resp = self:view_task(ctx, project, base.task_id_not_found)
  else
    task, resp = self:view_task(ctx, project, nil, true)
  end
  if not task then return resp end
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
  local refusal = self:iam_task(ctx)
  if refusal then return refusal end
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
  local task, resp = self:view_task(ctx, project, function()
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
  if not ok and err.escaped then
    -- (an exception outside the engine API: nodes_action's own answer)
    return fail(ctx, string.format("节点操作失败: 节点[ID: %s], 任务[ID: %d]操作失败: %s, 请重试. 如持续失败可联系管理员处理 | nodes_action",
      node.id, task.id, err.escaped), UNKNOWN)
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
  -- (TaskFlowInstance.callback catches nothing: the ORM's miss reaches the middleware)
  if not ok and err.escaped then return base.not_exist(ctx, err.escaped) end
  if not ok then return engine_refusal(ctx, err) end
  return view_result(ctx, "result", true, "message", "success", "code", SUCCESS)
end

local function flag(args, name)
  return args[name] ~= nil and args[name] ~= ""
end

-- TaskCommandDispatcher.CREATED_STATUS (dispatchers/task.py:70-78): the one
-- status of every task not started, which the views change in place (a
-- server's worker keeps it, changed, for its life; a reset is a restart)
local function created_status(self)
  if not self.created_status then self.created_status = status.shared_created() end
  return self.created_status
end

-- What the views answer when they add the node names to the status of an
-- expired task of engine v2 (add_node_name_to_status_tree reads
-- pipeline_instance.execution_data): bk-sops' cleaner
-- (contrib/cleaner/tasks.py clean_expired_v2_task_data) deleted its
-- execution snapshot, and the foreign key is null.
local NO_SNAPSHOT = "'NoneType' object has no attribute 'data'"

-- (get_task_status.py: the IAM look-up, then the view's own, which filters
-- is_deleted, so a soft-deleted task is this view's miss)
function M.get_task_status(self, ctx, project)
  return self:cached(ctx, 10, function()
    local task, resp = self:lookup_task(ctx, project, function()
      return fail(ctx, string.format("task[id=%d] get status error: TaskFlowInstance matching query does not exist.",
        ctx.ids.task_id), UNKNOWN)
    end, true)
    if not task then return resp end
    if task.expired and task.engine_ver ~= 1 then
      return fail(ctx, string.format("task[id=%d] add node name error: %s", task.id, NO_SNAPSHOT), UNKNOWN)
    end
    local data, err = status.tree(task, self.engine:now(), {
      created = created_status(self),
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
    -- (get_tasks_status.py:67-102: every task not started gets the one
    -- CREATED_STATUS, popped of its children and given the task's name in
    -- place: all of them read the last one's name, written at the end)
    local none_started, shared = created_status(self), {}
    for _, id in ipairs(ids) do
      local task = self.engine:find_task(id)
      if task and task.project == project then
        self.engine:advance(task)
        -- (the names are added outside any try: an AttributeError, a 500)
        if task.expired and task.engine_ver ~= 1 then return django_500() end
        local st
        if not task.expired and not task.is_started then
          if not children then none_started:pop_children() end
          none_started:set_name(task.name)
        else
          st = status.tree(task, now, {shallow = not children})
          if not children then st.children = nil end
        end
        data[#data + 1] = json.obj("id", task.id, "name", task.name, "status", st or none_started,
          "flow_type", task.flow_type, "current_flow", task.current_flow, "is_deleted", task.deleted,
          "create_time", fmt(task.create_time), "start_time", fmt(task.start_time),
          "finish_time", fmt(task.finish_time), "url", task_url(self, project, task.id))
        if not st then shared[#shared + 1] = data[#data] end
      end
    end
    if #shared > 0 then
      local st = none_started:object()
      for _, item in ipairs(shared) do item.status = st end
    end
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end, function() return true end)
end

-- gcloud/utils/pipeline_tree_trimmer.py trim_pipeline_tree, on a tree as
-- json.decode_ordered reads it (each object's keys in their order)
local function odict() return setmetatable({}, {__order = {}}) end
local function oset(d, k, v)
  local keys = getmetatable(d).__order
  if d[k] == nil then keys[#keys + 1] = k end
  d[k] = v
end
local function set_of(list)
  local t = {}
  for _, k in ipairs(list) do t[k] = true end
  return t
end
local ACTIVITY_KEEP = set_of({"id", "type", "name", "component", "pipeline", "stage_name", "retryable", "skippable",
  "error_ignorable", "auto_retry", "source_info"})
local SUBPROCESS_KEEP = set_of({"id", "type", "name", "component", "pipeline", "stage_name", "retryable", "skippable",
  "error_ignorable", "auto_retry", "source_info", "template_id", "template_source", "version", "hooked_constants"})
local GATEWAY_KEEP = set_of({"id", "type", "name", "conditions", "default_condition", "converge_gateway_id"})
local CONSTANT_KEEP = set_of({"key", "name", "desc", "source_type", "custom_type", "value", "source_tag",
  "source_info"})
local DATA_BLACKLIST = set_of({"button_refresh", "button_refresh_2", "button_refresh_3", "ip_is_exist",
  "is_tagged_ip", "need_log_outputs_even_fail", "job_rolling_config", "\u{a9}"})

local function unwrap_hook(v)
  if is_object(v) and v.value ~= nil and v.hook ~= nil then return v.value end
  return v
end
local function is_empty(v)
  return v == "" or v == json.null or (type(v) == "table" and next(v) == nil)
end

local trim_tree
local function trim_component(c)
  local out = odict()
  oset(out, "code", c.code == nil and "" or c.code)
  if c.version ~= nil then oset(out, "version", c.version) end
  if is_object(c.data) then
    local data = odict()
    for _, k in ipairs(json.keys(c.data)) do
      local v = unwrap_hook(c.data[k])
      if not DATA_BLACKLIST[k] and not is_empty(v) then oset(data, k, v) end
    end
    oset(out, "data", data)
  end
  return out
end
local function each(d, fn)
  local out = odict()
  for _, k in ipairs(json.keys(d)) do
    local v = fn(d[k])
    if v ~= nil then oset(out, k, v) end
  end
  return out
end
local function keep_fields(d, keep, fn)
  local out = odict()
  for _, k in ipairs(json.keys(d)) do
    if keep[k] then oset(out, k, fn and fn(k, d[k]) or d[k]) end
  end
  return out
end
trim_tree = function(tree)
  local out = odict()
  for _, key in ipairs(json.keys(tree)) do
    local v = tree[key]
    if key == "line" or key == "location" then -- luacheck: ignore 542
    elseif key == "activities" and is_object(v) then
      oset(out, key, each(v, function(act)
        local keep = is_object(act) and act.type == "SubProcess" and SUBPROCESS_KEEP or ACTIVITY_KEEP
        return keep_fields(act, keep, function(field, x)
          if field == "pipeline" and is_object(x) then return trim_tree(x) end
          if field == "component" and is_object(x) then return trim_component(x) end
          return x
        end)
      end))
    elseif key == "gateways" and is_object(v) then
      oset(out, key, each(v, function(gw) return keep_fields(gw, GATEWAY_KEEP) end))
    elseif key == "flows" and is_object(v) then
      oset(out, key, each(v, function(fl)
        if fl.source == nil or fl.target == nil then return nil end
        local entry = odict()
        oset(entry, "source", fl.source)
        oset(entry, "target", fl.target)
        if fl.is_default and fl.is_default ~= json.null and fl.is_default ~= 0 and fl.is_default ~= "" then
          oset(entry, "is_default", true)
        end
        return entry
      end))
    elseif (key == "start_event" or key == "end_event") and is_object(v) then
      local ev = odict()
      for _, f in ipairs({"id", "type", "name"}) do oset(ev, f, v[f] == nil and "" or v[f]) end
      oset(out, key, ev)
    elseif key == "constants" and is_object(v) then
      oset(out, key, each(v, function(c)
        if not is_object(c) then return c end
        local entry = odict()
        for _, f in ipairs(json.keys(c)) do
          local x = f == "value" and unwrap_hook(c[f]) or c[f]
          if CONSTANT_KEEP[f] and not is_empty(x) then oset(entry, f, x) end
        end
        return entry
      end))
    else
      oset(out, key, v)
    end
  end
  return out
end

-- get_task_detail's mcp_apigw (decorators.py 262-345), around the cached
-- view: for an MCP caller the answer is read back (ujson.loads) and written
-- again without data.task_webhook_history, and without data.pipeline_tree
-- unless include_pipeline_tree is true ("true", "1" or "yes", any case),
-- which trims it instead (trim_pipeline_tree)
local function mcp_task_detail(ctx, resp)
  if not base.is_mcp(ctx) or resp[1] ~= 200 then return resp end
  local doc = json.decode_ordered(resp[3])
  if not is_object(doc) then return resp end
  local data = doc.data
  if is_object(data) and data.pipeline_tree ~= nil then
    local include = ctx.args.include_pipeline_tree
    if include ~= nil and ({["true"] = true, ["1"] = true, ["yes"] = true})[include:lower()] then
      data.pipeline_tree = is_object(data.pipeline_tree) and trim_tree(data.pipeline_tree) or data.pipeline_tree
    else
      data.pipeline_tree = nil
    end
  end
  if is_object(data) then data.task_webhook_history = nil end
  return {resp[1], resp[2], json.encode_django(doc)}
end

function M.get_task_detail(self, ctx, project)
  return mcp_task_detail(ctx, self:cached(ctx, 60, function()
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
  end, function() return true end))
end

-- Whether get_node_detail_v2 finds the node where subprocess_stack leads
-- (dispatchers/node.py:235-251 _get_node_info): each id of the stack a
-- SubProcess of the pipeline reached so far, the node one of the last
-- one's. (A falsy stack is []; any other miss is a KeyError or TypeError,
-- uncaught.)
local function stack_leads_to(task, node, stack)
  if stack == json.null or stack == false or stack == 0 or stack == "" or (type(stack) == "table" and next(stack) == nil) then
    return node.pipeline == task.root -- (no stack: a node of the root's own)
  end
  if not is_list(stack) then return false end
  local pdef = task.root
  for _, id in ipairs(stack) do
    local sub = type(id) == "string" and task.compiled.nodes[id]
    if not (sub and sub.pipeline == pdef and sub.type == "SubProcess") then return false end
    pdef = sub.sub
  end
  return node.pipeline == pdef
end

-- (get_task_node_detail.py: the IAM look-up, the view's own, which serves
-- a soft-deleted task, then subprocess_stack: a text ujson cannot read,
-- an empty one included, is refused)
function M.get_task_node_detail(self, ctx, project)
  local task, resp = self:lookup_task(ctx, project, function()
    return fail(ctx, string.format("[API] get_task_node_detail task[id=%d] of project[project_id=%d, biz_id%s] does not exist",
      ctx.ids.task_id, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
  end)
  if not task then return resp end
  local stack = json.decode(ctx.args.subprocess_stack or "[]")
  if stack == nil then return fail(ctx, "subprocess_stack is not a valid array json", UNKNOWN) end
  local node_id = ctx.args.node_id
  local node = node_id and task.compiled.nodes[node_id]
  if not node then
    return view_result(ctx, "result", false, "data", json.obj(),
      "message", string.format("节点状态请求失败: 任务[ID: %d]中未找到节点[ID: %s]. 请重试. 如持续失败可联系管理员处理 | get_node_detail",
        task.id, node_id or "None"), "code", PARAM_INVALID)
  end
  if task.engine_ver ~= 1 and not stack_leads_to(task, node, stack) then return django_500() end
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
  -- (request_validate, a decorator, before the view's throttle)
  local body, refused = validated_body(ctx)
  if not body then return refused end
  local refusal = throttled(self, ctx, project)
  if refusal then return refusal end
  local task, resp = new_task(self, ctx, project)
  if not task then return resp end
  -- (the worker starts it as the caller: its executor)
  task.starter = ctx.username
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

-- times as Django's JSON encoder writes a datetime the database gives
-- (DjangoJSONEncoder: isoformat() in UTC, the microseconds cut to
-- milliseconds, +00:00 written Z; no fraction at all for a whole second)
local function iso(t)
  if not t then return json.null end
  local s = math.floor(t)
  local us = math.floor((t - s) * 1e6)
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. (us > 0 and string.format(".%03d", us // 1000) or "") .. "Z"
end

-- a time of format_task_info_data (gcloud/apigw/views/utils.py): with an
-- expected_timezone, format_datetime in it ("" for none), else the
-- datetime itself
local function info_time(ctx, t)
  local zone = ctx and ctx.args.expected_timezone
  if zone ~= nil and zone ~= "" then return base.format_in_zone(t, zone) end
  return iso(t)
end

local TASK_AUTH_ACTIONS = {"task_view", "task_edit", "task_operate", "task_claim", "task_delete", "task_clone"}

-- format_task_info_data: `category` is its display name (category_name,
-- in the request's language); a task's category is its template's
-- (TaskTemplate's default, Default)
local function task_item(t, project, ctx)
  return json.obj("id", t.id, "name", t.name, "category", base.category_name(ctx, t.template.category or "Default"),
    "create_method", t.create_method, "creator", t.creator, "executor", t.executor,
    "start_time", info_time(ctx, t.start_time), "finish_time", info_time(ctx, t.finish_time),
    "is_started", t.is_started,
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
  for i, t in ipairs(page) do data[i] = task_item(t, project, ctx) end
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
  -- (the view catches its own look-up's DoesNotExist)
  local t, body, resp = task_and_body(self, ctx, project, "request body is not a valid json", function()
    return fail(ctx, "claim_functionalization_task fail: TaskFlowInstance matching query does not exist.", UNKNOWN)
  end)
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
    local item = task_item(t, t.project, ctx)
    item.auth_actions = nil
    local zoned = ctx.args.expected_timezone ~= nil and ctx.args.expected_timezone ~= ""
    data[i] = json.obj("id", t.id, "name", t.name, "creator", t.creator, "rejecter", "",
      "claimant", t.claimant or "", "predecessor", "", "create_time", info_time(ctx, t.create_time),
      "claim_time", info_time(ctx, t.claim_time), "reject_time", zoned and "" or json.null,
      "transfer_time", zoned and "" or json.null,
      "status", st, "task", item)
  end
  return view_result(ctx, "result", true, "data", data, "count", count, "code", SUCCESS)
end

local OPERATE_NAMES = {create = "创建", start = "执行"}

function M.get_task_operate_record(self, ctx, project)
  -- (the IAM look-up, then no look-up of the task: the records of the
  -- project and id, a soft-deleted task's too; none for a task it has not)
  local refusal = self:iam_task(ctx)
  if refusal then return refusal end
  local t = self:view_task(ctx, project, function() end)
  local data = json.array()
  if t and (not ctx.args.node_id or ctx.args.node_id == "") then
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
  -- (effective_time_for_task, analysis_statistics/service.py:856-880: the
  -- IAM look-up, then the task of the project, not deleted)
  local t, resp = self:lookup_task(ctx, project, function()
    return fail(ctx, string.format("task[id=%s] does not exist", ctx.ids.task_id_raw), NOT_EXIST)
  end, true)
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
  local t, resp = self:lookup_task(ctx, project, function()
    return bare_result(ctx, "result", false, "message",
      string.format("[API] %s task[id=%s] of project[project_id=%d, biz_id=%s] does not exist", ctx.api,
        ctx.ids.task_id_raw, project.id, tostring(project.bk_biz_id)), "code", NOT_EXIST)
  end)
  if not t then return nil, nil, resp end
  local node_id = ctx.args.node_id
  if node_id == nil or node_id == "" then
    return nil, nil, base.bare_drf(ctx, "result", false, "message",
      string.format("[API] %s node_id is required", ctx.api), "code", PARAM_INVALID)
  end
  local node = t.compiled.nodes[node_id]
  if not node then
    return nil, nil, base.bare_drf(ctx, "result", false, "message",
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
  return base.respond_drf(json.obj("result", true, "message", "success", "data", text, "page", json.obj()))
end

function M.get_task_plugin_log(self, ctx, project)
  local t, _, refusal = task_and_node(self, ctx, project)
  if not t then return refusal end
  return base.respond_drf(json.obj("result", true, "message", json.null, "data",
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
    return base.bare_drf(ctx, "result", false, "message",
      string.format("[API] get_node_job_executed_log execution data not found for node_id: %s", node.id),
      "code", NOT_EXIST)
  end
  if not (node.step and JOB_COMPONENTS[node.step.component]) then
    return base.respond_drf(json.obj("result", false, "message", string.format("调用作业平台(JOB)接口"
      .. "jobv3.get_job_instance_status返回失败, error=job_instance_id is invalid, params={\"bk_scope_type\": "
      .. "\"biz\", \"bk_scope_id\": \"%s\", \"bk_biz_id\": %s, \"job_instance_id\": null, "
      .. "\"return_ip_result\": true}", tostring(project.bk_biz_id), tostring(project.bk_biz_id)), "logs", ""))
  end
  return base.respond_drf(json.obj("result", true, "message", "success", "logs",
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
    return {400, {{"Content-Type", "application/json"}}, json.encode_django(json.obj("result", false, "message",
      "节点回调失败: 无效的请求, 请重试. 如持续失败可联系管理员处理. | node_callback"))}
  end
  return {400, {{"Content-Type", "application/json"}},
    json.encode_django(json.obj("result", false, "message", "invalid token"))}
end

return M
