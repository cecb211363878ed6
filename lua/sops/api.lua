-- The calls a client offers: which bk-sops api each maps to, the fields it
-- takes, and the fixed values some of them add (pause_task is operate_task
-- with action "pause").
local M = {}

M.TASK_ACTIONS = {start = true, pause = true, resume = true, revoke = true}
M.NODE_ACTIONS = {
  callback = true, skip_exg = true, retry = true, skip = true, pause_subproc = true, resume_subproc = true,
  pause = true, resume = true, forced_fail = true, retry_subprocess = true, skip_cpg = true,
}

local ID, ID_REQ = {"id"}, {"id", true}
local STR, STR_REQ = {"string"}, {"string", true}
local BOOL, OBJ, LIST = {"boolean"}, {"object"}, {"list"}

-- every call also takes bk_biz_id and scope
M.CALLS = {
  create_task = {api = "create_task", fields = {
    template_id = ID_REQ, name = STR_REQ, template_source = STR, flow_type = STR, constants = OBJ,
    exclude_task_nodes_id = LIST, execute_task_nodes_id = LIST, simplify_vars = LIST,
    template_schemes_id = {"any"}, pipeline_tree = OBJ, callback_url = STR, callback_version = STR,
    description = STR}},
  -- ensure (not sent): start only if the task still reads CREATED
  start_task = {api = "start_task", fields = {task_id = ID_REQ, ensure = BOOL}, local_fields = {ensure = true}},
  operate_task = {api = "operate_task", fields = {task_id = ID_REQ, action = STR_REQ}, actions = M.TASK_ACTIONS},
  pause_task = {api = "operate_task", fields = {task_id = ID_REQ}, fixed = {action = "pause"}},
  resume_task = {api = "operate_task", fields = {task_id = ID_REQ}, fixed = {action = "resume"}},
  revoke_task = {api = "operate_task", fields = {task_id = ID_REQ}, fixed = {action = "revoke"}},
  operate_node = {api = "operate_node", actions = M.NODE_ACTIONS, fields = {
    task_id = ID_REQ, node_id = STR_REQ, action = STR_REQ, inputs = OBJ, data = OBJ, flow_id = STR}},
  retry_node = {api = "operate_node", fixed = {action = "retry"},
    fields = {task_id = ID_REQ, node_id = STR_REQ, inputs = OBJ}},
  skip_node = {api = "operate_node", fixed = {action = "skip"}, fields = {task_id = ID_REQ, node_id = STR_REQ}},
  skip_exg = {api = "operate_node", fixed = {action = "skip_exg"},
    fields = {task_id = ID_REQ, node_id = STR_REQ, flow_id = STR_REQ}},
  callback_node = {api = "operate_node", fixed = {action = "callback"},
    fields = {task_id = ID_REQ, node_id = STR_REQ, data = OBJ}},
  pause_subprocess = {api = "operate_node", fixed = {action = "pause_subproc"},
    fields = {task_id = ID_REQ, node_id = STR_REQ}},
  resume_subprocess = {api = "operate_node", fixed = {action = "resume_subproc"},
    fields = {task_id = ID_REQ, node_id = STR_REQ}},
  forced_fail_node = {api = "operate_node", fixed = {action = "forced_fail"},
    fields = {task_id = ID_REQ, node_id = STR_REQ}},
  node_callback = {api = "node_callback",
    fields = {task_id = ID_REQ, node_id = STR_REQ, callback_data = {"any"}, version = STR}},
  get_task_status = {api = "get_task_status", fields = {
    task_id = ID_REQ, subprocess_id = STR, with_ex_data = BOOL, with_failed_node_info = BOOL,
    with_auto_retry_status = BOOL}},
  get_tasks_status = {api = "get_tasks_status", list = "task_id_list",
    fields = {task_id_list = {"list", true}, include_children_status = BOOL}},
  get_task_detail = {api = "get_task_detail", fields = {task_id = ID_REQ, include_webhook_history = BOOL}},
  get_task_node_detail = {api = "get_task_node_detail", fields = {
    task_id = ID_REQ, node_id = STR_REQ, component_code = STR, subprocess_stack = LIST, loop = ID}},
  get_template_list = {api = "get_template_list", fields = {
    template_source = STR, id_in = LIST, name_keyword = STR}},
  get_template_info = {api = "get_template_info", fields = {template_id = ID_REQ, template_source = STR}},
}

-- what each call checks on every use, worked out once
for _, c in pairs(M.CALLS) do
  c.fields.bk_biz_id = ID
  c.fields.scope = STR
  -- a W3C trace context for this request, sent as the traceparent header
  c.fields.traceparent = STR
  c.local_fields = c.local_fields or {}
  c.local_fields.traceparent = true
  c.required, c.lists = {}, {}
  for name, f in pairs(c.fields) do
    if f[2] then c.required[#c.required + 1] = name end
    if f[1] == "list" and name ~= c.list then c.lists[#c.lists + 1] = name end
  end
  -- sent as the caller gave it
  -- (local fields are taken out when present, see sops.client)
  c.simple = not c.fixed and #c.lists == 0 and not c.list
end

return M
