-- The bk-sops endpoints and the calls a client offers on them.
local M = {}

M.TASK_ACTIONS = {start = true, pause = true, resume = true, revoke = true}
M.NODE_ACTIONS = {
  callback = true, skip_exg = true, retry = true, skip = true, pause_subproc = true, resume_subproc = true,
  pause = true, resume = true, forced_fail = true, retry_subprocess = true, skip_cpg = true,
}

local ID, ID_REQ = {"id"}, {"id", true}
local STR, STR_REQ = {"string"}, {"string", true}
local BOOL, OBJ, LIST = {"boolean"}, {"object"}, {"list"}

-- The endpoints: the one place their facts are written. The C core
-- compiles method, path and changes_state once (core.register); the calls
-- below, the argument checks and the README's table come from here too.
-- path: the gateway path, ids in braces in the endpoint's own order (on
-- ESB the ids travel with the other parameters). changes_state: sent at
-- most once per call, never retried after it may have reached the server.
-- Every endpoint also takes bk_biz_id and scope.
M.ENDPOINTS = {
  {name = "create_task", method = "POST", path = "/create_task/{template_id}/{bk_biz_id}/", changes_state = true,
    fields = {template_id = ID_REQ, name = STR_REQ, template_source = STR, flow_type = STR, constants = OBJ,
      exclude_task_nodes_id = LIST, execute_task_nodes_id = LIST, simplify_vars = LIST,
      template_schemes_id = {"any"}, pipeline_tree = OBJ, callback_url = STR, callback_version = STR,
      description = STR}},
  {name = "start_task", method = "POST", path = "/start_task/{task_id}/{bk_biz_id}/", changes_state = true,
    fields = {task_id = ID_REQ}},
  {name = "operate_task", method = "POST", path = "/operate_task/{task_id}/{bk_biz_id}/", changes_state = true,
    fields = {task_id = ID_REQ, action = STR_REQ}},
  {name = "operate_node", method = "POST", path = "/operate_node/{bk_biz_id}/{task_id}/", changes_state = true,
    fields = {task_id = ID_REQ, node_id = STR_REQ, action = STR_REQ, inputs = OBJ, data = OBJ, flow_id = STR}},
  {name = "node_callback", method = "POST", path = "/node_callback/{task_id}/{bk_biz_id}/", changes_state = true,
    fields = {task_id = ID_REQ, node_id = STR_REQ, callback_data = {"any"}, version = STR}},
  {name = "get_task_status", method = "GET", path = "/get_task_status/{task_id}/{bk_biz_id}/",
    fields = {task_id = ID_REQ, subprocess_id = STR, with_ex_data = BOOL, with_failed_node_info = BOOL,
      with_auto_retry_status = BOOL}},
  {name = "get_tasks_status", method = "POST", path = "/get_tasks_status/{bk_biz_id}/",
    fields = {task_id_list = {"list", true}, include_children_status = BOOL}},
  {name = "get_task_detail", method = "GET", path = "/get_task_detail/{task_id}/{bk_biz_id}/",
    fields = {task_id = ID_REQ, include_webhook_history = BOOL}},
  {name = "get_task_node_detail", method = "GET", path = "/get_task_node_detail/{task_id}/{bk_biz_id}/",
    fields = {task_id = ID_REQ, node_id = STR_REQ, component_code = STR, subprocess_stack = LIST, loop = ID}},
  {name = "get_template_list", method = "GET", path = "/get_template_list/{bk_biz_id}/",
    fields = {template_source = STR, id_in = LIST, name_keyword = STR}},
  {name = "get_template_info", method = "GET", path = "/get_template_info/{template_id}/{bk_biz_id}/",
    fields = {template_id = ID_REQ, template_source = STR}},
}
M.BY_NAME = {}
for _, e in ipairs(M.ENDPOINTS) do M.BY_NAME[e.name] = e end

-- Fields of endpoint `api`: all of them, or those named in `only`.
local function fields_of(api, only)
  local all, out = M.BY_NAME[api].fields, {}
  if not only then
    for k, v in pairs(all) do out[k] = v end
    return out
  end
  for k, required in pairs(only) do
    out[k] = {all[k][1], required == true or nil}
  end
  return out
end

-- The calls a client offers: every endpoint under its own name, and
-- shortcuts that fix some fields (pause_task is operate_task with action
-- "pause"); `only` names a shortcut's fields (true: required).
M.CALLS = {}
for _, e in ipairs(M.ENDPOINTS) do M.CALLS[e.name] = {api = e.name, fields = fields_of(e.name)} end
M.CALLS.operate_task.actions = M.TASK_ACTIONS
M.CALLS.operate_node.actions = M.NODE_ACTIONS
M.CALLS.get_tasks_status.list = "task_id_list"
-- ensure (not sent): start only if the task still reads CREATED
M.CALLS.start_task.fields.ensure = BOOL
M.CALLS.start_task.local_fields = {ensure = true}
local function shortcut(name, api, fixed, only)
  M.CALLS[name] = {api = api, fixed = fixed, fields = fields_of(api, only)}
end
for _, a in ipairs({"pause", "resume", "revoke"}) do
  shortcut(a .. "_task", "operate_task", {action = a}, {task_id = true})
end
shortcut("retry_node", "operate_node", {action = "retry"}, {task_id = true, node_id = true, inputs = false})
shortcut("skip_node", "operate_node", {action = "skip"}, {task_id = true, node_id = true})
shortcut("skip_exg", "operate_node", {action = "skip_exg"}, {task_id = true, node_id = true, flow_id = true})
shortcut("callback_node", "operate_node", {action = "callback"}, {task_id = true, node_id = true, data = false})
shortcut("pause_subprocess", "operate_node", {action = "pause_subproc"}, {task_id = true, node_id = true})
shortcut("resume_subprocess", "operate_node", {action = "resume_subproc"}, {task_id = true, node_id = true})
shortcut("forced_fail_node", "operate_node", {action = "forced_fail"}, {task_id = true, node_id = true})

-- what each call checks on every use, worked out once
for _, c in pairs(M.CALLS) do
  c.fields.bk_biz_id = ID
  c.fields.scope = STR
  -- a W3C trace context for this request, sent as the traceparent header
  c.fields.traceparent = {"traceparent"}
  c.local_fields = c.local_fields or {}
  c.local_fields.traceparent = true
  -- the same as a list, for the hot path
  c.local_list = {}
  for k in pairs(c.local_fields) do c.local_list[#c.local_list + 1] = k end
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
