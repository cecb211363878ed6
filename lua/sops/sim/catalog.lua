-- The simulator's own route table: what bk-sops serves, written from the
-- server's side (gcloud/apigw/management/commands/data/api-resources.yml for
-- the 58 declared resources of master, gcloud/apigw/urls.py for the views users reach
-- without a declaration, bkapi-component-open's SopsGroup for ESB). It is
-- the reference the client is tested against, so it is kept apart from the
-- client's table (sops.api); a spec checks that the two agree.
--
-- path: as the gateway (or urls.py) has it, parameters in braces; a
-- parameter is digits unless `text` gives its pattern. esb: served at
-- /api/c/compapi/v2/sops/<name>/ too. restricted: tagged 限制接口, so the
-- gateway answers 403 APP_NO_PERMISSION to an app it has not approved.
-- declared = false: in urls.py only. auth: what the gateway verifies,
-- "app" (no user) or "none" (nothing), else the app and the user.
-- system: has an app-state twin, system_<name> at "/system" .. path
-- (bk-sops' dev_multi_tenant declares 42: userVerifiedRequired false, the
-- same backend view), served by a multi-tenant simulator only; a twin
-- verifies the app and no user (a resource of auth "none" stays so), and
-- is restricted where the plain one is (the twins are tagged 限制接口
-- exactly where the plain resources are).
local M = {}

-- the parameters that are not digits, and their patterns (urls.py)
local TEXT = {
  plugin_id = "^[%w_-]+$",
  run_id = "^" .. string.rep("[0-9a-f]", 32) .. "$",
  token = "^[^/]+$",
}
M.TEXT = TEXT

M.ROUTES = {
  -- tasks
  {"create_task", "POST", "/create_task/{template_id}/{bk_biz_id}/", system = true, esb = true},
  {"create_and_start_task", "POST", "/create_and_start_task/{template_id}/{bk_biz_id}/", esb = true},
  {"fast_create_task", "POST", "/fast_create_task/{bk_biz_id}/", system = true, esb = true, restricted = true},
  {"start_task", "POST", "/start_task/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"operate_task", "POST", "/operate_task/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"get_task_status", "GET", "/get_task_status/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"get_tasks_status", "POST", "/get_tasks_status/{bk_biz_id}/", system = true, esb = true},
  {"get_task_detail", "GET", "/get_task_detail/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"get_task_list", "GET", "/get_task_list/{bk_biz_id}/", system = true, esb = true},
  {"get_task_count", "GET", "/get_task_count/{bk_biz_id}/", declared = false},
  {"query_task_count", "POST", "/query_task_count/{bk_biz_id}/", esb = true, declared = false},
  {"get_tasks_manual_intervention_state", "POST", "/get_tasks_manual_intervention_state/{bk_biz_id}/", esb = true,
    declared = false},
  {"modify_constants_for_task", "POST", "/modify_constants_for_task/{task_id}/{bk_biz_id}/", esb = true,
    declared = false},
  {"get_task_operate_record", "GET", "/get_task_operate_record/{task_id}/{project_id}/", system = true},
  {"get_task_effective_time", "GET", "/get_task_effective_time/{task_id}/{bk_biz_id}/", system = true},
  {"get_task_node_log", "GET", "/get_task_node_log/{task_id}/{bk_biz_id}/", system = true},
  {"get_task_plugin_log", "GET", "/get_task_plugin_log/{task_id}/{bk_biz_id}/", system = true},
  {"get_node_job_executed_log", "GET", "/get_node_job_executed_log/{task_id}/{bk_biz_id}/", declared = false},
  {"claim_functionalization_task", "POST", "/claim_functionalization_task/{task_id}/{bk_biz_id}/", esb = true,
    restricted = true},
  {"get_functionalization_task_list", "GET", "/get_functionalization_task_list/", system = true, esb = true},
  {"create_clocked_task", "POST", "/create_clocked_task/{template_id}/{bk_biz_id}/", system = true, restricted = true},
  {"get_clocked_task_list", "GET", "/get_clocked_task_list/{bk_biz_id}/"},
  -- nodes
  {"operate_node", "POST", "/operate_node/{bk_biz_id}/{task_id}/", system = true, esb = true},
  {"node_callback", "POST", "/node_callback/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"get_task_node_detail", "GET", "/get_task_node_detail/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"get_task_node_data", "GET", "/get_task_node_data/{bk_biz_id}/{task_id}/", system = true, esb = true},
  {"callback", "POST", "/callback/{token}/", system = true, restricted = true, auth = "none"},
  -- templates
  {"get_template_list", "GET", "/get_template_list/{bk_biz_id}/", system = true, esb = true},
  {"get_template_info", "GET", "/get_template_info/{template_id}/{bk_biz_id}/", system = true, esb = true},
  -- (master since 246c3830c; release_humming_bird and dev_multi_tenant have
  -- no such view: POST /_sim/config {"missing": [...]} makes a server without it)
  {"get_node_execution_record", "GET", "/get_node_execution_record/{template_id}/{bk_biz_id}/"},
  {"get_template_schemes", "GET", "/get_template_schemes/{bk_biz_id}/{template_id}/", system = true, esb = true},
  {"get_common_template_list", "GET", "/get_common_template_list/", system = true, esb = true},
  {"get_common_template_info", "GET", "/get_common_template_info/{template_id}/", system = true, esb = true},
  {"preview_task_tree", "POST", "/preview_task_tree/{bk_biz_id}/{template_id}/", system = true, esb = true},
  {"preview_common_task_tree", "POST", "/preview_common_task_tree/{bk_biz_id}/{template_id}/", esb = true,
    declared = false},
  {"create_template", "POST", "/create_template/{bk_biz_id}/", declared = false},
  {"import_common_template", "POST", "/import_common_template/", esb = true, declared = false},
  {"import_project_template", "POST", "/import_project_template/{bk_biz_id}/", system = true, esb = true,
    restricted = true},
  {"copy_template_across_project", "POST", "/copy_template_across_project/{bk_biz_id}/", system = true, restricted = true},
  {"modify_template_notify", "POST", "/modify_template_notify/{template_id}/{bk_biz_id}/"},
  {"modify_template_executor_proxy", "POST", "/modify_template_executor_proxy/{template_id}/{bk_biz_id}/"},
  -- periodic tasks
  {"create_periodic_task", "POST", "/create_periodic_task/{template_id}/{bk_biz_id}/", system = true, esb = true,
    restricted = true},
  {"get_periodic_task_list", "GET", "/get_periodic_task_list/{bk_biz_id}/", system = true, esb = true},
  {"get_periodic_task_info", "GET", "/get_periodic_task_info/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"set_periodic_task_enabled", "POST", "/set_periodic_task_enabled/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"modify_cron_for_periodic_task", "POST", "/modify_cron_for_periodic_task/{task_id}/{bk_biz_id}/", system = true, esb = true},
  {"modify_constants_for_periodic_task", "POST", "/modify_constants_for_periodic_task/{task_id}/{bk_biz_id}/", system = true,
    esb = true},
  -- plugins
  {"get_plugin_list", "GET", "/get_plugin_list/{bk_biz_id}/", system = true, esb = true},
  {"get_plugin_detail", "GET", "/get_plugin_detail/{bk_biz_id}/", esb = true, declared = false},
  {"get_plugin_base_info", "GET", "/get_plugin_base_info/{bk_biz_id}/", declared = false},
  {"dispatch_plugin_query", "POST", "/dispatch_plugin_query/", system = true, restricted = true},
  {"plugin_gateway_get_categories", "GET", "/plugin-gateway/categories/", restricted = true, auth = "app"},
  {"plugin_gateway_get_plugin_list", "GET", "/plugin-gateway/plugins/", restricted = true, auth = "app"},
  {"plugin_gateway_get_plugin_detail", "GET", "/plugin-gateway/plugins/{plugin_id}/", restricted = true, auth = "app"},
  {"plugin_gateway_create_run", "POST", "/plugin-gateway/runs/", restricted = true, auth = "app"},
  {"plugin_gateway_get_run_status", "GET", "/plugin-gateway/runs/status/", restricted = true, auth = "app"},
  {"plugin_gateway_get_run_detail", "GET", "/plugin-gateway/runs/{run_id}/", restricted = true, auth = "app"},
  {"plugin_gateway_internal_callback", "POST", "/plugin-gateway/runs/{run_id}/internal-callback/", restricted = true,
    auth = "app"},
  {"plugin_gateway_cancel_run", "POST", "/plugin-gateway/runs/{run_id}/cancel/", restricted = true, auth = "app"},
  {"plugin_gateway_cancel_run_compat", "POST", "/plugin-gateway/runs/{run_id}/cancel", restricted = true, auth = "app"},
  -- projects and the rest
  {"get_user_project_list", "GET", "/get_user_project_list/", system = true, esb = true},
  {"get_user_project_detail", "GET", "/get_user_project_detail/{bk_biz_id}/", system = true, esb = true},
  {"get_mini_app_list", "GET", "/get_mini_app_list/{bk_biz_id}/", system = true},
  {"modify_project_executor_proxy", "POST", "/modify_project_executor_proxy/{bk_biz_id}/"},
  {"register_project", "POST", "/register_project/", system = true, restricted = true},
  {"apply_webhook_configs", "POST", "/apply_webhook_configs/{project_id}/", system = true, restricted = true},
  {"apply_job_file_upload_ticket", "GET", "/apply_job_file_upload_ticket/", system = true, restricted = true},
  {"job_file_upload", "POST", "/job_file_upload/{bk_biz_id}/", system = true, restricted = true},
}

-- Compiles each route: name, method, path, params (in path order),
-- pattern (a Lua pattern capturing each parameter), and the flags.
M.BY_NAME = {}
for _, r in ipairs(M.ROUTES) do
  r.name, r.method, r.path = r[1], r[2], r[3]
  r.declared = r.declared ~= false
  r.system = r.system == true
  r.params = {}
  local pattern = "^" .. r.path:gsub("[%-%.]", "%%%0"):gsub("{([%w_]+)}", function(p)
    r.params[#r.params + 1] = p
    return "([^/]+)"
  end) .. "$"
  r.pattern = pattern
  M.BY_NAME[r.name] = r
end

-- The route whose method and path match (the gateway matches both
-- together: a wrong method finds no route), the raw values of its
-- parameters, and whether the path named its app-state twin; nil when none
-- does. path: the stage removed. twins: "/system/..." names the twin of a
-- route that has one (a multi-tenant gateway); else nothing matches it.
function M.match(path, method, twins)
  local twin = false
  if twins and path:sub(1, 8) == "/system/" then path, twin = path:sub(8), true end
  for _, r in ipairs(M.ROUTES) do
    if (method == nil or r.method == method) and (r.system or not twin) then
      local values = {path:match(r.pattern)}
      if values[1] ~= nil then return r, #r.params > 0 and values or {}, twin end
    end
  end
  return nil
end

return M
