-- More task views of the simulator: create-and-start, fast create, the task
-- list and counts, manual intervention, constants, operation records,
-- effective time, logs, functionalization tasks, node data and the node
-- callback entry (gcloud/apigw/views/*.py of the same names).
return function(Views, b)
  local json, fail, view_result, parse_body, fmt = b.json, b.fail, b.view_result, b.parse_body, b.fmt
  local SUCCESS, PARAM_INVALID, UNKNOWN = b.SUCCESS, b.PARAM_INVALID, b.UNKNOWN
  local status, util = b.status, b.util

  function Views:create_and_start_task(ctx, project)
    local task, resp = self:new_task(ctx, project, {business = true})
    if not task then return resp end
    self.engine:queue_start(task)
    local data = json.obj("pipeline_tree", task.compiled.tree, "task_id", task.id,
      "task_url", b.task_url(self, project, task.id))
    return view_result(ctx, "result", true, "data", data, "code", SUCCESS)
  end

  function Views:fast_create_task(ctx, project)
    local body, refused = b.validated_body(ctx)
    if not body then return refused end
    if not b.is_object(body.pipeline_tree) then
      return b.bare_result(ctx, "result", false, "message",
        "[API] fast_create_task get invalid pipeline_tree: pipeline_tree", "data", json.null, "code", PARAM_INVALID)
    end
    if type(body.name) ~= "string" or body.name == "" then
      return b.bare_result(ctx, "result", false, "message", "task params is invalid: 'name' is a required property",
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
    return b.created(self, ctx, project, task)
  end

  -- the task list's filters (GetTaskListForm): Django's BooleanField reads
  -- "false" and "" as false and anything else as true
  local function form_bool(v) return not (v == "" or v:lower() == "false") end

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
        local ok = (a.keyword == nil or t.name:find(a.keyword:match("^%s*(.-)%s*$"), 1, true))
          and (a.is_started == nil or form_bool(a.is_started) == t.is_started)
          and (a.is_finished == nil or form_bool(a.is_finished) == finished)
          and (a.executor == nil or a.executor == t.executor)
          and (a.create_method == nil or a.create_method == t.create_method)
          and (a.template_id == nil or a.template_id == tostring(t.template.id))
          and (template_ids == nil or template_ids[tostring(t.template.id)])
          and (a.is_child_taskflow == nil or not form_bool(a.is_child_taskflow))
        if ok then out[#out + 1] = t end
      end
    end
    return out
  end

  -- times as Django's JSON encoder writes them (ISO 8601, milliseconds, Z)
  local function iso(t)
    if not t then return json.null end
    return os.date("!%Y-%m-%dT%H:%M:%S", math.floor(t)) .. string.format(".%03dZ", math.floor(t % 1 * 1000))
  end

  local TASK_ACTIONS = {"task_view", "task_edit", "task_operate", "task_claim", "task_delete", "task_clone"}

  local function task_item(t, project)
    return json.obj("id", t.id, "name", t.name, "category", t.template.category or "Other",
      "create_method", t.create_method, "creator", t.creator, "executor", t.executor,
      "start_time", iso(t.start_time), "finish_time", iso(t.finish_time), "is_started", t.is_started,
      "is_finished", t.finish_time ~= nil, "template_source", "project", "template_id", tostring(t.template.id),
      "is_child_taskflow", false, "project_id", project.id, "project_name", project.name,
      "bk_biz_id", project.bk_biz_id, "bk_biz_name", project.from_cmdb and project.name or json.null,
      "auth_actions", json.array(TASK_ACTIONS))
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

  function Views:get_task_list(ctx, project)
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
    local page, count, resp = b.paginate(ctx, matching)
    if not page then return resp end
    if ctx.args.without_count and form_bool(ctx.args.without_count) then count = -1 end
    local data = json.array()
    for i, t in ipairs(page) do data[i] = task_item(t, project) end
    return view_result(ctx, "result", true, "data", data, "count", count, "code", SUCCESS)
  end

  function Views:get_task_count(ctx, project)
    return view_result(ctx, "result", true, "data", json.obj("count", #filter_tasks(self, ctx, project)),
      "code", SUCCESS)
  end

  local GROUPS = {
    flow_type = {{"common", "默认任务流程"}, {"common_func", "职能化任务流程"}},
    create_method = {{"app", "手动"}, {"api", "API网关"}, {"app_maker", "轻应用"}, {"periodic", "周期任务"}},
    status = {{"CREATED", "未执行"}, {"EXECUTING", "执行中"}, {"FINISHED", "完成"}, {"REVOKED", "撤销"}},
  }

  function Views:query_task_count(ctx, project)
    local body = parse_body(ctx)
    if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
    local conditions = body.conditions == nil and {} or body.conditions
    if not b.is_object(conditions) and not (type(conditions) == "table" and next(conditions) == nil) then
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

  function Views:get_tasks_manual_intervention_state(ctx, project)
    local body = parse_body(ctx)
    if ctx.body_empty then return fail(ctx, "request body is not a valid json", PARAM_INVALID) end
    local list = body.task_id_list == nil and {} or body.task_id_list
    if not b.is_list(list) then
      return fail(ctx, "task_id_list must be a list", PARAM_INVALID)
    end
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

  function Views:modify_constants_for_task(ctx, project)
    local body = parse_body(ctx)
    if ctx.body_empty then return fail(ctx, "invalid json format", PARAM_INVALID) end
    local t, resp = self:lookup_task(ctx, project)
    if not t then return resp end
    if t.is_started then return fail(ctx, "task is started", PARAM_INVALID) end
    if t.finish_time then return fail(ctx, "task is finished", PARAM_INVALID) end
    local given = body.constants == nil and {} or body.constants
    if type(given) ~= "table" then return b.django_500() end
    set_constants(t, given)
    return view_result(ctx, "result", true, "data", "success", "code", SUCCESS)
  end

  function Views:claim_functionalization_task(ctx, project)
    local body = parse_body(ctx)
    if ctx.body_empty then return fail(ctx, "request body is not a valid json", PARAM_INVALID) end
    local t, resp = self:lookup_task(ctx, project)
    if not t then return resp end
    if t.flow_type ~= "common_func" then
      return fail(ctx, "任务认领失败: 仅职能化任务才能认领, 请检查任务类型 | task_claim", UNKNOWN)
    end
    if t.current_flow ~= "func_claim" then
      return fail(ctx, string.format("任务认领失败: 仅职能化任务才能认领, 当前任务类型: %s, 请检查任务类型 | task_claim",
        t.current_flow), UNKNOWN)
    end
    if b.is_object(body.constants) then set_constants(t, body.constants) end
    if type(body.name) == "string" and body.name ~= "" then t.name = body.name end
    t.current_flow, t.claimant, t.claim_time = "execute_task", ctx.username, self.engine:now()
    return view_result(ctx, "result", true, "data", "success", "code", SUCCESS)
  end

  local EXECUTE_STATUS = {nonExecution = true, running = true, revoked = true, finished = true}

  function Views:get_functionalization_task_list(ctx)
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
        if not id then return b.django_500() end
        ids[id] = true
      end
    end
    local matching = {}
    for id = self.engine.next_task_id - 1, 1, -1 do
      local t = self.engine.tasks[id]
      if t and not t.deleted and t.flow_type == "common_func" and (not ids or ids[id]) then
        local st = t.current_flow == "func_claim" and "submitted" or (t.finish_time and "finished" or "claimed")
        if not a.status or a.status == st then matching[#matching + 1] = {t, st} end
      end
    end
    local page, count, resp = b.paginate(ctx, matching)
    if not page then return resp end
    local data = json.array()
    for i, e in ipairs(page) do
      local t, st = e[1], e[2]
      local item = task_item(t, t.project)
      item.auth_actions = nil
      data[i] = json.obj("id", t.id, "name", t.name, "creator", t.creator, "rejecter", "",
        "claimant", t.claimant or "", "predecessor", "", "create_time", iso(t.create_time),
        "claim_time", iso(t.claim_time), "reject_time", json.null, "transfer_time", json.null,
        "status", st, "task", item)
    end
    return view_result(ctx, "result", true, "data", data, "count", count, "code", SUCCESS)
  end

  local OPERATE_NAMES = {create = "创建", start = "执行"}

  function Views:get_task_operate_record(ctx, project)
    local t, resp = self:lookup_task(ctx, project)
    if not t then return resp end
    local data = json.array()
    if not ctx.args.node_id or ctx.args.node_id == "" then
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

  function Views:get_task_effective_time(ctx, project)
    local t, resp = self:lookup_task(ctx, project)
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

  -- the node of the task named by the query's node_id, or nil and a refusal
  local function query_node(ctx, t)
    local node = ctx.args.node_id and t.compiled.nodes[ctx.args.node_id]
    if node then return node end
    return nil, b.respond(json.obj("result", false, "message",
      string.format("node[node_id=%s] not found in task[task_id=%d]", tostring(ctx.args.node_id), t.id)))
  end

  function Views:get_task_node_log(ctx, project)
    local t, resp = self:lookup_task(ctx, project)
    if not t then return resp end
    local node, refusal = query_node(ctx, t)
    if not node then return refusal end
    local st = t.states[node.id]
    local text = st and string.format("%s: node %s %s", fmt(st.start), node.name or node.id, st.state) or ""
    return b.respond(json.obj("result", true, "message", "success", "data", text, "page", json.obj()))
  end

  function Views:get_task_plugin_log(ctx, project)
    local t, resp = self:lookup_task(ctx, project)
    if not t then return resp end
    local node, refusal = query_node(ctx, t)
    if not node then return refusal end
    return b.respond(json.obj("result", true, "message", json.null, "data",
      json.obj("logs", "", "total", 0, "scroll_id", "")))
  end

  function Views:get_task_node_data(ctx, project)
    local t, resp = self:lookup_task(ctx, project)
    if not t then return resp end
    if b.bad_stack(ctx) then
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
  function Views:callback(ctx)
    local v = ctx.body ~= "" and json.decode(ctx.body)
    if v == nil then
      return {400, {{"Content-Type", "application/json"}}, json.encode(json.obj("result", false, "message",
        "节点回调失败: 无效的请求, 请重试. 如持续失败可联系管理员处理. | node_callback"))}
    end
    return {400, {{"Content-Type", "application/json"}},
      json.encode(json.obj("result", false, "message", "invalid token"))}
  end
end
