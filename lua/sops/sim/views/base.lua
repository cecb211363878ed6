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

-- A JsonResponse (every view, decorator and middleware answer but the
-- DRF ones): written as Django writes it (ensure_ascii, ", " and ": ").
-- Its Sops-Trace-Id header is TraceIDInjectMiddleware's, added on the way
-- out to every application/json answer (routes.lua).
local function respond(body)
  return {200, {{"Content-Type", "application/json"}}, json.encode_django(body)}
end
M.respond = respond

-- A DRF Response (the log views, gcloud/apigw/log_auth.py and
-- get_*_log.py): JSONRenderer with bk-sops' settings, compact and UTF-8.
local function respond_drf(body)
  return {200, {{"Content-Type", "application/json"}}, json.encode_drf(body)}
end
M.respond_drf = respond_drf

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

-- A DRF Response built by the view (no trace_id).
function M.bare_drf(_, ...)
  return respond_drf(json.obj(...))
end

local function fail(ctx, message, code)
  return view_result(ctx, "result", false, "message", message, "code", code)
end
M.fail = fail

local SITE_PACKAGES = "/app/.heroku/python/lib/python3.11/site-packages/"

-- frames: {file under site-packages, line, function, code}
local function add_frames(out, frames)
  for _, f in ipairs(frames) do
    out[#out + 1] = string.format('  File "%s%s", line %d, in %s\n    %s\n', SITE_PACKAGES, f[1], f[2], f[3], f[4])
  end
end

-- The exception's line: Python writes an exception without arguments by
-- its name alone.
local function exception_line(exc, text)
  return text and (exc .. ": " .. text) or exc
end

-- err: {exc, text (nil: none), fn, frames (below the API wrapper's; by
-- default a raise in engine.py's fn), context (an exception being handled
-- when err was raised: {exc, text, frames})}
local function traceback(err)
  local out = {"fail: "}
  local context = err.context
  if context then
    out[#out + 1] = "Traceback (most recent call last):\n"
    add_frames(out, context.frames)
    out[#out + 1] = exception_line(context.exc, context.text)
      .. "\n\nDuring handling of the above exception, another exception occurred:\n\n"
  end
  out[#out + 1] = "Traceback (most recent call last):\n"
  out[#out + 1] = '  File "' .. SITE_PACKAGES .. 'bamboo_engine/api.py", line 68, in wrapper\n'
    .. "    data = func(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^^^\n"
  add_frames(out, err.frames or {
    {"bamboo_engine/engine.py", 299, err.fn or "wrapper", "raise " .. err.exc:match("[%w_]+$") .. "(...)"}})
  out[#out + 1] = exception_line(err.exc, err.text) .. "\n"
  return table.concat(out)
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

-- a JSON array (Python's list): the decoder marks them, empty ones too
-- (without lua-sops' core it cannot tell an empty one from {}: both pass)
function M.is_list(v)
  return type(v) == "table" and (json.is_array(v) or (not json.exact_arrays and next(v) == nil))
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
  if list == nil then list = json.array() end
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
-- int() of a query value: surrounding whitespace, a sign, and underscores
-- between digits; "" is a ValueError like any other text (nil)
function M.py_int(v)
  local digits = v:match("^%s*([+-]?%d[%d_]*)%s*$")
  if not digits or digits:find("__", 1, true) or digits:sub(-1) == "_" then return nil end
  return math.tointeger(tonumber((digits:gsub("_", ""))))
end

function M.paginate(ctx, list)
  -- (request.GET.get(name, default): the default only for a missing key;
  -- `offset=` is int(""), a ValueError like any other)
  local function int_arg(name, default)
    local v = ctx.args[name]
    if v == nil then return default end
    return M.py_int(v)
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

-- TaskFlowInstanceManager's own DoesNotExist (fetch_values, is_task_started:
-- taskflow3/models.py:723-737), with the path's id as the view got it
local function middleware_not_found(ctx)
  return not_exist(ctx, string.format("TaskFlowInstance(id=%s) does not exist.",
    ctx.ids.task_id_raw or tostring(ctx.ids.task_id)))
end
M.task_id_not_found = middleware_not_found

-- the DoesNotExist of a Django `.get()` that found nothing, uncaught in the
-- view: the middleware's answer
function M.task_get_not_found(ctx)
  return not_exist(ctx, "TaskFlowInstance matching query does not exist.")
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

-- The IAM interceptors' look-up of the task (TaskViewInterceptor,
-- TaskOperateInterceptor, TaskEditInterceptor, FunctionTaskInterceptor:
-- res_factory.resources_for_task -> TaskFlowInstanceManager.fetch_values,
-- iam_auth/res_factory.py:100-103, taskflow3/models.py:723-729), for an app
-- that is not whitelisted, before the view reads anything (its body
-- included): by id alone, so a soft-deleted task and a task of another
-- project are found (IAM then decides; the simulator's user holds the task
-- actions on every project) and an unknown id is the middleware's
-- `TaskFlowInstance(id=N) does not exist.`. Returns nil, or that refusal.
function Views:iam_task(ctx)
  if self:is_trusted(ctx) or self.engine:find_task(ctx.ids.task_id) then return nil end
  return middleware_not_found(ctx)
end

-- The view's own look-up, after iam_task: the task of the project by id;
-- `live` when the view's query filters is_deleted=False too (else a
-- soft-deleted task is served). `miss` builds the view's answer when it
-- finds none (default: `.get()`'s DoesNotExist, uncaught: the middleware's
-- `TaskFlowInstance matching query does not exist.`). Returns task or nil,
-- the answer.
function Views:view_task(ctx, project, miss, live)
  local task = self.engine:find_task(ctx.ids.task_id)
  if not task or task.project ~= project or (live and task.deleted) then
    return nil, (miss or M.task_get_not_found)(ctx)
  end
  self.engine:advance(task)
  return task
end

-- Both, for a view that reads nothing before its own look-up.
function Views:lookup_task(ctx, project, miss, live)
  local refusal = self:iam_task(ctx)
  if refusal then return nil, refusal end
  return self:view_task(ctx, project, miss, live)
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

-- The UTC offset (seconds) of an expected_timezone the list views take
-- (ZONES), at time t: the fixed ones, Etc/GMT+-N (POSIX signs: Etc/GMT+5 is
-- five hours behind), and the daylight-saving rules those zones have had
-- since 2007 (US), 1996 (EU), 2008 (Sydney) and 2007 (Auckland).
local HOUR = 3600
local FIXED = {
  utc = 0, gmt = 0, ["etc/utc"] = 0, ["etc/gmt"] = 0, ["asia/shanghai"] = 8, ["asia/chongqing"] = 8,
  ["asia/hong_kong"] = 8, ["asia/taipei"] = 8, ["asia/singapore"] = 8, prc = 8, ["asia/tokyo"] = 9,
  ["asia/seoul"] = 9, ["asia/kolkata"] = 5.5, ["asia/dubai"] = 4, ["europe/moscow"] = 3,
  ["america/sao_paulo"] = -3,
}
-- {standard offset, rule}
local DST = {
  ["america/new_york"] = {-5, "us"}, ["america/chicago"] = {-6, "us"}, ["america/denver"] = {-7, "us"},
  ["america/los_angeles"] = {-8, "us"}, ["europe/london"] = {0, "eu"}, ["europe/paris"] = {1, "eu"},
  ["europe/berlin"] = {1, "eu"}, ["australia/sydney"] = {10, "au"}, ["pacific/auckland"] = {12, "nz"},
}

-- the day of the month of the n-th Sunday (n = -1: the last) of a month
local function sunday(y, m, n)
  local first = util.utc_epoch(y, m, 1, 0, 0, 0)
  local wday = (first // 86400 + 4) % 7 -- 0 = Sunday (1970-01-01 was a Thursday)
  local day = 1 + (7 - wday) % 7
  if n > 0 then return day + 7 * (n - 1) end
  local days = ({31, (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31,
    30, 31})[m]
  while day + 7 <= days do day = day + 7 end
  return day
end

local function in_dst(rule, std, t)
  local y = tonumber(os.date("!%Y", math.floor(t)))
  local at = util.utc_epoch
  if rule == "us" then
    -- 02:00 local standard time, to 02:00 local daylight time
    return t >= at(y, 3, sunday(y, 3, 2), 2, 0, 0) - std and t < at(y, 11, sunday(y, 11, 1), 2, 0, 0) - std - HOUR
  elseif rule == "eu" then
    return t >= at(y, 3, sunday(y, 3, -1), 1, 0, 0) and t < at(y, 10, sunday(y, 10, -1), 1, 0, 0)
  elseif rule == "au" then
    -- from the first Sunday of October 02:00 standard to the first of April 03:00 daylight
    return t >= at(y, 10, sunday(y, 10, 1), 2, 0, 0) - std or t < at(y, 4, sunday(y, 4, 1), 3, 0, 0) - std - HOUR
  else
    -- nz: the last Sunday of September 02:00 standard to the first of April 03:00 daylight
    return t >= at(y, 9, sunday(y, 9, -1), 2, 0, 0) - std or t < at(y, 4, sunday(y, 4, 1), 3, 0, 0) - std - HOUR
  end
end

local function zone_offset(name, t)
  local z = name:lower()
  if FIXED[z] then return math.floor(FIXED[z] * HOUR) end
  local n = z:match("^etc/gmt([+-]%d+)$")
  if n then return -tonumber(n) * HOUR end
  local rule = DST[z]
  if not rule then return nil end
  local std = rule[1] * HOUR
  return in_dst(rule[2], std, t) and std + HOUR or std
end
M.zone_offset = zone_offset

-- format_datetime(dt, tz) (gcloud/utils/dates.py): "%Y-%m-%d %H:%M:%S %z" in
-- the zone named (one of ZONES), "" for no time
function M.format_in_zone(t, zone)
  if not t then return "" end
  local s = math.floor(t)
  local off = zone_offset(zone, s) or 0
  local sign = off < 0 and "-" or "+"
  local a = math.abs(off)
  return os.date("!%Y-%m-%d %H:%M:%S", s + off) .. string.format(" %s%02d%02d", sign, a // HOUR, a % HOUR // 60)
end

-- The request's language as Django's LocaleMiddleware picks it from
-- Accept-Language among bk-sops' LANGUAGES (en, zh-hans): the first the
-- header prefers (by q) that is English or Chinese; zh-hans by default
-- (LANGUAGE_CODE). (The blueking_language cookie is not read.)
function M.language(ctx)
  local header = ctx.accept_language
  if type(header) ~= "string" or header == "" then return "zh-hans" end
  local best, best_q, order = nil, -1, 0
  for part in header:gmatch("[^,]+") do
    order = order + 1
    local tag = part:match("^%s*([%a%-%*]+)")
    local q = tonumber(part:match(";%s*q%s*=%s*([%d.]+)") or "1") or 0
    local lang = tag and tag:lower()
    local which = lang and (lang == "en" or lang:match("^en%-")) and "en"
      or lang and (lang == "zh" or lang:match("^zh%-")) and "zh-hans" or nil
    if which and q > 0 and q > best_q then best, best_q = which, q end
  end
  return best or "zh-hans"
end

-- A task's category as get_category_display() names it (TASK_CATEGORY,
-- gcloud/constants.py; locale/en for English); a value that is no choice
-- as it is.
local CATEGORY_NAMES = {
  OpsTools = {"运维工具", "OPS Tools"}, MonitorAlarm = {"监控告警", "Alarm"},
  ConfManage = {"配置管理", "Conf Manage"}, DevTools = {"开发工具", "Dev Tools"},
  EnterpriseIT = {"企业IT", "Enterprise IT"}, OfficeApp = {"办公应用", "Office App"},
  Other = {"其它", "Others"}, Default = {"默认分类", "Default"},
}
function M.category_name(ctx, category)
  local names = CATEGORY_NAMES[category]
  if not names then return category end
  return M.language(ctx) == "en" and names[2] or names[1]
end

-- Whether the caller is an MCP one (decorators.py is_mcp_request): an app
-- code starting v_mcp, or a non-blank X-Bkapi-Mcp-Server-Id.
function M.is_mcp(ctx)
  local app = ctx.app_code or ""
  if app == "" then return false end
  return app:sub(1, 5) == "v_mcp" or (ctx.mcp_server_id or ""):match("%S") ~= nil
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
