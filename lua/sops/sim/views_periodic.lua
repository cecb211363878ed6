-- Periodic and clocked tasks in the simulator (gcloud/apigw/views/
-- *periodic_task*.py, *clocked_task*.py). They are stored, listed and
-- edited; the simulator does not fire them.
return function(Views, b)
  local json, fail, view_result, parse_body = b.json, b.fail, b.view_result, b.parse_body
  local SUCCESS, PARAM_INVALID, NOT_EXIST = b.SUCCESS, b.PARAM_INVALID, b.NOT_EXIST
  local template = require "sops.sim.template"

  -- the views' own store, made on first use (a reset makes new views)
  local function store(self, kind)
    local s = self[kind]
    if not s then
      s = {list = {}, next_id = 1}
      self[kind] = s
    end
    return s
  end

  local CRON_KEYS = {"minute", "hour", "day_of_week", "day_of_month", "month_of_year"}

  -- the cron object as bk-sops shows it once stored: "m h d dM MY (m/h/d/dM/MY) zone"
  local function cron_text(cron)
    local parts = {}
    for i, k in ipairs(CRON_KEYS) do
      local v = type(cron) == "table" and cron[k]
      parts[i] = (type(v) == "string" and v ~= "") and v or "*"
    end
    return table.concat(parts, " ") .. " (m/h/d/dM/MY) Asia/Shanghai"
  end

  local function form_of(tree, given)
    local form = json.obj()
    for key, c in pairs(tree.constants or {}) do
      local copy = b.util.copy(c)
      if type(given) == "table" and given[key] ~= nil then copy.value = given[key] end
      form[key] = copy
    end
    return form
  end

  local function periodic_item(p, full)
    local item = json.obj("id", p.id, "name", p.name, "template_id", tostring(p.template_id),
      "template_source", "project", "creator", p.creator, "cron", p.cron, "enabled", p.enabled,
      "last_run_at", "", "total_run_count", 0)
    if full then
      item.form, item.pipeline_tree = p.form, p.tree
    else
      item.auth_actions = json.array({"periodic_task_view", "periodic_task_delete", "periodic_task_edit"})
    end
    return item
  end

  function Views:create_periodic_task(ctx, project)
    local body, resp = b.validated_body(ctx)
    if not body then return resp end
    local name = body.name
    local problem
    if type(name) ~= "string" then problem = "'name' is a required property"
    elseif #name < 1 then problem = "'' is too short"
    elseif utf8.len(name) and utf8.len(name) > 50 then problem = b.py_repr(name) .. " is too long"
    elseif not b.is_object(body.cron) then problem = "'cron' is a required property"
    end
    if problem then
      return b.bare_result(ctx, "result", false, "message", problem, "data", json.null, "code", PARAM_INVALID)
    end
    local tid = ctx.ids.template_id
    local t = self.engine.templates[tid]
    if not t or t.common or (t.project_id and t.project_id ~= project.id) then
      return fail(ctx, string.format("template[id=%d] of project[project_id=%d , biz_id=%s] does not exist",
        tid, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
    end
    local s = store(self, "periodic")
    local tree = template.compile(t).tree
    local p = {id = s.next_id, name = name, template_id = tid, project = project, creator = ctx.username,
      cron = cron_text(body.cron), enabled = false, tree = tree, form = form_of(tree, body.constants)}
    s.next_id = s.next_id + 1
    s.list[#s.list + 1] = p
    local data = periodic_item(p, true)
    data.template_id = tid
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end

  local function find_periodic(self, ctx, project)
    for _, p in ipairs(store(self, "periodic").list) do
      if p.id == ctx.ids.task_id and p.project == project then return p end
    end
    return nil, fail(ctx, string.format("task(%d) does not exist", ctx.ids.task_id), NOT_EXIST)
  end

  function Views:get_periodic_task_list(ctx, project)
    local data = json.array()
    local list = store(self, "periodic").list
    for i = #list, 1, -1 do
      if list[i].project == project then data[#data + 1] = periodic_item(list[i], false) end
    end
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end

  function Views:get_periodic_task_info(ctx, project)
    local p, resp = find_periodic(self, ctx, project)
    if not p then return resp end
    return view_result(ctx, "result", true, "data", periodic_item(p, true), "code", SUCCESS)
  end

  -- the body of an edit of a periodic task, or nil and the refusal
  local function edit(self, ctx, project)
    local body = parse_body(ctx)
    if ctx.body_empty then return nil, nil, fail(ctx, "invalid json format", PARAM_INVALID) end
    local p, resp = find_periodic(self, ctx, project)
    if not p then return nil, nil, resp end
    return p, body
  end

  function Views:set_periodic_task_enabled(ctx, project)
    local p, body, resp = edit(self, ctx, project)
    if not p then return resp end
    p.enabled = body.enabled == true
    return view_result(ctx, "result", true, "data", json.obj("enabled", p.enabled), "code", SUCCESS)
  end

  function Views:modify_cron_for_periodic_task(ctx, project)
    local p, body, resp = edit(self, ctx, project)
    if not p then return resp end
    p.cron = cron_text(body.cron)
    return view_result(ctx, "result", true, "data", json.obj("cron", p.cron), "code", SUCCESS)
  end

  function Views:modify_constants_for_periodic_task(ctx, project)
    local p, body, resp = edit(self, ctx, project)
    if not p then return resp end
    local given = body.constants
    if type(given) == "table" then
      for key, v in pairs(given) do
        if p.form[key] then p.form[key].value = v end
      end
    end
    return view_result(ctx, "result", true, "data", p.form, "code", SUCCESS)
  end

  local CLOCKED_STATES = {not_started = true, started = true, start_failed = true}

  local function clocked_item(c, with_actions)
    local item = json.obj("id", c.id, "task_parameters", c.parameters, "creator", c.creator, "editor", "",
      "state", "not_started", "plan_start_time", c.plan_start_time, "create_time", b.fmt(c.create_time),
      "edit_time", b.fmt(c.create_time), "project_id", c.project.id, "task_id", json.null,
      "task_name", c.task_name, "template_id", c.template_id, "template_name", c.template_name,
      "template_source", "project")
    if with_actions then
      item.clocked_task_id = c.id
      item.auth_actions = json.array({"clocked_task_view", "clocked_task_edit", "clocked_task_delete", "flow_view"})
    end
    return item
  end

  function Views:create_clocked_task(ctx, project)
    local body, resp = b.validated_body(ctx)
    if not body then return resp end
    local problem
    if type(body.task_name) ~= "string" or body.task_name == "" then problem = "task_name: This field is required."
    elseif type(body.plan_start_time) ~= "string"
        or not body.plan_start_time:match("^%d%d%d%d%-%d%d%-%d%d[ T]%d%d:%d%d") then
      problem = "plan_start_time: Datetime has wrong format."
    end
    if problem then
      return b.bare_result(ctx, "result", false, "message", problem, "data", json.null, "code", PARAM_INVALID)
    end
    local tid = ctx.ids.template_id
    local t = self.engine.templates[tid]
    if not t or t.common or (t.project_id and t.project_id ~= project.id) then
      return fail(ctx, string.format("template[id=%d] of project[project_id=%d] does not exist", tid, project.id),
        NOT_EXIST)
    end
    local s = store(self, "clocked")
    local c = {id = s.next_id, project = project, template_id = tid, template_name = t.name, creator = ctx.username,
      task_name = body.task_name, plan_start_time = body.plan_start_time, create_time = self.engine:now(),
      parameters = b.is_object(body.task_parameters) and body.task_parameters
        or json.obj("constants", json.obj(), "template_schemes_id", json.array())}
    s.next_id = s.next_id + 1
    s.list[#s.list + 1] = c
    return view_result(ctx, "result", true, "data", clocked_item(c, false), "code", SUCCESS)
  end

  function Views:get_clocked_task_list(ctx, project)
    local a = ctx.args
    if a.id ~= nil and not a.id:match("^%d+$") then return fail(ctx, "参数id必须为数字", PARAM_INVALID) end
    if a.state ~= nil and not CLOCKED_STATES[a.state] then
      return fail(ctx, "参数state必须为以下值之一: not_started, started, start_failed", PARAM_INVALID)
    end
    local function has(v, want) return not want or v:lower():find(want:lower(), 1, true) end
    local matching = {}
    local list = store(self, "clocked").list
    for i = #list, 1, -1 do
      local c = list[i]
      if c.project == project and (not a.id or c.id == tonumber(a.id)) and has(c.task_name, a.task_name)
          and has(c.creator, a.creator) and has("", a.editor) and (not a.state or a.state == "not_started") then
        matching[#matching + 1] = c
      end
    end
    local page, count, resp = b.paginate(ctx, matching)
    if not page then return resp end
    local data = json.array()
    for i, c in ipairs(page) do data[i] = clocked_item(c, true) end
    return view_result(ctx, "result", true, "data", data, "count", count, "code", SUCCESS)
  end
end
