-- The plugin views of the simulator: the plugin list, detail and base
-- info, dispatch_plugin_query, and the plugin gateway's categories,
-- plugins and runs (gcloud/apigw/views/*.py).
--
-- M: api name -> view, handler(self, ctx, project) with self the Views
-- object (sops.sim.views.base) and project the one project_inject found.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local base = require "sops.sim.views.base"

local view_result, fail, parse_body, respond = base.view_result, base.fail, base.parse_body, base.respond
local SUCCESS, PARAM_INVALID, NOT_EXIST, UNKNOWN = base.SUCCESS, base.PARAM_INVALID, base.NOT_EXIST, base.UNKNOWN

local M = {}

local function field(name, key, typ, description)
  return json.obj("name", name, "key", key, "type", typ,
    "schema", json.obj("type", typ == "bool" and "boolean" or typ, "description", description, "enum", json.array()))
end
local RESULT = field("Execution Result", "_result", "bool", "Boolean result, True or False")
local LOOP = field("Loop Times", "_loop", "int", "loop_time")

-- the components the simulator's templates use
local PLUGINS = {
  {code = "sleep_timer", name = "Timing", group_name = "BK Service(BK)", version = "legacy",
    form = "/static/components/atoms/bk/timer.js",
    inputs = {{"Timing", "bk_timing", "string", "Timing, seconds(s) or datetime(%Y-%m-%d %H:%M:%S)"}}},
  {code = "job_fast_execute_script", name = "Fast Execute Script", group_name = "Job(JOB)", version = "legacy",
    form = "/static/components/atoms/job/fast_execute_script/legacy.js",
    inputs = {{"Script", "job_content", "string", "script content"}}},
  {code = "pause_node", name = "Pause", group_name = "BK Service(BK)", version = "legacy",
    form = "/static/components/atoms/bk/pause.js", inputs = {}},
}

local function plugin_item(p, with_required)
  local inputs = json.array()
  for i, f in ipairs(p.inputs) do
    inputs[i] = field(f[1], f[2], f[3], f[4])
    if with_required then inputs[i].required = true end
  end
  return json.obj("inputs", inputs, "outputs", json.array({RESULT, LOOP}), "desc", "", "code", p.code,
    "name", p.name, "group_name", p.group_name, "version", p.version, "form", p.form)
end

function M.get_plugin_list(_, ctx)
  local data = json.array()
  for i, p in ipairs(PLUGINS) do data[i] = plugin_item(p, false) end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.get_plugin_detail(_, ctx)
  local code, version = ctx.args.code, ctx.args.version
  if code == nil or code == "" then return fail(ctx, "parameter code need to be provided.", 3546100) end
  for _, p in ipairs(PLUGINS) do
    if p.code == code and (version == nil or version == "" or version == p.version) then
      return view_result(ctx, "result", true, "data", plugin_item(p, true), "code", SUCCESS)
    end
  end
  return fail(ctx, string.format("can not find suitable component with code: %s and version: %s", code,
    tostring(version)), 3546100)
end

-- (no IAM, no user: code and name of each plugin the project may use)
function M.get_plugin_base_info()
  local data = json.array()
  for i, p in ipairs(PLUGINS) do data[i] = json.obj("code", p.code, "name", p.name) end
  return respond(json.obj("result", true, "data", data, "code", SUCCESS))
end

function M.dispatch_plugin_query(self, ctx)
  if not self:is_trusted(ctx) then return fail(ctx, "you have no permission to call this api.", 3540100) end
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local method = type(body.method) == "string" and body.method:upper() or "GET"
  if method ~= "GET" and method ~= "POST" then
    return fail(ctx, "dispatch_plugin_query: only support get and post method.", 3545000)
  end
  if type(body.url) ~= "string" then return fail(ctx, "dispatch_plugin_query: exception for 'url'", UNKNOWN) end
  return fail(ctx, "dispatch_plugin_query: resolve view func 404 for: " .. body.url, PARAM_INVALID)
end

-- the plugin gateway: its own answers carry error_type and no data
local function gateway_fail(message, code, error_type)
  return respond(json.obj("result", false, "code", code, "message", message, "error_type", error_type or ""))
end

local CATEGORIES = {{"all", "全部"}, {"BK", "BK Service"}, {"JOB", "JOB"}}

function M.plugin_gateway_get_categories(_, ctx)
  local data = json.array()
  for i, c in ipairs(CATEGORIES) do data[i] = json.obj("id", c[1], "name", c[2]) end
  return view_result(ctx, "result", true, "code", SUCCESS, "data", data)
end

local function gateway_plugin(p)
  return json.obj("id", "builtin__" .. p.code, "name", p.name, "plugin_source", "builtin", "plugin_code", p.code,
    "group", p.group_name:match("%((%u+)%)") or "BK", "category", p.group_name:match("%((%u+)%)") or "BK",
    "versions", json.array({p.version}), "default_version", p.version, "latest_version", p.version,
    "wrapper_version", "v4.0.0", "description", "")
end

function M.plugin_gateway_get_plugin_list(_, ctx)
  local key = (ctx.args.key or ""):match("^%s*(.-)%s*$"):lower()
  local list = json.array()
  if ctx.args.plugin_source == nil or ctx.args.plugin_source == "builtin" then
    for _, p in ipairs(PLUGINS) do
      local item = gateway_plugin(p)
      if (key == "" or item.id:lower():find(key, 1, true) or p.name:lower():find(key, 1, true))
          and (ctx.args.category == nil or ctx.args.category == "all" or ctx.args.category == item.category) then
        list[#list + 1] = item
      end
    end
  end
  return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("total", #list, "apis", list))
end

function M.plugin_gateway_get_plugin_detail(_, ctx)
  for _, p in ipairs(PLUGINS) do
    if ctx.ids.plugin_id == "builtin__" .. p.code then
      local item = gateway_plugin(p)
      item.plugin_version, item.version, item.methods = p.version, "v4.0.0", json.array({"POST"})
      item.inputs, item.outputs = plugin_item(p, true).inputs, json.array()
      return view_result(ctx, "result", true, "code", SUCCESS, "data", item)
    end
  end
  return gateway_fail(string.format("plugin(%s) does not exist", ctx.ids.plugin_id), NOT_EXIST)
end

-- runs: {id, app_code, status, plugin_id, plugin_version, client_request_id}
local function runs(self)
  self.plugin_runs = self.plugin_runs or {}
  return self.plugin_runs
end

local RUN_FIELDS = {"source_key", "plugin_id", "plugin_version", "client_request_id", "callback_url",
  "callback_token"}

function M.plugin_gateway_create_run(self, ctx)
  local body = parse_body(ctx)
  if ctx.body_empty then return gateway_fail("invalid json format", PARAM_INVALID) end
  local errors
  for _, k in ipairs(RUN_FIELDS) do
    if type(body[k]) ~= "string" or body[k] == "" then
      errors = errors or json.obj()
      errors[k] = json.array({"This field is required."})
    end
  end
  if errors then return gateway_fail(errors, PARAM_INVALID) end
  local all = runs(self)
  for _, r in pairs(all) do
    if r.app_code == ctx.app_code and r.client_request_id == body.client_request_id then
      return view_result(ctx, "result", true, "code", SUCCESS,
        "data", json.obj("open_plugin_run_id", r.id, "status", r.status))
    end
  end
  local id = util.uuid_hex()
  all[id] = {id = id, app_code = ctx.app_code, status = "CREATED", plugin_id = body.plugin_id,
    plugin_version = body.plugin_version, client_request_id = body.client_request_id}
  return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("open_plugin_run_id", id,
    "status", "CREATED"))
end

local function find_run(self, ctx, id)
  local r = runs(self)[id]
  if not r then return nil, gateway_fail(string.format("plugin gateway run(%s) does not exist", id), NOT_EXIST) end
  if r.app_code ~= ctx.app_code then
    return nil, gateway_fail(string.format("plugin gateway run does not belong to app(%s)", ctx.app_code), 3540100)
  end
  return r
end

function M.plugin_gateway_get_run_status(self, ctx)
  local tag = ctx.args.task_tag
  if tag == nil or tag == "" then
    return gateway_fail(json.obj("task_tag", json.array({"This field is required."})), PARAM_INVALID)
  end
  local r, resp = find_run(self, ctx, tag)
  if not r then return resp end
  return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("status", r.status,
    "outputs", json.obj(), "error_message", ""))
end

function M.plugin_gateway_get_run_detail(self, ctx)
  local r, resp = find_run(self, ctx, ctx.ids.run_id)
  if not r then return resp end
  return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("open_plugin_run_id", r.id,
    "status", r.status, "plugin_id", r.plugin_id, "plugin_version", r.plugin_version, "outputs", json.obj(),
    "error_message", ""))
end

function M.plugin_gateway_internal_callback(self, ctx)
  parse_body(ctx)
  if ctx.body_empty then return gateway_fail("invalid json format", PARAM_INVALID) end
  local r, resp = find_run(self, ctx, ctx.ids.run_id)
  if not r then return resp end
  if r.status == "CREATED" then r.status = "WAITING_CALLBACK" end
  return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("open_plugin_run_id", r.id,
    "status", r.status))
end

function M.plugin_gateway_cancel_run(self, ctx)
  local r, resp = find_run(self, ctx, ctx.ids.run_id)
  if not r then return resp end
  if r.status ~= "SUCCEEDED" and r.status ~= "FAILED" then r.status = "CANCELLED" end
  return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("open_plugin_run_id", r.id,
    "status", r.status))
end

-- (the same view, declared again at the path without its last slash)
M.plugin_gateway_cancel_run_compat = M.plugin_gateway_cancel_run

return M
