-- The project views of the simulator: the user's projects, a project's
-- detail, mini apps and executor proxy, project registration, and the
-- webhook configs of a project's templates (gcloud/apigw/views/*.py of the
-- same names).
--
-- M: api name -> view, handler(self, ctx, project) with self the Views
-- object (sops.sim.views.base) and project the one project_inject found.
local json = require "sops.sim.json"
local base = require "sops.sim.views.base"

local view_result, fail, parse_body, respond = base.view_result, base.fail, base.parse_body, base.respond
local SUCCESS, PARAM_INVALID = base.SUCCESS, base.PARAM_INVALID

local M = {}

-- the include_* flags of the project views: DRF BooleanFields; the values,
-- or nil and the refusal of the first that is not one
local function drf_flags(ctx, names)
  local out = {}
  for _, k in ipairs(names) do
    local v = ctx.args[k]
    if v ~= nil then
      out[k] = base.drf_bool(v)
      if out[k] == nil then
        return nil, fail(ctx, json.obj(k, json.array({"Must be a valid boolean."})), PARAM_INVALID)
      end
    end
  end
  return out
end

function M.get_user_project_list(self, ctx)
  local flags, resp = drf_flags(ctx, {"include_executor_proxy"})
  if not flags then return resp end
  local data = json.array()
  -- (dev_multi_tenant: get_user_projects(username, tenant_id))
  for _, p in ipairs(self.sim.projects) do
    if self:same_tenant(ctx, p) then
      local item = json.obj("project_id", p.id, "bk_biz_id", p.bk_biz_id, "name", p.name)
      if flags.include_executor_proxy then item.executor_proxy = p.executor_proxy or "" end
      data[#data + 1] = item
    end
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.get_user_project_detail(_, ctx, project)
  local flags, resp = drf_flags(ctx, {"include_executor_proxy", "include_staff_groups"})
  if not flags then return resp end
  local data = json.obj("project_id", project.id, "project_name", project.name, "from_cmdb", project.from_cmdb,
    "bk_biz_id", project.bk_biz_id, "bk_biz_name", project.name, "bk_biz_developer", "",
    "bk_biz_maintainer", "admin", "bk_biz_tester", "", "bk_biz_productor", "",
    "auth_actions", json.array({"project_view", "project_edit", "project_fast_create_task"}))
  if flags.include_executor_proxy then data.executor_proxy = project.executor_proxy or "" end
  if flags.include_staff_groups then data.staff_groups = json.array() end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.get_mini_app_list(_, ctx)
  local page, count, resp = base.paginate(ctx, {})
  if not page then return resp end
  return view_result(ctx, "result", true, "data", json.array(), "count", count, "code", SUCCESS)
end

function M.modify_project_executor_proxy(_, ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local proxy, exempts = body.executor_proxy, body.executor_proxy_exempts
  if type(proxy) ~= "string" or type(exempts) ~= "string" then
    return fail(ctx, "executor_proxy and executor_proxy_exempts are required", PARAM_INVALID)
  end
  if proxy ~= "" and proxy ~= ctx.username then
    return fail(ctx, "The agent may only be designated as the individual themselves.", PARAM_INVALID)
  end
  project.executor_proxy, project.executor_proxy_exempts = proxy, exempts
  return view_result(ctx, "result", true, "data", json.obj("executor_proxy", proxy,
    "executor_proxy_exempts", exempts, "project_id", project.id), "code", SUCCESS)
end

function M.register_project(self, ctx)
  if not self:is_trusted(ctx) then
    return respond(json.obj("result", false, "message", "you have no permission to call this api.",
      "code", 3540100))
  end
  local body = parse_body(ctx)
  local biz = body and math.tointeger(tonumber(body.bk_biz_id or ""))
  if not biz then
    return respond(json.obj("result", false, "message", "should be json format with bk_biz_id", "code",
      PARAM_INVALID))
  end
  for _, p in ipairs(self.sim.projects) do
    if p.bk_biz_id == biz and p.from_cmdb and self:same_tenant(ctx, p) then
      return respond(json.obj("result", true, "data", json.obj("project_id", p.id, "project_name", p.name),
        "code", SUCCESS))
    end
  end
  local p = {id = #self.sim.projects + 100, bk_biz_id = biz, name = "Business " .. biz, from_cmdb = true,
    tenant_id = ctx.tenant_id or base.DEFAULT_TENANT}
  self.sim.projects[#self.sim.projects + 1] = p
  return respond(json.obj("result", true, "data", json.obj("project_id", p.id, "project_name", p.name),
    "code", SUCCESS))
end

function M.apply_webhook_configs(self, ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  if type(body.template_ids) ~= "table" then
    return fail(ctx, json.obj("template_ids", json.array({"This field is required."})), PARAM_INVALID)
  end
  for _, id in ipairs(body.template_ids) do
    local t = self.engine.templates[math.tointeger(id) or -1]
    if not t or (t.project_id and t.project_id ~= project.id) then return base.django_500() end
  end
  if body.enable_webhook == true and (type(body.endpoint) ~= "string" or body.endpoint == "") then
    return fail(ctx, json.obj("endpoint", json.array({"This field is required."})), PARAM_INVALID)
  end
  return view_result(ctx, "result", true, "message", "success", "code", SUCCESS)
end

return M
