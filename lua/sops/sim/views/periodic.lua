-- Periodic and clocked tasks in the simulator (gcloud/apigw/views/
-- *periodic_task*.py, *clocked_task*.py). They are stored, listed and
-- edited; the simulator does not fire them.
--
-- M: api name -> view, handler(self, ctx, project) with self the Views
-- object (sops.sim.views.base) and project the one project_inject found.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local compiler = require "sops.sim.compile"
local base = require "sops.sim.views.base"

local view_result, fail = base.view_result, base.fail
local SUCCESS, PARAM_INVALID, NOT_EXIST = base.SUCCESS, base.PARAM_INVALID, base.NOT_EXIST

local M = {}

-- the views' own store, made on first use (a reset makes new views)
local function store(self, kind)
  local s = self[kind]
  if not s then
    s = {list = {}, next_id = 1}
    self[kind] = s
  end
  return s
end

-- Keeps a new periodic or clocked task (kind) in the store, with the next
-- id; returns it.
local function add(self, kind, record)
  local s = store(self, kind)
  record.id = s.next_id
  s.next_id = s.next_id + 1
  s.list[#s.list + 1] = record
  return record
end

-- What the two create views check, in their order: the body
-- (request_validate), then its schema (problem_of: nil, or the first
-- problem, refused without trace_id), then the project's template the path
-- names (not_found: the view's format for its refusal, given the template
-- id, the project id and the business id; it need not use them all).
-- Returns body, template or nil, nil, the refusal.
local function create_checks(self, ctx, project, problem_of, not_found)
  local body, resp = base.validated_body(ctx)
  if not body then return nil, nil, resp end
  local problem = problem_of(body)
  if problem then
    return nil, nil, base.bare_result(ctx, "result", false, "message", problem, "data", json.null,
      "code", PARAM_INVALID)
  end
  local tid = ctx.ids.template_id
  local t = self.engine.templates[tid]
  if not t or t.common or (t.project_id and t.project_id ~= project.id) then
    return nil, nil, fail(ctx, string.format(not_found, tid, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
  end
  return body, t
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
    local copy = util.copy(c)
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

-- create_periodic_task's refusal of a template that is not the project's,
-- and its schema: nil, or the first problem with the body
local PERIODIC_NO_TEMPLATE = "template[id=%d] of project[project_id=%d , biz_id=%s] does not exist"
local function periodic_problem(body)
  local name = body.name
  if type(name) ~= "string" then return "'name' is a required property"
  elseif #name < 1 then return "'' is too short"
  elseif utf8.len(name) and utf8.len(name) > 50 then return base.py_repr(name) .. " is too long"
  elseif not base.is_object(body.cron) then return "'cron' is a required property"
  end
end

function M.create_periodic_task(self, ctx, project)
  local body, t, refusal = create_checks(self, ctx, project, periodic_problem, PERIODIC_NO_TEMPLATE)
  if not body then return refusal end
  local tree = compiler.compile(t).tree
  local p = add(self, "periodic", {name = body.name, template_id = ctx.ids.template_id, project = project,
    creator = ctx.username, cron = cron_text(body.cron), enabled = false, tree = tree,
    form = form_of(tree, body.constants)})
  local data = periodic_item(p, true)
  data.template_id = p.template_id
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

local function find_periodic(self, ctx, project)
  for _, p in ipairs(store(self, "periodic").list) do
    if p.id == ctx.ids.task_id and p.project == project then return p end
  end
  return nil, fail(ctx, string.format("task(%d) does not exist", ctx.ids.task_id), NOT_EXIST)
end

function M.get_periodic_task_list(self, ctx, project)
  local data = json.array()
  local list = store(self, "periodic").list
  for i = #list, 1, -1 do
    if list[i].project == project then data[#data + 1] = periodic_item(list[i], false) end
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.get_periodic_task_info(self, ctx, project)
  local p, resp = find_periodic(self, ctx, project)
  if not p then return resp end
  return view_result(ctx, "result", true, "data", periodic_item(p, true), "code", SUCCESS)
end

-- the body of an edit of a periodic task, or nil and the refusal
local function edit(self, ctx, project)
  local body = base.parse_body(ctx)
  if ctx.body_empty then return nil, nil, fail(ctx, "invalid json format", PARAM_INVALID) end
  local p, resp = find_periodic(self, ctx, project)
  if not p then return nil, nil, resp end
  return p, body
end

function M.set_periodic_task_enabled(self, ctx, project)
  local p, body, resp = edit(self, ctx, project)
  if not p then return resp end
  p.enabled = body.enabled == true
  return view_result(ctx, "result", true, "data", json.obj("enabled", p.enabled), "code", SUCCESS)
end

function M.modify_cron_for_periodic_task(self, ctx, project)
  local p, body, resp = edit(self, ctx, project)
  if not p then return resp end
  p.cron = cron_text(body.cron)
  return view_result(ctx, "result", true, "data", json.obj("cron", p.cron), "code", SUCCESS)
end

function M.modify_constants_for_periodic_task(self, ctx, project)
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
    "state", "not_started", "plan_start_time", c.plan_start_time, "create_time", base.fmt(c.create_time),
    "edit_time", base.fmt(c.create_time), "project_id", c.project.id, "task_id", json.null,
    "task_name", c.task_name, "template_id", c.template_id, "template_name", c.template_name,
    "template_source", "project")
  if with_actions then
    item.clocked_task_id = c.id
    item.auth_actions = json.array({"clocked_task_view", "clocked_task_edit", "clocked_task_delete", "flow_view"})
  end
  return item
end

-- create_clocked_task's refusal of a template that is not the project's,
-- and its serializer: nil, or the first problem with the body
local CLOCKED_NO_TEMPLATE = "template[id=%d] of project[project_id=%d] does not exist"
local function clocked_problem(body)
  if type(body.task_name) ~= "string" or body.task_name == "" then return "task_name: This field is required."
  elseif type(body.plan_start_time) ~= "string"
      or not body.plan_start_time:match("^%d%d%d%d%-%d%d%-%d%d[ T]%d%d:%d%d") then
    return "plan_start_time: Datetime has wrong format."
  end
end

function M.create_clocked_task(self, ctx, project)
  local body, t, refusal = create_checks(self, ctx, project, clocked_problem, CLOCKED_NO_TEMPLATE)
  if not body then return refusal end
  local c = add(self, "clocked", {project = project, template_id = ctx.ids.template_id, template_name = t.name,
    creator = ctx.username, task_name = body.task_name, plan_start_time = body.plan_start_time,
    create_time = self.engine:now(),
    parameters = base.is_object(body.task_parameters) and body.task_parameters
      or json.obj("constants", json.obj(), "template_schemes_id", json.array())})
  return view_result(ctx, "result", true, "data", clocked_item(c, false), "code", SUCCESS)
end

function M.get_clocked_task_list(self, ctx, project)
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
  local page, count, resp = base.paginate(ctx, matching)
  if not page then return resp end
  local data = json.array()
  for i, c in ipairs(page) do data[i] = clocked_item(c, true) end
  return view_result(ctx, "result", true, "data", data, "count", count, "code", SUCCESS)
end

return M
