-- Plugins, projects and the rest in the simulator: the plugin list and
-- detail, the plugin gateway's runs, the user's projects, mini apps,
-- executor proxies, project registration, webhooks, and the two declared
-- resources that no view serves (gcloud/apigw/views/*.py).
return function(Views, b)
  local json, fail, view_result, parse_body = b.json, b.fail, b.view_result, b.parse_body
  local SUCCESS, PARAM_INVALID, NOT_EXIST = b.SUCCESS, b.PARAM_INVALID, b.NOT_EXIST

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

  function Views:get_plugin_list(ctx)
    local data = json.array()
    for i, p in ipairs(PLUGINS) do data[i] = plugin_item(p, false) end
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end

  function Views:get_plugin_detail(ctx)
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
  function Views:get_plugin_base_info()
    local data = json.array()
    for i, p in ipairs(PLUGINS) do data[i] = json.obj("code", p.code, "name", p.name) end
    return b.respond(json.obj("result", true, "data", data, "code", SUCCESS))
  end

  function Views:dispatch_plugin_query(ctx)
    if not self:is_trusted(ctx) then return fail(ctx, "you have no permission to call this api.", 3540100) end
    local body = parse_body(ctx)
    if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
    local method = type(body.method) == "string" and body.method:upper() or "GET"
    if method ~= "GET" and method ~= "POST" then
      return fail(ctx, "dispatch_plugin_query: only support get and post method.", 3545000)
    end
    if type(body.url) ~= "string" then return fail(ctx, "dispatch_plugin_query: exception for 'url'", b.UNKNOWN) end
    return fail(ctx, "dispatch_plugin_query: resolve view func 404 for: " .. body.url, PARAM_INVALID)
  end

  -- the plugin gateway: its own answers carry error_type and no data
  local function gateway_fail(message, code, error_type)
    return b.respond(json.obj("result", false, "code", code, "message", message, "error_type", error_type or ""))
  end

  local CATEGORIES = {{"all", "全部"}, {"BK", "BK Service"}, {"JOB", "JOB"}}

  function Views:plugin_gateway_get_categories(ctx)
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

  function Views:plugin_gateway_get_plugin_list(ctx)
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

  function Views:plugin_gateway_get_plugin_detail(ctx)
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

  function Views:plugin_gateway_create_run(ctx)
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
    local id = b.util.uuid_hex()
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

  function Views:plugin_gateway_get_run_status(ctx)
    local tag = ctx.args.task_tag
    if tag == nil or tag == "" then
      return gateway_fail(json.obj("task_tag", json.array({"This field is required."})), PARAM_INVALID)
    end
    local r, resp = find_run(self, ctx, tag)
    if not r then return resp end
    return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("status", r.status,
      "outputs", json.obj(), "error_message", ""))
  end

  function Views:plugin_gateway_get_run_detail(ctx)
    local r, resp = find_run(self, ctx, ctx.ids.run_id)
    if not r then return resp end
    return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("open_plugin_run_id", r.id,
      "status", r.status, "plugin_id", r.plugin_id, "plugin_version", r.plugin_version, "outputs", json.obj(),
      "error_message", ""))
  end

  function Views:plugin_gateway_internal_callback(ctx)
    parse_body(ctx)
    if ctx.body_empty then return gateway_fail("invalid json format", PARAM_INVALID) end
    local r, resp = find_run(self, ctx, ctx.ids.run_id)
    if not r then return resp end
    if r.status == "CREATED" then r.status = "WAITING_CALLBACK" end
    return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("open_plugin_run_id", r.id,
      "status", r.status))
  end

  function Views:plugin_gateway_cancel_run(ctx)
    local r, resp = find_run(self, ctx, ctx.ids.run_id)
    if not r then return resp end
    if r.status ~= "SUCCEEDED" and r.status ~= "FAILED" then r.status = "CANCELLED" end
    return view_result(ctx, "result", true, "code", SUCCESS, "data", json.obj("open_plugin_run_id", r.id,
      "status", r.status))
  end
  Views.plugin_gateway_cancel_run_compat = Views.plugin_gateway_cancel_run

  -- projects
  local function drf_flags(ctx, names)
    local out = {}
    for _, k in ipairs(names) do
      local v = ctx.args[k]
      if v ~= nil then
        out[k] = b.drf_bool(v)
        if out[k] == nil then
          return nil, fail(ctx, json.obj(k, json.array({"Must be a valid boolean."})), PARAM_INVALID)
        end
      end
    end
    return out
  end

  function Views:get_user_project_list(ctx)
    local flags, resp = drf_flags(ctx, {"include_executor_proxy"})
    if not flags then return resp end
    local data = json.array()
    for i, p in ipairs(self.sim.projects) do
      data[i] = json.obj("project_id", p.id, "bk_biz_id", p.bk_biz_id, "name", p.name)
      if flags.include_executor_proxy then data[i].executor_proxy = p.executor_proxy or "" end
    end
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end

  function Views:get_user_project_detail(ctx, project)
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

  function Views:get_mini_app_list(ctx)
    local page, count, resp = b.paginate(ctx, {})
    if not page then return resp end
    return view_result(ctx, "result", true, "data", json.array(), "count", count, "code", SUCCESS)
  end

  function Views:modify_project_executor_proxy(ctx, project)
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

  function Views:register_project(ctx)
    if not self:is_trusted(ctx) then
      return b.respond(json.obj("result", false, "message", "you have no permission to call this api.",
        "code", 3540100))
    end
    local body = parse_body(ctx)
    local biz = body and math.tointeger(tonumber(body.bk_biz_id or ""))
    if not biz then
      return b.respond(json.obj("result", false, "message", "should be json format with bk_biz_id", "code",
        PARAM_INVALID))
    end
    for _, p in ipairs(self.sim.projects) do
      if p.bk_biz_id == biz and p.from_cmdb then
        return b.respond(json.obj("result", true, "data", json.obj("project_id", p.id, "project_name", p.name),
          "code", SUCCESS))
      end
    end
    local p = {id = #self.sim.projects + 100, bk_biz_id = biz, name = "Business " .. biz, from_cmdb = true}
    self.sim.projects[#self.sim.projects + 1] = p
    return b.respond(json.obj("result", true, "data", json.obj("project_id", p.id, "project_name", p.name),
      "code", SUCCESS))
  end

  function Views:apply_webhook_configs(ctx, project)
    local body = parse_body(ctx)
    if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
    if type(body.template_ids) ~= "table" then
      return fail(ctx, json.obj("template_ids", json.array({"This field is required."})), PARAM_INVALID)
    end
    for _, id in ipairs(body.template_ids) do
      local t = self.engine.templates[math.tointeger(id) or -1]
      if not t or (t.project_id and t.project_id ~= project.id) then return b.django_500() end
    end
    if body.enable_webhook == true and (type(body.endpoint) ~= "string" or body.endpoint == "") then
      return fail(ctx, json.obj("endpoint", json.array({"This field is required."})), PARAM_INVALID)
    end
    return view_result(ctx, "result", true, "message", "success", "code", SUCCESS)
  end

  -- declared to the gateway, served by no view: Django's page_not_found
  local function not_served(ctx)
    return {404, {{"Content-Type", "text/html"}}, "<!doctype html>\n<html lang=\"en\">\n<head><title>Not Found</title>"
      .. "</head>\n<body><h1>Not Found</h1><p>The requested resource " .. ctx.path:gsub("[<>&]", "")
      .. " was not found on this server.</p></body>\n</html>\n"}
  end
  function Views:job_file_upload(ctx) return not_served(ctx) end
  function Views:apply_job_file_upload_ticket(ctx) return not_served(ctx) end
end
