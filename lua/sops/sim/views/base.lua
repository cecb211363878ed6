-- What the simulator's views share: the response envelopes of protocol
-- §3.1, the checks of §1.3 every view goes through in their real order
-- (project_inject, the IAM lookup of a task, timezone_inject), the caching
-- of §6.6, and the Views object a view gets as `self`.
--
-- A view is handler(self, ctx, project): self the Views object, ctx
--   {api, method, args (query), body (raw), ids, username, app_code, trace_id,
--   request_path (the path as requested, for faults), tenant_id (a
--   multi-tenant server's X-Bk-Tenant-Id, else nil), system (true when
--   called through the resource's app-state twin)}
-- and project the one project_inject found (nil for a view of no project).
-- It returns a response {status, headers, body}. The views themselves are
-- in the group modules beside this one; sops.sim.views puts them together.
local json = require "sops.sim.json"
local util = require "sops.sim.util"

local M = {}

M.WHITELIST = {
  bk_fta = true, bk_bcs = true, bk_datainstaller = true, bk_dataadmin = true,
  bk_sops = true, bk_paas = true, bk_monitorv3 = true,
}

M.SUCCESS, M.PARAM_INVALID, M.NOT_EXIST, M.INVALID_OP, M.UNKNOWN = 0, 3540000, 3540400, 3545000, 3599999

-- the tenant of the projects that name none (a multi-tenant BlueKing's
-- operating tenant)
M.DEFAULT_TENANT = "system"
local PARAM_INVALID, NOT_EXIST, UNKNOWN = M.PARAM_INVALID, M.NOT_EXIST, M.UNKNOWN

---------------------------------------------------------------------------
-- responses

local function respond(body)
  local headers = {{"Content-Type", "application/json"}}
  if body.trace_id then headers[#headers + 1] = {"Sops-Trace-Id", body.trace_id} end
  return {200, headers, json.encode(body)}
end
M.respond = respond

-- A response built by the view (it carries trace_id).
local function view_result(ctx, ...)
  local body = json.obj(...)
  body.trace_id = ctx.trace_id
  return respond(body)
end
M.view_result = view_result

-- A response built by a decorator or middleware (no trace_id).
local function bare_result(_, ...)
  return respond(json.obj(...))
end
M.bare_result = bare_result

local function fail(ctx, message, code)
  return view_result(ctx, "result", false, "message", message, "code", code)
end
M.fail = fail

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

-- A refusal of the engine's (sops.sim.engine) as the view answers it.
function M.engine_refusal(ctx, err)
  return view_result(ctx, "result", false, "message", traceback(err), "code", UNKNOWN)
end

-- An uncaught exception in a view: Django's own page.
function M.django_500()
  return {500, {{"Content-Type", "text/html"}},
    "<!doctype html>\n<html lang=\"en\">\n<head><title>Server Error (500)</title></head>\n"
      .. "<body><h1>Server Error (500)</h1><p></p></body>\n</html>\n"}
end

---------------------------------------------------------------------------
-- values as the views read and write them

function M.fmt(t) return util.format_time(t) or "" end

function M.is_object(v)
  return type(v) == "table" and not json.is_array(v)
end

-- a JSON array (an empty one decodes as an empty table)
function M.is_list(v)
  return type(v) == "table" and (next(v) == nil or json.is_array(v))
end

-- a value as Python's repr() writes it in jsonschema's messages
function M.py_repr(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  if v == json.null then return "None" end
  if type(v) == "boolean" then return v and "True" or "False" end
  if type(v) == "table" then return json.encode(v) end
  return tostring(v)
end

-- DRF's BooleanField (rest_framework/fields.py): strings in any case
local BOOLS = {
  ["true"] = true, ["t"] = true, ["1"] = true, ["yes"] = true, ["y"] = true, ["on"] = true,
  ["false"] = false, ["f"] = false, ["0"] = false, ["no"] = false, ["n"] = false, ["off"] = false,
}
function M.drf_bool(v)
  if type(v) == "boolean" then return v end
  if v == 1 then return true elseif v == 0 then return false end
  if type(v) == "string" then return BOOLS[v:lower()] end
  return nil
end

-- The request's body as a table, parsed once: {} for an empty one (with
-- ctx.body_empty set), false for one that is not a JSON object.
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
M.parse_body = parse_body

-- The list a view takes from its JSON body: body[key] ({} when missing),
-- and the body; or nil, nil and the view's refusal of an empty body or of
-- a value that is not a list (not_list: the view's message for that).
function M.body_list(ctx, key, not_list)
  local body = parse_body(ctx)
  if ctx.body_empty then return nil, nil, fail(ctx, "request body is not a valid json", PARAM_INVALID) end
  local list = body[key]
  if list == nil then list = {} end
  if not M.is_list(list) then return nil, nil, fail(ctx, not_list, PARAM_INVALID) end
  return list, body
end

-- The body of a view behind request_validate (gcloud/apigw/decorators.py):
-- the parsed body, or nil and its refusal of an empty one (a body that is
-- not a JSON object never gets here: project_inject refused it).
function M.validated_body(ctx)
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
function M.paginate(ctx, list)
  local function int_arg(name, default)
    local v = ctx.args[name]
    if v == nil or v == "" then return default end
    if not v:match("^%s*[+-]?%d+%s*$") then return nil end
    return math.tointeger(tonumber(v))
  end
  local offset, limit = int_arg("offset", 0), int_arg("limit", 100)
  if not offset or not limit or offset < 0 or limit < 0 then return nil, nil, M.django_500() end
  if limit > 200 then limit = 200 end
  local page = {}
  for i = offset + 1, math.min(#list, offset + limit) do page[#page + 1] = list[i] end
  return page, #list
end

---------------------------------------------------------------------------
-- the Views object: the checks every view goes through

local Views = {}
Views.__index = Views

-- sim: {engine, clock, config, app_host, projects}; handlers: api name ->
-- view, one for every route (sops.sim.views makes sure of it)
function M.new(sim, handlers)
  return setmetatable({sim = sim, engine = sim.engine, cache = {}, handlers = handlers}, Views)
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
    if ((scope == "cmdb_biz" and p.bk_biz_id == id and p.from_cmdb) or (scope ~= "cmdb_biz" and p.id == id))
        and self:same_tenant(ctx, p) then
      return p
    end
  end
  return nil, bare_result(ctx, "result", false,
    "message", string.format("project(%s) with scope(%s) does not exist.", ctx.ids.bk_biz_id_raw, scope),
    "code", NOT_EXIST)
end

-- ObjectDoesNotExistExceptionMiddleware's answer to a lookup that raised
-- DoesNotExist(text), e.g. "TaskFlowInstance(id=3) does not exist."
local function not_exist(ctx, text)
  return bare_result(ctx, "result", false,
    "message", string.format("数据不存在错误: 数据不存在错误, 错误内容 %s | process_exception", text),
    "data", json.null, "code", NOT_EXIST)
end
M.not_exist = not_exist

local function middleware_not_found(ctx, task_id)
  return not_exist(ctx, string.format("TaskFlowInstance(id=%d) does not exist.", task_id))
end

-- An IAM interceptor's refusal (allow_or_raise_auth_failed), as
-- return_json_response answers it: with data null and the trace_id.
function M.iam_denied(ctx, action)
  return view_result(ctx, "result", false, "data", json.null,
    "message", "iam authentication exception, please check, action:" .. action, "code", UNKNOWN)
end

-- Whether the caller may see a project: always on a single-tenant server;
-- on a multi-tenant one, a project of the tenant the request names
-- (X-Bk-Tenant-Id, ctx.tenant_id). bk-sops' dev_multi_tenant filters what
-- each view reads by project__tenant_id; the simulator answers a project of
-- another tenant as project_inject answers one that does not exist.
function Views:same_tenant(ctx, project)
  return ctx.tenant_id == nil or (project.tenant_id or M.DEFAULT_TENANT) == ctx.tenant_id
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
  return self.handlers[ctx.api](self, ctx, project)
end

return M
