-- The bk-sops endpoints and the calls a client offers on them.
local M = {}

M.TASK_ACTIONS = {start = true, pause = true, resume = true, revoke = true}
M.NODE_ACTIONS = {
  callback = true, skip_exg = true, retry = true, skip = true, pause_subproc = true, resume_subproc = true,
  pause = true, resume = true, forced_fail = true, retry_subprocess = true, skip_cpg = true,
}

-- Field kinds (sops.check): {kind, required, travel = ...}. travel "comma":
-- a list sent comma-joined in the query ("1,2,3"); "text": a boolean sent
-- as "true" or "false" for a server that reads both (a Django form
-- filter), where any other boolean is presence-only in a query (false is
-- left out: bk-sops reads any value there as true). Lists go as JSON
-- arrays, empty ones too; "ids" is a list of ids, sent as integers.
local ID, ID_REQ = {"id"}, {"id", true}
local STR, STR_REQ = {"string"}, {"string", true}
local BOOL, OBJ, OBJ_REQ, LIST, ANY, INT = {"boolean"}, {"object"}, {"object", true}, {"list"}, {"any"},
  {"integer"}
local FILTER = {"boolean", travel = "text"}
local IDS_COMMA = {"ids", travel = "comma"}
local PAGE = {limit = {"count"}, offset = INT}
-- how a listing pages: at most 200 items a page (bk-sops' own bound), in
-- `data`, the total in `count`
local PAGES = {max = 200, items = "data", count = "count"}

-- fields shared by several endpoints, merged into their own
local function with(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs((select(i, ...))) do out[k] = v end
  end
  return out
end
local CREATE = {template_id = ID_REQ, name = STR_REQ, template_source = STR, flow_type = STR, constants = OBJ,
  exclude_task_nodes_id = LIST, template_schemes_id = ANY, description = STR, callback_url = STR,
  callback_version = STR}
local INCLUDES = {include_executor_proxy = BOOL, include_notify = BOOL, include_labels = BOOL,
  include_subprocess = BOOL, include_constants = BOOL, unfold_subprocess = BOOL}
local TASK_FILTERS = {keyword = STR, is_started = FILTER, is_finished = FILTER, executor = STR,
  create_method = STR, template_id = STR, create_time_start = STR, create_time_end = STR, expected_timezone = STR}

-- The endpoints: the one place their facts are written. The C core
-- compiles method, path, esb and changes_state once (core.register); the
-- calls below, the argument checks, the README's table and the bksops
-- command come from here too.
--   path: the gateway path, parameters in braces in the endpoint's own
--     order (the gateway's {project_id} is written {bk_biz_id}: the same
--     value, read with `scope`). An endpoint with {bk_biz_id} in its path
--     belongs to a project and takes bk_biz_id and scope.
--   esb: also on the legacy ESB (/api/c/compapi/v2/sops/<name>/), where the
--     ids travel with the other parameters.
--   system: has an app-state twin, system_<name> at "/system" + path
--     (dev_multi_tenant): route "system" calls it, and only these.
--   restricted: the gateway serves it only to apps approved for it (a
--     whitelisted app); declared = false: bk-sops serves it (urls.py) but
--     does not declare it to the gateway, so a gateway has it only if its
--     operators added it.
--   changes_state: sent at most once per call, never retried after it may
--     have reached the server.
--   pages: a listing that pages (limit at most `max`, offset; the items at
--     `items` and the total at `count` in the answer), for client:pages.
--   group: where README lists it.
M.GROUPS = {"tasks", "nodes", "templates", "periodic and clocked tasks", "plugins", "projects"}
M.ENDPOINTS = {
  -- tasks
  {name = "create_task", system = true, method = "POST", path = "/create_task/{template_id}/{bk_biz_id}/", esb = true,
    changes_state = true, group = "tasks",
    fields = with(CREATE, {execute_task_nodes_id = LIST, simplify_vars = LIST, pipeline_tree = OBJ}),
    returns = "created_task"},
  {name = "create_and_start_task", method = "POST", path = "/create_and_start_task/{template_id}/{bk_biz_id}/",
    esb = true, changes_state = true, group = "tasks", fields = CREATE,
    returns = "created_task"},
  {name = "fast_create_task", system = true, method = "POST", path = "/fast_create_task/{bk_biz_id}/", esb = true,
    restricted = true, changes_state = true, group = "tasks",
    fields = {name = STR_REQ, pipeline_tree = OBJ_REQ, has_common_subprocess = BOOL, flow_type = STR,
      description = STR, category = STR},
    returns = "created_task"},
  {name = "start_task", system = true, method = "POST", path = "/start_task/{task_id}/{bk_biz_id}/", esb = true,
    changes_state = true, group = "tasks", fields = {task_id = ID_REQ},
    returns = {kind = "object", closed = true, fields = {task_url = "string", already_started = "boolean",
      state = "string"}, optional = {task_url = "the start was sent (not when `ensure` found the task started)",
      already_started = "lua-sops, with `ensure`, when the task was under way",
      state = "lua-sops, with `ensure`, when the task was under way"}}},
  {name = "operate_task", system = true, method = "POST", path = "/operate_task/{task_id}/{bk_biz_id}/", esb = true,
    changes_state = true, group = "tasks", fields = {task_id = ID_REQ, action = STR_REQ},
    returns = "none"},
  {name = "get_task_status", system = true, method = "GET", path = "/get_task_status/{task_id}/{bk_biz_id}/", esb = true,
    group = "tasks", fields = {task_id = ID_REQ, subprocess_id = STR, with_ex_data = BOOL,
      with_failed_node_info = BOOL, with_auto_retry_status = BOOL},
    returns = "task_status"},
  {name = "get_tasks_status", system = true, method = "POST", path = "/get_tasks_status/{bk_biz_id}/", esb = true,
    group = "tasks", fields = {task_id_list = {"ids", true, max = 50}, include_children_status = BOOL},
    returns = {kind = "list", items = {kind = "object", closed = true, fields = {id = "integer", name = "string",
      status = "task_status", flow_type = "string", current_flow = "string", is_deleted = "boolean",
      create_time = "string", start_time = "string", finish_time = "string", url = "string"}}}},
  {name = "get_task_detail", system = true, method = "GET", path = "/get_task_detail/{task_id}/{bk_biz_id}/", esb = true,
    group = "tasks", fields = {task_id = ID_REQ, include_webhook_history = BOOL},
    returns = {kind = "object", closed = true, fields = {id = "integer", name = "string", project_id = "integer",
      project_name = "string", creator = "string", create_method = "string", create_time = "string",
      template_id = "integer|string", start_time = "string", finish_time = "string", executor = "string",
      elapsed_time = "integer", task_url = "string", pipeline_tree = "pipeline_tree",
      constants = {kind = "map", keys = "variable keys", values = "constant"},
      outputs = {kind = "list", items = {kind = "object", fields = {key = "string", name = "string", value = "any"}}},
      ex_data = "any", task_webhook_history = "list"},
      optional = {task_webhook_history = "include_webhook_history"}}},
  {name = "get_task_list", system = true, method = "GET", path = "/get_task_list/{bk_biz_id}/", esb = true, group = "tasks",
    pages = PAGES,
    fields = with(TASK_FILTERS, PAGE, {template_ids = IDS_COMMA, is_child_taskflow = FILTER,
      without_count = BOOL}),
    returns = {kind = "list", items = {kind = "object", extends = "task_summary",
      fields = {auth_actions = {kind = "list", items = "string"}}}, envelope = {count = "integer"}}},
  {name = "get_task_count", method = "GET", path = "/get_task_count/{bk_biz_id}/", declared = false,
    group = "tasks", fields = TASK_FILTERS,
    returns = {kind = "object", closed = true, fields = {count = "integer"}}},
  {name = "query_task_count", method = "POST", path = "/query_task_count/{bk_biz_id}/", esb = true,
    declared = false, group = "tasks", fields = {group_by = STR_REQ, conditions = OBJ},
    returns = {kind = "object", fields = {total = "integer", groups = {kind = "list",
      items = {kind = "object", fields = {code = "string", name = "string", value = "integer"}}}}}},
  {name = "get_tasks_manual_intervention_state", method = "POST",
    path = "/get_tasks_manual_intervention_state/{bk_biz_id}/", esb = true, declared = false, group = "tasks",
    fields = {task_id_list = {"ids", true, max = 9}},
    returns = {kind = "list", items = {kind = "object", closed = true,
      fields = {id = "integer", manual_intervention_required = "boolean"}}}},
  {name = "modify_constants_for_task", method = "POST", path = "/modify_constants_for_task/{task_id}/{bk_biz_id}/",
    esb = true, declared = false, changes_state = true, group = "tasks",
    fields = {task_id = ID_REQ, constants = OBJ},
    returns = "string"},
  {name = "get_task_operate_record", system = true, method = "GET", path = "/get_task_operate_record/{task_id}/{bk_biz_id}/",
    group = "tasks", fields = {task_id = ID_REQ, node_id = STR},
    returns = {kind = "list", items = {kind = "object", fields = {instance_id = "integer",
      project_id = "integer", node_id = "string", operator = "string", operate_type = "string",
      operate_type_name = "string", operate_source = "string", operate_source_name = "string",
      operate_date = "string", extra_info = "object"}}}},
  {name = "get_task_effective_time", system = true, method = "GET", path = "/get_task_effective_time/{task_id}/{bk_biz_id}/",
    group = "tasks", fields = {task_id = ID_REQ},
    returns = {kind = "object", fields = {task_instance_id = "integer", instance_id = "integer",
      template_id = "string", task_template_id = "string", project_id = "integer", creator = "string",
      create_method = "string", create_time = "string|null", start_time = "string|null", finish_time = "string|null",
      total_elapsed_time = "integer", effective_time = "integer", excluded_node_count = "integer",
      total_node_count = "integer", excluded_component_codes = "list", category = "string"}}},
  {name = "claim_functionalization_task", method = "POST",
    path = "/claim_functionalization_task/{task_id}/{bk_biz_id}/", esb = true, restricted = true,
    changes_state = true, group = "tasks", fields = {task_id = ID_REQ, constants = OBJ, name = STR},
    returns = "string"},
  {name = "get_functionalization_task_list", system = true, method = "GET", path = "/get_functionalization_task_list/",
    esb = true, group = "tasks", pages = PAGES,
    fields = with(PAGE, {status = STR, execute_status = STR, id_in = IDS_COMMA, task_id_in = IDS_COMMA,
      project_id = ID, create_time_gte = STR, create_time_lte = STR, creator = STR, claimant = STR,
      expected_timezone = STR}),
    returns = {kind = "list", items = {kind = "object", closed = true,
      fields = {id = "integer", name = "string", creator = "string", rejecter = "string", claimant = "string",
      predecessor = "string", create_time = "string", claim_time = "string|null", reject_time = "string|null",
      transfer_time = "string|null", status = "string", task = "task_summary"}}, envelope = {count = "integer"}}},
  -- nodes
  {name = "operate_node", system = true, method = "POST", path = "/operate_node/{bk_biz_id}/{task_id}/", esb = true,
    changes_state = true, group = "nodes",
    fields = {task_id = ID_REQ, node_id = STR_REQ, action = STR_REQ, inputs = OBJ, data = OBJ, flow_id = STR},
    returns = "none"},
  {name = "node_callback", system = true, method = "POST", path = "/node_callback/{task_id}/{bk_biz_id}/", esb = true,
    changes_state = true, group = "nodes",
    fields = {task_id = ID_REQ, node_id = STR_REQ, callback_data = ANY, version = STR},
    returns = "none"},
  {name = "get_task_node_detail", system = true, method = "GET", path = "/get_task_node_detail/{task_id}/{bk_biz_id}/",
    esb = true, group = "nodes",
    fields = {task_id = ID_REQ, node_id = STR_REQ, component_code = STR, subprocess_stack = LIST, loop = ID},
    returns = {kind = "object", extends = "node_status", fields = {inputs = "object",
      outputs = {kind = "list", items = {kind = "object", fields = {key = "string", name = "string", value = "any"}}},
      ex_data = "string|null", histories = {kind = "list", items = "object"}, history_id = "integer",
      auto_retry_info = "object"},
      optional = {name = "the node has not run (bamboo's detail of one that has carries no name)",
      id = "the node has run", version = "the node has run", loop = "the node has run",
      retry = "the node has run", skip = "the node has run", error_ignored = "the node has run",
      start_time = "the node has run", finish_time = "the node has run", elapsed_time = "the node has run",
      ["root_id:"] = "the node has run (engine v2)", parent_id = "the node has run (engine v2)",
      children = "the node has run", histories = "the node has run", history_id = "the node has run",
      auto_retry_info = "the node has run"}}},
  {name = "get_task_node_data", system = true, method = "GET", path = "/get_task_node_data/{bk_biz_id}/{task_id}/", esb = true,
    group = "nodes", fields = {task_id = ID_REQ, node_id = STR_REQ, component_code = STR,
      subprocess_stack = LIST, loop = ID, template_node_id = STR},
    returns = {kind = "object", fields = {inputs = "object", outputs = {kind = "list",
      items = {kind = "object", fields = {key = "string", name = "string", value = "any"}}}, ex_data = "string|null",
      execution_time = {kind = "list", items = "execution_time"}},
      optional = {execution_time = "template_node_id: the node's last successful runs"}}},
  {name = "get_task_node_log", system = true, method = "GET", path = "/get_task_node_log/{task_id}/{bk_biz_id}/",
    group = "nodes", fields = {task_id = ID_REQ, node_id = STR_REQ, version = STR, page = {"count"},
      page_size = {"count"}},
    returns = {kind = "string", envelope = {page = "object"}}},
  -- (its log is the answer's `logs`, beside result and message: no data,
  -- so the call's value is true and the log is in its response)
  {name = "get_node_job_executed_log", method = "GET", path = "/get_node_job_executed_log/{task_id}/{bk_biz_id}/",
    declared = false, group = "nodes", fields = {task_id = ID_REQ, node_id = STR_REQ, target_ip = STR},
    returns = {kind = "none", envelope = {logs = "string"}}},
  {name = "get_task_plugin_log", system = true, method = "GET", path = "/get_task_plugin_log/{task_id}/{bk_biz_id}/",
    group = "nodes", fields = {task_id = ID_REQ, node_id = STR_REQ, trace_id = STR_REQ, plugin_code = STR_REQ,
      scroll_id = STR},
    returns = {kind = "object", fields = {logs = "string", scroll_id = "string|null", total = "integer"},
      optional = {scroll_id = "the plugin service gave one", total = "the plugin service gave one"}}},
  -- (its body is the callback's own JSON object: any field goes)
  {name = "callback", system = true, method = "POST", path = "/callback/{token}/", restricted = true, changes_state = true,
    group = "nodes", fields = {token = STR_REQ}, open = true,
    returns = "any"},
  -- templates
  {name = "get_template_list", system = true, method = "GET", path = "/get_template_list/{bk_biz_id}/", esb = true,
    group = "templates", fields = with(INCLUDES, {template_source = STR, id_in = IDS_COMMA, name_keyword = STR,
      expected_timezone = STR}),
    returns = {kind = "list", items = "template_summary"}},
  {name = "get_template_info", system = true, method = "GET", path = "/get_template_info/{template_id}/{bk_biz_id}/",
    esb = true, group = "templates", fields = with(INCLUDES, {template_id = ID_REQ, template_source = STR,
      format = STR, include_webhook = BOOL}),
    returns = "template_detail"},
  -- (master since 246c3830c: bk-sops' record of a template node's last
  -- successful runs; a server without it answers 404)
  {name = "get_node_execution_record", method = "GET", path = "/get_node_execution_record/{template_id}/{bk_biz_id}/",
    group = "templates", fields = {template_id = ID_REQ, template_node_id = STR_REQ},
    returns = {kind = "object", closed = true, fields = {total = "integer",
      execution_time = {kind = "list", items = "execution_time"}}}},
  {name = "get_template_schemes", system = true, method = "GET", path = "/get_template_schemes/{bk_biz_id}/{template_id}/",
    esb = true, group = "templates", fields = {template_id = ID_REQ, with_constants = BOOL},
    returns = {kind = "list", items = {kind = "object", closed = true, fields = {id = "string",
      name = "string", data = "string", detail = {kind = "object", closed = true,
      fields = {constants = {kind = "map", keys = "variable keys", values = "constant"}}}},
      optional = {detail = "with_constants"}}}},
  {name = "get_common_template_list", system = true, method = "GET", path = "/get_common_template_list/", esb = true,
    group = "templates", fields = with(INCLUDES, {expected_timezone = STR}),
    returns = {kind = "list", items = "template_summary"}},
  {name = "get_common_template_info", system = true, method = "GET", path = "/get_common_template_info/{template_id}/",
    esb = true, group = "templates", fields = with(INCLUDES, {template_id = ID_REQ}),
    returns = "template_detail"},
  {name = "preview_task_tree", system = true, method = "POST", path = "/preview_task_tree/{bk_biz_id}/{template_id}/",
    esb = true, group = "templates", fields = {template_id = ID_REQ, version = STR, exclude_task_nodes_id = LIST},
    returns = {kind = "object", closed = true, fields = {pipeline_tree = "pipeline_tree",
      constants_not_referred = "object"}}},
  {name = "preview_common_task_tree", method = "POST", path = "/preview_common_task_tree/{bk_biz_id}/{template_id}/",
    esb = true, declared = false, group = "templates",
    fields = {template_id = ID_REQ, version = STR, exclude_task_nodes_id = LIST},
    returns = {kind = "object", closed = true, fields = {pipeline_tree = "pipeline_tree",
      constants_not_referred = "object"}}},
  {name = "create_template", method = "POST", path = "/create_template/{bk_biz_id}/", declared = false,
    changes_state = true, group = "templates",
    fields = {pipeline_tree = {"any", true}, format = STR, name = STR, description = STR, category = STR,
      notify_type = ANY, notify_receivers = ANY, timeout = INT, default_flow_type = STR, template_labels = LIST,
      executor_proxy = STR},
    returns = {kind = "object", closed = true, fields = {template_id = "integer", template_name = "string",
      pipeline_template_id = "string"}}},
  {name = "import_common_template", method = "POST", path = "/import_common_template/", esb = true,
    declared = false, changes_state = true, group = "templates",
    fields = {template_data = STR_REQ, override = BOOL},
    returns = "imported"},
  {name = "import_project_template", system = true, method = "POST", path = "/import_project_template/{bk_biz_id}/", esb = true,
    restricted = true, changes_state = true, group = "templates", fields = {template_data = STR_REQ},
    returns = "imported"},
  {name = "copy_template_across_project", system = true, method = "POST", path = "/copy_template_across_project/{bk_biz_id}/",
    restricted = true, changes_state = true, group = "templates",
    fields = {new_project_id = ID_REQ, template_ids = {"ids", true}},
    returns = "imported"},
  {name = "modify_template_notify", method = "POST", path = "/modify_template_notify/{template_id}/{bk_biz_id}/",
    changes_state = true, group = "templates",
    fields = {template_id = ID_REQ, notify_type = OBJ, notify_receivers = OBJ, common = BOOL},
    returns = {kind = "object", closed = true, fields = {template_id = "integer",
      notify_type = "object", notify_receivers = "object"}}},
  {name = "modify_template_executor_proxy", method = "POST",
    path = "/modify_template_executor_proxy/{template_id}/{bk_biz_id}/", changes_state = true, group = "templates",
    fields = {template_id = ID_REQ, executor_proxy = STR_REQ},
    returns = {kind = "object", closed = true, fields = {template_id = "integer",
      executor_proxy = "string"}}},
  -- periodic and clocked tasks
  {name = "create_periodic_task", system = true, method = "POST", path = "/create_periodic_task/{template_id}/{bk_biz_id}/",
    esb = true, restricted = true, changes_state = true, group = "periodic and clocked tasks",
    fields = {template_id = ID_REQ, name = STR_REQ, cron = OBJ_REQ, template_source = STR, constants = OBJ,
      exclude_task_nodes_id = LIST},
    returns = "periodic_task_detail"},
  {name = "get_periodic_task_list", system = true, method = "GET", path = "/get_periodic_task_list/{bk_biz_id}/", esb = true,
    group = "periodic and clocked tasks", fields = {include_edit_info = BOOL, expected_timezone = STR},
    returns = {kind = "list", items = "periodic_task"}},
  {name = "get_periodic_task_info", system = true, method = "GET", path = "/get_periodic_task_info/{task_id}/{bk_biz_id}/",
    esb = true, group = "periodic and clocked tasks", fields = {task_id = ID_REQ, include_edit_info = BOOL},
    returns = "periodic_task_detail"},
  {name = "set_periodic_task_enabled", system = true, method = "POST", path = "/set_periodic_task_enabled/{task_id}/{bk_biz_id}/",
    esb = true, changes_state = true, group = "periodic and clocked tasks",
    fields = {task_id = ID_REQ, enabled = {"boolean", true}},
    returns = {kind = "object", closed = true, fields = {enabled = "boolean"}}},
  {name = "modify_cron_for_periodic_task", system = true, method = "POST",
    path = "/modify_cron_for_periodic_task/{task_id}/{bk_biz_id}/", esb = true, changes_state = true,
    group = "periodic and clocked tasks", fields = {task_id = ID_REQ, cron = OBJ_REQ},
    returns = {kind = "object", closed = true, fields = {cron = "string"}}},
  {name = "modify_constants_for_periodic_task", system = true, method = "POST",
    path = "/modify_constants_for_periodic_task/{task_id}/{bk_biz_id}/", esb = true, changes_state = true,
    group = "periodic and clocked tasks", fields = {task_id = ID_REQ, constants = OBJ_REQ},
    returns = {kind = "map", keys = "variable keys", values = "constant"}},
  {name = "create_clocked_task", system = true, method = "POST", path = "/create_clocked_task/{template_id}/{bk_biz_id}/",
    restricted = true, changes_state = true, group = "periodic and clocked tasks",
    fields = {template_id = ID_REQ, task_name = STR_REQ, plan_start_time = STR_REQ, task_parameters = OBJ},
    returns = "clocked_task"},
  {name = "get_clocked_task_list", method = "GET", path = "/get_clocked_task_list/{bk_biz_id}/",
    group = "periodic and clocked tasks", pages = PAGES,
    fields = with(PAGE, {id = ID, task_name = STR, creator = STR, editor = STR, state = STR,
      expected_timezone = STR}),
    returns = {kind = "list", items = "clocked_task", envelope = {count = "integer"}}},
  -- plugins
  {name = "get_plugin_list", system = true, method = "GET", path = "/get_plugin_list/{bk_biz_id}/", esb = true,
    group = "plugins", fields = {},
    returns = {kind = "list", items = "plugin"}},
  {name = "get_plugin_detail", method = "GET", path = "/get_plugin_detail/{bk_biz_id}/", esb = true,
    declared = false, group = "plugins", fields = {code = STR_REQ, version = STR},
    returns = "plugin"},
  {name = "get_plugin_base_info", method = "GET", path = "/get_plugin_base_info/{bk_biz_id}/", declared = false,
    group = "plugins", fields = {},
    returns = {kind = "list", items = {kind = "object", closed = true, fields = {code = "string", name = "string"}}}},
  {name = "dispatch_plugin_query", system = true, method = "POST", path = "/dispatch_plugin_query/", restricted = true,
    group = "plugins", fields = {url = STR_REQ, method = STR, data = OBJ},
    returns = "any"},
  {name = "plugin_gateway_get_categories", method = "GET", path = "/plugin-gateway/categories/",
    restricted = true, group = "plugins", fields = {plugin_source = STR},
    returns = {kind = "list", items = {kind = "object", fields = {id = "string", name = "string"}}}},
  {name = "plugin_gateway_get_plugin_list", method = "GET", path = "/plugin-gateway/plugins/", restricted = true,
    group = "plugins", fields = {plugin_source = STR, category = STR, key = STR},
    returns = {kind = "object", fields = {total = "integer",
      apis = {kind = "list", items = "gateway_plugin"}}}},
  {name = "plugin_gateway_get_plugin_detail", method = "GET", path = "/plugin-gateway/plugins/{plugin_id}/",
    restricted = true, group = "plugins",
    fields = {plugin_id = STR_REQ, version = STR, source_key = STR, scope_type = STR, scope_value = STR},
    returns = {kind = "object", extends = "gateway_plugin", fields = {plugin_version = "string",
      version = "string", methods = {kind = "list", items = "string"}, inputs = {kind = "list", items = "plugin_field"},
      outputs = {kind = "list", items = "plugin_field"}}}},
  {name = "plugin_gateway_create_run", method = "POST", path = "/plugin-gateway/runs/", restricted = true,
    changes_state = true, group = "plugins",
    fields = {source_key = STR_REQ, plugin_id = STR_REQ, plugin_version = STR_REQ, client_request_id = STR_REQ,
      callback_url = STR_REQ, callback_token = STR_REQ, inputs = OBJ, context = OBJ, project_id = ID,
      operator = STR},
    returns = "gateway_run"},
  {name = "plugin_gateway_get_run_status", method = "GET", path = "/plugin-gateway/runs/status/",
    restricted = true, group = "plugins", fields = {task_tag = STR_REQ},
    returns = {kind = "object", closed = true, fields = {status = "string", outputs = "object",
      error_message = "string"}}},
  {name = "plugin_gateway_get_run_detail", method = "GET", path = "/plugin-gateway/runs/{run_id}/",
    restricted = true, group = "plugins", fields = {run_id = STR_REQ},
    returns = {kind = "object", closed = true, fields = {open_plugin_run_id = "string",
      status = "string", plugin_id = "string", plugin_version = "string", outputs = "object",
      error_message = "string"}}},
  {name = "plugin_gateway_internal_callback", method = "POST", path = "/plugin-gateway/runs/{run_id}/internal-callback/",
    restricted = true, changes_state = true, group = "plugins", fields = {run_id = STR_REQ, callback_data = ANY},
    returns = "gateway_run"},
  {name = "plugin_gateway_cancel_run", method = "POST", path = "/plugin-gateway/runs/{run_id}/cancel/",
    restricted = true, changes_state = true, group = "plugins", fields = {run_id = STR_REQ},
    returns = "gateway_run"},
  {name = "plugin_gateway_cancel_run_compat", method = "POST", path = "/plugin-gateway/runs/{run_id}/cancel",
    restricted = true, changes_state = true, group = "plugins", fields = {run_id = STR_REQ},
    returns = "gateway_run"},
  -- projects
  {name = "get_user_project_list", system = true, method = "GET", path = "/get_user_project_list/", esb = true,
    group = "projects", fields = {include_executor_proxy = BOOL},
    returns = {kind = "list", items = {kind = "object", closed = true, fields = {project_id = "integer",
      bk_biz_id = "integer", name = "string", executor_proxy = "string|null"},
      optional = {executor_proxy = "include_executor_proxy"}}}},
  {name = "get_user_project_detail", system = true, method = "GET", path = "/get_user_project_detail/{bk_biz_id}/", esb = true,
    group = "projects", fields = {include_executor_proxy = BOOL, include_staff_groups = BOOL},
    returns = {kind = "object", closed = true, fields = {project_id = "integer",
      project_name = "string", from_cmdb = "boolean", bk_biz_id = "integer", bk_biz_name = "string",
      bk_biz_developer = "string", bk_biz_maintainer = "string", bk_biz_tester = "string",
      bk_biz_productor = "string", auth_actions = {kind = "list", items = "string"}, executor_proxy = "string|null",
      staff_groups = {kind = "list", items = "object"}},
      optional = {executor_proxy = "include_executor_proxy", staff_groups = "include_staff_groups"}}},
  {name = "get_mini_app_list", system = true, method = "GET", path = "/get_mini_app_list/{bk_biz_id}/", group = "projects",
    pages = PAGES, fields = PAGE,
    returns = {kind = "list", items = {kind = "object", fields = {id = "integer", name = "string",
      code = "string", link = "string", category = "string", task_template_id = "integer",
      template_scheme_id = "string", auth_actions = {kind = "list", items = "string"}}}, envelope = {count = "integer"}}},
  {name = "modify_project_executor_proxy", method = "POST", path = "/modify_project_executor_proxy/{bk_biz_id}/",
    changes_state = true, group = "projects", fields = {executor_proxy = STR_REQ, executor_proxy_exempts = STR_REQ},
    returns = {kind = "object", closed = true, fields = {project_id = "integer",
      executor_proxy = "string", executor_proxy_exempts = "string"}}},
  {name = "register_project", system = true, method = "POST", path = "/register_project/", restricted = true,
    changes_state = true, group = "projects", fields = {bk_biz_id = ID_REQ},
    returns = {kind = "object", closed = true, fields = {project_id = "integer", project_name = "string"}}},
  {name = "apply_webhook_configs", system = true, method = "POST", path = "/apply_webhook_configs/{bk_biz_id}/",
    restricted = true, changes_state = true, group = "projects",
    fields = {template_ids = {"ids", true}, enable_webhook = BOOL, endpoint = STR, events = LIST, extra_info = OBJ,
      method = STR},
    returns = "none"},
  {name = "apply_job_file_upload_ticket", system = true, method = "GET", path = "/apply_job_file_upload_ticket/",
    restricted = true, group = "projects", fields = {},
    returns = "any"},
  {name = "job_file_upload", system = true, method = "POST", path = "/job_file_upload/{bk_biz_id}/", restricted = true,
    changes_state = true, group = "projects", fields = {},
    returns = "any"},
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
    local f = all[k]
    out[k] = {f[1], required == true or nil, travel = f.travel, max = f.max}
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
-- ensure (not sent): start only if the task still reads CREATED
M.CALLS.start_task.fields.ensure = BOOL
M.CALLS.start_task.local_fields = {ensure = true}
-- callback (not sent): a receiver (sops.callbacks) that gives the task a
-- callback URL of its own, for client:wait{callback = receiver}; key (not
-- sent): the task is made once per key (sops.keyed)
for _, name in ipairs({"create_task", "create_and_start_task"}) do
  M.CALLS[name].fields.callback = {"receiver"}
  M.CALLS[name].fields.key = STR
  M.CALLS[name].local_fields = {callback = true, key = true}
end
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

-- any field goes, as it is (an endpoint whose body is the caller's own)
local OPEN = {__index = function() return ANY end}

-- what each call checks on every use, worked out once
for _, c in pairs(M.CALLS) do
  local e = M.BY_NAME[c.api]
  c.scoped = e.path:find("{bk_biz_id}", 1, true) ~= nil
  c.pages = e.pages
  if c.scoped then
    c.fields.bk_biz_id = ID
    c.fields.scope = STR
  end
  -- a W3C trace context for this request, sent as the traceparent header
  c.fields.traceparent = {"traceparent"}
  if e.open then setmetatable(c.fields, OPEN) end
  c.local_fields = c.local_fields or {}
  c.local_fields.traceparent = true
  if c.pages then
    -- client:pages stops after this many items (not sent)
    c.fields.max_items = {"count"}
    c.local_fields.max_items = true
  end
  -- the same as a list, for the hot path
  c.local_list = {}
  for k in pairs(c.local_fields) do c.local_list[#c.local_list + 1] = k end
  -- required fields, and those sent in another shape than given (see
  -- sops.client): lists, id lists, "text" booleans
  c.required, c.reshape = {}, {}
  for name, f in pairs(c.fields) do
    if f[2] then c.required[#c.required + 1] = name end
    if f[1] == "list" or f[1] == "ids" or f.travel then
      c.reshape[#c.reshape + 1] = {name = name, kind = f[1], travel = f.travel, max = f.max}
    end
  end
end

-- the calls that client:pages takes, for its error message
local paged = {}
for name, c in pairs(M.CALLS) do
  if c.pages then paged[#paged + 1] = name end
end
table.sort(paged)
M.PAGED = table.concat(paged, ", ")

return M
