-- The template views of the simulator: project and common templates, their
-- schemes, previews, and the calls that create, import, copy or modify
-- templates (gcloud/apigw/views/*template*.py, preview_*task_tree.py).
-- A template the simulator serves is common when it has `common = true`.
--
-- M: api name -> view, handler(self, ctx, project) with self the Views
-- object (sops.sim.views.base) and project the one project_inject found.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local compiler = require "sops.sim.compile"
local base = require "sops.sim.views.base"

local view_result, fail, parse_body = base.view_result, base.fail, base.parse_body
local SUCCESS, PARAM_INVALID, NOT_EXIST, UNKNOWN = base.SUCCESS, base.PARAM_INVALID, base.NOT_EXIST, base.UNKNOWN

local M = {}

local FLOW_ACTIONS = {"flow_create", "flow_view", "flow_edit", "flow_delete", "flow_create_task",
  "flow_create_mini_app", "flow_create_periodic_task", "flow_create_clocked_task"}
local COMMON_ACTIONS = {"common_flow_create_task", "common_flow_edit", "common_flow_delete", "common_flow_view",
  "common_flow_create", "common_flow_create_periodic_task"}

-- one template as the lists and the info views give it; project nil for
-- a common template
local function template_item(t, project)
  local item = json.obj("id", t.id, "name", t.name, "creator", t.creator or "admin",
    "create_time", base.fmt(t.create_time), "editor", t.editor or json.null, "edit_time", base.fmt(t.edit_time or t.create_time),
    "category", t.category or "Other", "description", t.description or "")
  if project then
    item.project_id, item.project_name, item.bk_biz_id = project.id, project.name, project.bk_biz_id
    item.bk_biz_name = project.from_cmdb and project.name or json.null
  end
  item.auth_actions = json.array(project and FLOW_ACTIONS or COMMON_ACTIONS)
  return item
end

-- The serializer of the include_* flags (gcloud/apigw/serializers.py
-- IncludeTemplateSerializer): DRF BooleanFields, an empty value being the
-- default, then `format`, a choice of json or yaml. The values, or nil
-- and the serializer's errors in field order.
local FORMATS = {json = true, yaml = true}
local function include_flags(ctx, names)
  local out, errors = {}, nil
  local function bad(k, message)
    errors = errors or {}
    errors[#errors + 1] = k
    errors[#errors + 1] = json.array({message})
  end
  for _, k in ipairs(names) do
    local v = ctx.args[k]
    if v ~= nil and v ~= "" then
      local bv = base.drf_bool(v)
      if bv == nil then bad(k, "Must be a valid boolean.") end
      out[k] = bv
    end
  end
  local format = ctx.args.format
  if format ~= nil and format ~= "" and not FORMATS[format] then
    bad("format", '"' .. format .. '" is not a valid choice.')
  end
  out.format = format ~= "" and format or "json"
  if errors then return nil, fail(ctx, json.obj(table.unpack(errors)), PARAM_INVALID) end
  return out
end
local INCLUDES = {"include_executor_proxy", "include_subprocess", "include_constants", "include_notify",
  "include_labels", "unfold_subprocess"}

-- the project's templates (source project/business) or the common ones
local function is_common_source(source)
  return not (source == nil or source == "" or source == "project" or source == "business")
end

local function find_template(self, tid, project, common)
  local t = self.engine.templates[tid]
  if not t or t.deleted then return nil end
  if common then return t.common and t or nil end
  if t.common or (t.project_id and project and t.project_id ~= project.id) then return nil end
  return t
end

local function add_includes(item, t, inc)
  if inc.include_executor_proxy then item.executor_proxy = t.executor_proxy or "" end
  if inc.include_notify then
    item.notify_type = t.notify_type or json.obj("success", json.array(), "fail", json.array())
    item.notify_receivers = t.notify_receivers or json.obj("receiver_group", json.array(), "more_receiver", "")
  end
end

local function sorted_desc(list)
  table.sort(list, function(x, y) return x.id > y.id end)
  return list
end

function M.get_template_list(self, ctx, project)
  local inc, resp = include_flags(ctx, INCLUDES)
  if not inc then return resp end
  local common = is_common_source(ctx.args.template_source)
  local ids
  if ctx.args.id_in and ctx.args.id_in ~= "" then
    ids = {}
    for v in (ctx.args.id_in .. ","):gmatch("([^,]*),") do
      -- int() of each piece: anything else is an uncaught ValueError
      local id = v:match("^%s*%d+%s*$") and math.tointeger(tonumber(v))
      if not id then return base.django_500() end
      ids[id] = true
    end
  end
  local kw = ctx.args.name_keyword ~= "" and ctx.args.name_keyword and ctx.args.name_keyword:lower()
  local data = json.array()
  for _, t in ipairs(sorted_desc(self.engine:template_list())) do
    if find_template(self, t.id, project, common) and (not ids or ids[t.id])
        and (not kw or t.name:lower():find(kw, 1, true)) then
      local item = template_item(t, not common and project or nil)
      add_includes(item, t, inc)
      if inc.include_labels and not common then item.labels = json.array() end
      data[#data + 1] = item
    end
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.get_common_template_list(self, ctx)
  local inc, resp = include_flags(ctx, INCLUDES)
  if not inc then return resp end
  local data = json.array()
  for _, t in ipairs(sorted_desc(self.engine:template_list())) do
    if t.common and not t.deleted then
      local item = template_item(t, nil)
      add_includes(item, t, {include_notify = inc.include_notify})
      data[#data + 1] = item
    end
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

-- the tree a template view answers with, the template's own node ids
-- (stable: what a task's activities name as template_node_id), no line or
-- location
local function web_tree(t)
  local compiled = compiler.compile(t, nil, true)
  compiled.tree.line, compiled.tree.location = nil, nil
  return compiled.tree
end

local function template_info(ctx, t, project)
  local inc, resp = include_flags(ctx, INCLUDES)
  if not inc then return resp end
  local data = template_item(t, project)
  data.pipeline_tree = web_tree(t)
  add_includes(data, t, inc)
  if inc.include_subprocess then data.has_subprocess, data.subprocess_has_update = false, false end
  if inc.include_constants then
    local list = json.array()
    for key, c in pairs(data.pipeline_tree.constants or {}) do
      list[#list + 1] = json.obj("name", c.name or key, "key", key, "show_type", c.show_type or "show",
        "constant_type", c.custom_type or "input", "activity_count", 1)
    end
    table.sort(list, function(x, y) return x.key < y.key end)
    data.template_constants = list
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

function M.get_template_info(self, ctx, project)
  local tid = ctx.ids.template_id
  local common = is_common_source(ctx.args.template_source)
  local t = find_template(self, tid, project, common)
  if not t then
    if common then return fail(ctx, string.format("common template[id=%d] does not exist", tid), NOT_EXIST) end
    return fail(ctx, string.format("template[id=%d] of project[project_id=%d, biz_id=%s] does not exist",
      tid, project.id, tostring(project.bk_biz_id)), NOT_EXIST)
  end
  return template_info(ctx, t, not common and project or nil)
end

function M.get_common_template_info(self, ctx)
  local tid = ctx.ids.template_id
  local t = find_template(self, tid, nil, true)
  if not t then return fail(ctx, string.format("common template[id=%d] does not exist", tid), NOT_EXIST) end
  return template_info(ctx, t, nil)
end

function M.get_template_schemes(self, ctx, project)
  local t = find_template(self, ctx.ids.template_id, project, false)
  if not t then
    return base.bare_result(ctx, "result", false, "message",
      "数据不存在错误: 数据不存在错误, 错误内容 TaskTemplate matching query does not exist. | process_exception",
      "data", json.null, "code", NOT_EXIST)
  end
  local with_constants = (ctx.args.with_constants or "false"):lower() == "true"
  local data = json.array()
  for _, sc in ipairs(t.schemes or {}) do
    local item = json.obj("id", string.format("%d-%s", t.id, sc.name), "name", sc.name,
      "data", json.encode(json.array(sc.nodes or {})))
    if with_constants then item.detail = json.obj("constants", web_tree(t).constants or json.obj()) end
    data[#data + 1] = item
  end
  return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
end

local function preview(self, ctx, project, common)
  local exclude, _, refusal = base.body_list(ctx, "exclude_task_nodes_id", "invalid exclude_task_nodes_id")
  if not exclude then return refusal end
  local t = find_template(self, ctx.ids.template_id, project, common)
  if not t then
    return fail(ctx, string.format("%s fail: %s matching query does not exist.",
      common and "preview_common_task_tree" or "preview_task_tree", common and "CommonTemplate" or "TaskTemplate"),
      UNKNOWN)
  end
  local tree = compiler.compile(t, nil, true).tree
  for _, id in ipairs(exclude) do
    local node = type(id) == "string" and tree.activities[id]
    if not node or not node.optional then
      return fail(ctx, string.format("%s fail: node[id=%s] can not be excluded",
        common and "preview_common_task_tree" or "preview_task_tree", tostring(id)), UNKNOWN)
    end
    tree.activities[id] = nil
  end
  return view_result(ctx, "result", true, "data",
    json.obj("pipeline_tree", tree, "constants_not_referred", json.obj()), "code", SUCCESS)
end

function M.preview_task_tree(self, ctx, project) return preview(self, ctx, project, false) end
function M.preview_common_task_tree(self, ctx, project) return preview(self, ctx, project, true) end

local function next_template_id(self)
  local top = 0
  for id in pairs(self.engine.templates) do if id > top then top = id end end
  return top + 1
end

function M.create_template(self, ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local tree = body.pipeline_tree
  if tree == nil or tree == json.null or tree == "" or (type(tree) == "table" and next(tree) == nil) then
    return fail(ctx, "pipeline_tree is required", PARAM_INVALID)
  end
  if type(tree) == "string" then
    tree = json.decode(tree)
    if type(tree) ~= "table" then return fail(ctx, "pipeline_tree is not a valid JSON string", PARAM_INVALID) end
  end
  local id = next_template_id(self)
  local name = type(body.name) == "string" and body.name ~= "" and body.name
    or os.date("!new%Y%m%d%H%M%S", math.floor(self.engine:now()))
  self.engine:add_template({id = id, name = name, project_id = project.id, creator = ctx.username,
    category = type(body.category) == "string" and body.category or "Default",
    description = type(body.description) == "string" and body.description or "",
    executor_proxy = type(body.executor_proxy) == "string" and body.executor_proxy or "",
    steps = {{name = "step 1", duration = 1}}})
  return view_result(ctx, "result", true, "data", json.obj("template_id", id, "template_name", name,
    "pipeline_template_id", "n" .. util.hex(31)), "code", SUCCESS, "message", "success")
end

-- the imports: template_data is bk-sops' export file, base64 of JSON; the
-- simulator takes {"templates": [{"name": ...}]} inside it
local function import(self, ctx, project, common)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local data = body.template_data
  if data == nil or data == json.null or data == "" then
    return fail(ctx, "template data can not be none", PARAM_INVALID)
  end
  local decoded = type(data) == "string" and json.decode(util.base64_decode(data) or "")
  if type(decoded) ~= "table" or type(decoded.templates) ~= "table" then
    return fail(ctx, "模板解析失败: 文件解析异常, 模板参数缺陷. 请重试或联系管理员处理 | read_encoded_template_data",
      PARAM_INVALID)
  end
  local flows = json.obj()
  local count = 0
  for _, t in ipairs(decoded.templates) do
    local id = next_template_id(self)
    local name = type(t.name) == "string" and t.name or ("imported " .. id)
    self.engine:add_template({id = id, name = name, common = common or nil,
      project_id = project and project.id or nil, creator = ctx.username,
      steps = {{name = "step 1", duration = 1}}})
    flows[tostring(id)] = name
    count = count + 1
  end
  return view_result(ctx, "result", true, "message", string.format("Successfully imported %d flows", count),
    "code", SUCCESS, "data", json.obj("count", count, "flows", flows))
end

local function trusted(self, ctx)
  return self:is_trusted(ctx)
end

function M.import_common_template(self, ctx)
  if not trusted(self, ctx) then return fail(ctx, "you have no permission to call this api.", 3540100) end
  return import(self, ctx, nil, true)
end

function M.import_project_template(self, ctx, project)
  if not trusted(self, ctx) then return fail(ctx, "you have no permission to call this api.", 3540100) end
  return import(self, ctx, project, false)
end

function M.copy_template_across_project(self, ctx, project)
  local body, refused = base.validated_body(ctx)
  if not body then return refused end
  local target, ids = body.new_project_id, body.template_ids
  if target == nil or ids == nil then
    return base.bare_result(ctx, "result", false, "message", "new_project_id and template_ids are required",
      "data", json.null, "code", PARAM_INVALID)
  end
  if target == project.id then
    return base.bare_result(ctx, "result", false, "message", "无法导入流程到到同一个项目",
      "data", json.null, "code", PARAM_INVALID)
  end
  if not trusted(self, ctx) then return fail(ctx, "you have no permission to call this api.", 3540100) end
  if type(ids) ~= "table" or #ids > 10 then return fail(ctx, "only 10 templates can be copied once.", 3545000) end
  local dest
  for _, p in ipairs(self.sim.projects) do if p.id == target then dest = p end end
  local flows, count = json.obj(), 0
  for _, tid in ipairs(ids) do
    local t = find_template(self, math.tointeger(tid), project, false)
    if not t or not dest then return base.django_500() end
    local id = next_template_id(self)
    self.engine:add_template({id = id, name = t.name, project_id = dest.id, creator = ctx.username,
      steps = t.steps, constants = t.constants, category = t.category})
    flows[tostring(id)] = t.name
    count = count + 1
  end
  return view_result(ctx, "result", true, "message", string.format("Successfully imported %d flows", count),
    "code", SUCCESS, "data", json.obj("count", count, "flows", flows))
end

function M.modify_template_notify(self, ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format.", PARAM_INVALID) end
  local nt = body.notify_type == nil and json.obj() or body.notify_type
  local nr = body.notify_receivers == nil and json.obj() or body.notify_receivers
  if not base.is_object(nt) then return fail(ctx, "Invalid notify_type, expected a dictionary", PARAM_INVALID) end
  if not base.is_object(nr) then return fail(ctx, "Invalid notify_receivers, expected a dictionary", PARAM_INVALID) end
  local tid = ctx.ids.template_id
  local common = body.common ~= nil and body.common ~= false and body.common ~= json.null and body.common ~= 0
    and body.common ~= ""
  local t = find_template(self, tid, project, common)
  if not t then
    if common then return fail(ctx, string.format("template(%d) does not exist", tid), NOT_EXIST) end
    return fail(ctx, string.format("(%d) template not found", tid), NOT_EXIST)
  end
  t.notify_type, t.notify_receivers, t.editor, t.edit_time = nt, nr, ctx.username, self.engine:now()
  return view_result(ctx, "result", true, "data", json.obj("notify_type", nt, "notify_receivers", nr,
    "template_id", tid), "code", SUCCESS)
end

function M.modify_template_executor_proxy(self, ctx, project)
  local body = parse_body(ctx)
  if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
  local proxy = body.executor_proxy
  local problem
  if proxy == nil then problem = "This field is required."
  elseif proxy == json.null then problem = "This field may not be null."
  elseif proxy ~= "" and proxy ~= ctx.username then problem = "The agent may only be designated as the individual themselves."
  end
  if problem then
    return fail(ctx, json.encode(json.obj("executor_proxy", json.array({problem}))), PARAM_INVALID)
  end
  local tid = ctx.ids.template_id
  local t = find_template(self, tid, project, false)
  if not t then
    return fail(ctx, string.format("template[id=%d] of project[project_id=%d] does not exist", tid, project.id),
      NOT_EXIST)
  end
  t.executor_proxy, t.editor, t.edit_time = proxy, ctx.username, self.engine:now()
  return view_result(ctx, "result", true, "data", json.obj("template_id", tid, "executor_proxy", proxy),
    "code", SUCCESS)
end

return M
