-- The bk-sops side of the simulator: the apigw views with the checks of
-- protocol §1.3 in their real order, their refusal texts and codes, and the
-- response envelopes of §3.1. A view gets a context
--   {api, method, args (query), body (raw), ids, username, app_code, trace_id}
-- and returns a response {status, headers, body}.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local status = require "sops.sim.status"

local M = {}

M.WHITELIST = {
  bk_fta = true, bk_bcs = true, bk_datainstaller = true, bk_dataadmin = true,
  bk_sops = true, bk_paas = true, bk_monitorv3 = true,
}

local SUCCESS, PARAM_INVALID, NOT_EXIST, INVALID_OP, UNKNOWN = 0, 3540000, 3540400, 3545000, 3599999

local Views = {}
Views.__index = Views

-- sim: {engine, clock, config, app_host}
function M.new(sim)
  return setmetatable({sim = sim, engine = sim.engine, cache = {}}, Views)
end

local function respond(body)
  local headers = {{"Content-Type", "application/json"}}
  if body.trace_id then headers[#headers + 1] = {"Sops-Trace-Id", body.trace_id} end
  return {200, headers, json.encode(body)}
end

-- A response built by the view (it carries trace_id).
local function view_result(ctx, ...)
  local body = json.obj(...)
  body.trace_id = ctx.trace_id
  return respond(body)
end

-- A response built by a decorator or middleware (no trace_id).
local function bare_result(_, ...)
  return respond(json.obj(...))
end

local function fail(ctx, message, code)
  return view_result(ctx, "result", false, "message", message, "code", code)
end

local function traceback(err)
  local fn = err.fn or "wrapper"
  return table.concat({
    "fail: Traceback (most recent call last):\n",
    '  File "/app/.heroku/python/lib/python3.11/site-packages/bamboo_engine/api.py", line 68, in wrapper\n',
    "    data = func(*args, **kwargs)\n",
    "           ^^^^^^^^^^^^^^^^^^^^^\n",
    '  File "/app/.heroku/python/lib/python3.11/site-packages/bamboo_engine/engine.py", line 299, in ', fn, "\n",
    "    raise ", err.exc:match("[%w_]+$"), "(...)\n",
    err.exc, ": ", err.text, "\n",
  })
end

local function engine_refusal(ctx, err)
  return view_result(ctx, "result", false, "message", traceback(err), "code", UNKNOWN)
end

local function task_url(self, project, task_id)
  return string.format("%staskflow/execute/%d/?instance_id=%d", self.sim.app_host, project.id, task_id)
end

local function fmt(t) return util.format_time(t) or "" end

local function is_object(v)
  return type(v) == "table" and not json.is_array(v)
end

-- a JSON array (an empty one decodes as an empty table)
local function is_list(v)
  return type(v) == "table" and (next(v) == nil or json.is_array(v))
end

-- whether the query's subprocess_stack, when given, is not a JSON array
local function bad_stack(ctx)
  local stack = ctx.args.subprocess_stack
  return stack ~= nil and stack ~= "" and not is_list(json.decode(stack))
end

---------------------------------------------------------------------------
-- the checks every view goes through

local function parse_body(ctx)
  if ctx.body_parsed ~= nil then return ctx.body_parsed end
  if ctx.body:match("^%s*$") then
    ctx.body_empty = true
    ctx.body_parsed = {}
    return ctx.body_parsed
  end
  local v = json.decode(ctx.body)
  if type(v) ~= "table" or json.is_array(v) then
    ctx.body_parsed = false
    return false
  end
  ctx.body_parsed = v
  return v
end

-- project_inject: returns project, or nil plus a response
function Views:inject_project(ctx)
  local scope
  if ctx.method == "GET" then
    scope = ctx.args.scope
  else
    local body = parse_body(ctx)
    if not body then
      return nil, bare_result(ctx, "result", false, "message", "invalid param format", "code", PARAM_INVALID)
    end
    scope = body.scope
  end
  -- (decorators.py: .get("scope", CMDB_BIZ), so the default is only for a
  -- missing key; "" or null is another scope: the project by its id)
  if scope == nil then scope = "cmdb_biz" end
  scope = scope == json.null and "None" or tostring(scope)
  local id = ctx.ids.bk_biz_id
  for _, p in ipairs(self.sim.projects) do
    if (scope == "cmdb_biz" and p.bk_biz_id == id and p.from_cmdb) or (scope ~= "cmdb_biz" and p.id == id) then
      return p
    end
  end
  return nil, bare_result(ctx, "result", false,
    "message", string.format("project(%s) with scope(%s) does not exist.", ctx.ids.bk_biz_id_raw, scope),
    "code", NOT_EXIST)
end

local function middleware_not_found(ctx, task_id)
  return bare_result(ctx, "result", false,
    "message", string.format("数据不存在错误: 数据不存在错误, 错误内容 TaskFlowInstance(id=%d) does not exist. | process_exception", task_id),
    "data", json.null, "code", NOT_EXIST)
end

-- Whether the calling app is whitelisted (mark_request_whether_is_trust).
function Views:is_trusted(ctx)
  return M.WHITELIST[ctx.app_code] or self.sim.config.whitelist[ctx.app_code] or false
end

-- Looks the task up as the IAM interceptor and then the view do. `trusted_fail`
-- builds the view's own message for whitelisted apps.
function Views:lookup_task(ctx, project, trusted_fail)
  local id = ctx.ids.task_id
  local task = self.engine:find_task(id)
  local trusted = self:is_trusted(ctx)
  if not trusted or not trusted_fail then
    if not task or task.deleted then return nil, middleware_not_found(ctx, id) end
  end
  if not task or task.deleted or task.project ~= project then
    if trusted_fail then return nil, trusted_fail() end
    return nil, middleware_not_found(ctx, id)
  end
  self.engine:advance(task)
  return task
end

---------------------------------------------------------------------------
-- caching (§6.6), off unless config.cache is set; keyed on simulated time

function Views:cached(ctx, ttl, produce, keep)
  if not self.sim.config.cache then return produce() end
  local key = table.concat({ctx.path, ctx.username, ctx.sorted_query or "", ctx.body or ""}, "\0")
  local now = self.sim.clock:now()
  local hit = self.cache[key]
  if hit and now < hit.expires then return hit.response end
  local response = produce()
  if keep(response) then self.cache[key] = {expires = now + ttl, response = response} end
  return response
end

function Views:clear_cache()
  self.cache = {}
end

---------------------------------------------------------------------------
-- the views

local NAME_MAX = 100

local function py_repr(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  if v == json.null then return "None" end
  if type(v) == "boolean" then return v and "True" or "False" end
  if type(v) == "table" then return json.encode(v) end
  return tostring(v)
end

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
function Views:new_task(ctx, project, project_source, record_version)
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
  for k, v in pairs(body.constants or {}) do constants[k] = v end
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

function Views:create_task(ctx, project)
  local task, resp = self:new_task(ctx, project, {project = true, business = true}, true)
  if not task then return resp end
  return created(self, ctx, project, task)
end

local function start_common(self, ctx, task, project)
  if task.is_started then
    return fail(ctx, "task already started", INVALID_OP)
  end
  self.engine:queue_start(task)
  return task_url(self, project, task.id)
end

function Views:start_task(ctx, project)
  local task, resp = self:lookup_task(ctx, project)
  if not task then return resp end
  local url = start_common(self, ctx, task, project)
  if type(url) ~= "string" then return url end
  return view_result(ctx, "task_url", url, "data", json.obj("task_url", url), "result", true, "code", SUCCESS)
end

local TASK_ACTIONS = {pause = "pause_task", resume = "resume_task", revoke = "revoke_task"}

function Views:operate_task(ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local task, resp = self:lookup_task(ctx, project)
  if not task then return resp end
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


function Views:operate_node(ctx, project)
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

function Views:node_callback(ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local task, resp = self:lookup_task(ctx, project, function()
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

function Views:get_task_status(ctx, project)
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
      with_auto_retry_status = flag(ctx.args, "with_auto_retry_status"),
    })
    if not data then return fail(ctx, err, UNKNOWN) end
    ctx.cacheable = data.state ~= "CREATED"
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS, "message", "")
  end, function() return ctx.cacheable end)
end

-- DRF's BooleanField (rest_framework/fields.py): strings in any case
local BOOLS = {
  ["true"] = true, ["t"] = true, ["1"] = true, ["yes"] = true, ["y"] = true, ["on"] = true,
  ["false"] = false, ["f"] = false, ["0"] = false, ["no"] = false, ["n"] = false, ["off"] = false,
}
local function drf_bool(v)
  if type(v) == "boolean" then return v end
  if v == 1 then return true elseif v == 0 then return false end
  if type(v) == "string" then return BOOLS[v:lower()] end
  return nil
end

-- timezone_inject (gcloud/apigw/decorators.py) on the list views, after
-- project_inject: an expected_timezone pytz does not know is refused by
-- the decorator itself (no trace_id). pytz looks names up in any case; the
-- simulator knows the common zones and Etc/GMT+-N.
local TIMEZONE_VIEWS = {
  get_template_list = true, get_common_template_list = true, get_task_list = true, get_task_count = true,
  get_periodic_task_list = true, get_clocked_task_list = true, get_functionalization_task_list = true,
}
local ZONES = {}
for _, z in ipairs({"UTC", "GMT", "Etc/UTC", "Etc/GMT", "Asia/Shanghai", "Asia/Chongqing", "Asia/Hong_Kong",
    "Asia/Taipei", "Asia/Tokyo", "Asia/Seoul", "Asia/Singapore", "Asia/Kolkata", "Asia/Dubai", "Europe/London",
    "Europe/Paris", "Europe/Berlin", "Europe/Moscow", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/Sao_Paulo", "Australia/Sydney", "Pacific/Auckland", "PRC"}) do
  ZONES[z:lower()] = true
end
for n = -14, 12 do
  if n ~= 0 then ZONES[string.format("etc/gmt%+d", n)] = true end
end

local function bad_timezone(ctx)
  local tz = ctx.args.expected_timezone
  if tz == nil or tz == "" or ZONES[tz:lower()] then return nil end
  return bare_result(ctx, "result", false, "data", "", "message", "expected_timezone " .. tz .. " is unknown.",
    "code", 3546100)
end

local function django_500()
  return {500, {{"Content-Type", "text/html"}},
    "<!doctype html>\n<html lang=\"en\">\n<head><title>Server Error (500)</title></head>\n"
      .. "<body><h1>Server Error (500)</h1><p></p></body>\n</html>\n"}
end

function Views:get_tasks_status(ctx, project)
  return self:cached(ctx, 10, function()
    local body = parse_body(ctx)
    if ctx.body_empty then return fail(ctx, "request body is not a valid json", PARAM_INVALID) end
    local list = body.task_id_list
    if list == nil then list = {} end
    if not is_list(list) then
      return fail(ctx, "task_id_list must be a list", PARAM_INVALID)
    end
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

function Views:get_task_detail(ctx, project)
  return self:cached(ctx, 60, function()
    local task, resp = self:lookup_task(ctx, project, function()
      return fail(ctx, string.format("[API] get_task_detail task[id=%d] of project[project_id=%d, biz_id%s] does not exist",
        ctx.ids.task_id, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
    end)
    if not task then return resp end
    local now = self.engine:now()
    local outputs = json.array()
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

function Views:get_task_node_detail(ctx, project)
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

-- The body of a view behind request_validate (gcloud/apigw/decorators.py):
-- the parsed body, or nil and its refusal of an empty one (a body that is
-- not a JSON object never gets here: project_inject refused it).
local function validated_body(ctx)
  local body = parse_body(ctx)
  if ctx.body_empty then
    return nil, bare_result(ctx, "result", false, "message", "非法请求: 数据错误, 请求不是合法的Json格式 | validate",
      "data", json.null, "code", PARAM_INVALID)
  end
  return body
end

-- paginate_list_data (gcloud/apigw/views/utils.py): offset (default 0)
-- and limit (default 100, at most 200) from the query; count is the total
-- before the slice. A negative or non-integer one raises in the view, whose
-- error answer cannot be serialised: a server error. Returns page, count
-- or nil, response.
local function paginate(ctx, list)
  local function int_arg(name, default)
    local v = ctx.args[name]
    if v == nil or v == "" then return default end
    if not v:match("^%s*[+-]?%d+%s*$") then return nil end
    return math.tointeger(tonumber(v))
  end
  local offset, limit = int_arg("offset", 0), int_arg("limit", 100)
  if not offset or not limit or offset < 0 or limit < 0 then return nil, nil, django_500() end
  if limit > 200 then limit = 200 end
  local page = {}
  for i = offset + 1, math.min(#list, offset + limit) do page[#page + 1] = list[i] end
  return page, #list
end

-- Runs the bk-sops chain for a request that passed the gateway or ESB:
-- project_inject for the views of a project, then the view.
function Views:dispatch(ctx)
  local project
  if ctx.ids.bk_biz_id then
    local resp
    project, resp = self:inject_project(ctx)
    if not project then return resp end
  end
  if TIMEZONE_VIEWS[ctx.api] then
    local refusal = bad_timezone(ctx)
    if refusal then return refusal end
  end
  return self[ctx.api](self, ctx, project)
end

M.respond = respond

-- What the other view modules share with these.
M.base = {
  json = json, util = util, status = status, respond = respond, view_result = view_result,
  bare_result = bare_result, fail = fail, parse_body = parse_body, drf_bool = drf_bool, fmt = fmt,
  task_url = task_url, engine_refusal = engine_refusal, py_repr = py_repr, is_object = is_object,
  flag = flag, django_500 = django_500, start_common = start_common,
  validate_create = validate_create, validated_body = validated_body,
  is_list = is_list, bad_stack = bad_stack, paginate = paginate, created = created,
  SUCCESS = SUCCESS, PARAM_INVALID = PARAM_INVALID, NOT_EXIST = NOT_EXIST, INVALID_OP = INVALID_OP,
  UNKNOWN = UNKNOWN,
}
for _, name in ipairs({"sops.sim.views_tasks", "sops.sim.views_templates", "sops.sim.views_periodic",
  "sops.sim.views_other"}) do
  require(name)(Views, M.base)
end

return M
