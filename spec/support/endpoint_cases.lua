-- The cases of every bk-sops endpoint, shared by spec/19-every_endpoint_spec.lua
-- (each call checked on the wire) and spec/43-result_shapes_spec.lua (each
-- successful answer checked against the call's declared result shape).
-- The expectations are written here, from bk-sops' views and docs, not
-- read from sops.api.
local M = {}

local RUN = string.rep("ab", 16) -- a plugin-gateway run id: 32 hex digits

-- The cases, in the order they run (some need what an earlier one made).
-- ctx: task ids made in setup (T: created, F: a functionalization task),
-- node N of T and TN, the id of N's node in template 1 (its
-- template_node_id). ids: the path parameters, as ESB takes them instead.
-- GET: query = the parsed query; POST: body = the decoded JSON body.
-- outcome: "value" (the default), "api" (a refusal the view makes), or
-- an HTTP status the simulator answers with.
function M.cases(ctx)
  local T, F, N, TN = ctx.T, ctx.F, ctx.N, ctx.TN
  local S = "cmdb_biz"
  return {
    -- tasks
    {"create_task", {template_id = 1, name = "a", constants = {["${app}"] = "api"}, exclude_task_nodes_id = {}},
      "POST /create_task/1/2/", body = {name = "a", constants = {["${app}"] = "api"}, exclude_task_nodes_id = {},
        scope = S}, ids = {template_id = 1, bk_biz_id = 2}},
    {"create_and_start_task", {template_id = 1, name = "b", template_source = "business"},
      "POST /create_and_start_task/1/2/", body = {name = "b", template_source = "business", scope = S},
      ids = {template_id = 1, bk_biz_id = 2}},
    {"fast_create_task", {name = "c", pipeline_tree = {start_event = {id = "s"}}},
      "POST /fast_create_task/2/", body = {name = "c", pipeline_tree = {start_event = {id = "s"}}, scope = S},
      ids = {bk_biz_id = 2}},
    {"modify_constants_for_task", {task_id = T, constants = {["${app}"] = "x"}},
      "POST /modify_constants_for_task/" .. T .. "/2/", body = {constants = {["${app}"] = "x"}, scope = S},
      ids = {task_id = T, bk_biz_id = 2}},
    {"get_tasks_manual_intervention_state", {task_id_list = {T, "7"}},
      "POST /get_tasks_manual_intervention_state/2/", body = {task_id_list = {T, 7}, scope = S},
      ids = {bk_biz_id = 2}},
    {"start_task", {task_id = T}, "POST /start_task/" .. T .. "/2/", body = {scope = S},
      ids = {task_id = T, bk_biz_id = 2}},
    {"operate_task", {task_id = T, action = "pause"}, advance = 1, "POST /operate_task/" .. T .. "/2/",
      body = {action = "pause", scope = S}, ids = {task_id = T, bk_biz_id = 2}},
    {"get_task_status", {task_id = T, with_ex_data = true, with_failed_node_info = false},
      "GET /get_task_status/" .. T .. "/2/", query = {with_ex_data = "true", scope = S},
      ids = {task_id = T, bk_biz_id = 2}},
    {"get_tasks_status", {task_id_list = {T}, include_children_status = true}, "POST /get_tasks_status/2/",
      body = {task_id_list = {T}, include_children_status = true, scope = S}, ids = {bk_biz_id = 2}},
    {"get_task_detail", {task_id = T}, "GET /get_task_detail/" .. T .. "/2/", query = {scope = S},
      ids = {task_id = T, bk_biz_id = 2}},
    {"get_task_list", {is_started = false, template_ids = {1, "2"}, limit = 10, offset = 0},
      "GET /get_task_list/2/", query = {is_started = "false", template_ids = "1,2", limit = "10", offset = "0",
        scope = S}, ids = {bk_biz_id = 2}},
    {"get_task_count", {is_finished = false, keyword = "a"}, "GET /get_task_count/2/",
      query = {is_finished = "false", keyword = "a", scope = S}, ids = {bk_biz_id = 2}},
    {"query_task_count", {group_by = "flow_type"}, "POST /query_task_count/2/",
      body = {group_by = "flow_type", scope = S}, ids = {bk_biz_id = 2}},
    {"get_task_operate_record", {task_id = T}, "GET /get_task_operate_record/" .. T .. "/2/", query = {scope = S},
      ids = {task_id = T, bk_biz_id = 2}},
    {"get_task_effective_time", {task_id = T}, "GET /get_task_effective_time/" .. T .. "/2/", query = {scope = S},
      ids = {task_id = T, bk_biz_id = 2}},
    {"claim_functionalization_task", {task_id = F, name = "claimed"},
      "POST /claim_functionalization_task/" .. F .. "/2/", body = {name = "claimed", scope = S},
      ids = {task_id = F, bk_biz_id = 2}},
    {"get_functionalization_task_list", {id_in = {F}, limit = 5}, "GET /get_functionalization_task_list/",
      query = {id_in = tostring(F), limit = "5"}},
    -- nodes
    {"operate_node", {task_id = T, node_id = N, action = "skip"}, "POST /operate_node/2/" .. T .. "/",
      body = {node_id = N, action = "skip", scope = S}, ids = {bk_biz_id = 2, task_id = T}, outcome = "api"},
    {"node_callback", {task_id = T, node_id = N, callback_data = {ok = 1}}, "POST /node_callback/" .. T .. "/2/",
      body = {node_id = N, callback_data = {ok = 1}, scope = S}, ids = {task_id = T, bk_biz_id = 2},
      outcome = "api"},
    {"get_task_node_detail", {task_id = T, node_id = N, subprocess_stack = {}},
      "GET /get_task_node_detail/" .. T .. "/2/", query = {node_id = N, subprocess_stack = "[]", scope = S},
      ids = {task_id = T, bk_biz_id = 2}},
    {"get_task_node_data", {task_id = T, node_id = N, component_code = "sleep_timer"},
      "GET /get_task_node_data/2/" .. T .. "/", query = {node_id = N, component_code = "sleep_timer", scope = S},
      ids = {bk_biz_id = 2, task_id = T}},
    {"get_task_node_log", {task_id = T, node_id = N, page = 1}, "GET /get_task_node_log/" .. T .. "/2/",
      query = {node_id = N, page = "1", scope = S}, ids = {task_id = T, bk_biz_id = 2}},
    {"get_task_plugin_log", {task_id = T, node_id = N, trace_id = "t1", plugin_code = "p"},
      "GET /get_task_plugin_log/" .. T .. "/2/",
      query = {node_id = N, trace_id = "t1", plugin_code = "p", scope = S}, ids = {task_id = T, bk_biz_id = 2}},
    -- (N has not run: no execution data, the view's refusal)
    {"get_node_job_executed_log", {task_id = T, node_id = N, target_ip = "10.0.0.1"},
      "GET /get_node_job_executed_log/" .. T .. "/2/", query = {node_id = N, target_ip = "10.0.0.1", scope = S},
      ids = {task_id = T, bk_biz_id = 2}, outcome = "api"},
    {"callback", {token = "tok/en", node_result = true}, "POST /callback/tok%2Fen/",
      body = {node_result = true}, outcome = 400},
    -- templates
    {"get_template_list", {id_in = {1, 2}, include_labels = true, include_notify = false},
      "GET /get_template_list/2/", query = {id_in = "1,2", include_labels = "true", scope = S},
      ids = {bk_biz_id = 2}},
    -- (include_webhook: master's, a463ff96a)
    {"get_template_info", {template_id = 1, include_constants = true, include_webhook = true},
      "GET /get_template_info/1/2/", query = {include_constants = "true", include_webhook = "true", scope = S},
      ids = {template_id = 1, bk_biz_id = 2}},
    -- (master's; no task of template 1 has ended: no record yet)
    {"get_node_execution_record", {template_id = 1, template_node_id = TN}, "GET /get_node_execution_record/1/2/",
      query = {template_node_id = TN, scope = S}, ids = {template_id = 1, bk_biz_id = 2}},
    {"get_template_schemes", {template_id = 1, with_constants = true}, "GET /get_template_schemes/2/1/",
      query = {with_constants = "true", scope = S}, ids = {bk_biz_id = 2, template_id = 1}},
    {"get_common_template_list", {include_notify = true}, "GET /get_common_template_list/",
      query = {include_notify = "true"}},
    {"get_common_template_info", {template_id = 90}, "GET /get_common_template_info/90/", query = {},
      ids = {template_id = 90}},
    {"preview_task_tree", {template_id = 1, exclude_task_nodes_id = {}}, "POST /preview_task_tree/2/1/",
      body = {exclude_task_nodes_id = {}, scope = S}, ids = {bk_biz_id = 2, template_id = 1}},
    {"preview_common_task_tree", {template_id = 90}, "POST /preview_common_task_tree/2/90/", body = {scope = S},
      ids = {bk_biz_id = 2, template_id = 90}},
    {"create_template", {name = "made", pipeline_tree = {start_event = {id = "s"}}}, "POST /create_template/2/",
      body = {name = "made", pipeline_tree = {start_event = {id = "s"}}, scope = S}, ids = {bk_biz_id = 2}},
    {"import_common_template", {template_data = ctx.export, override = false}, "POST /import_common_template/",
      body = {template_data = ctx.export, override = false}},
    {"import_project_template", {template_data = ctx.export}, "POST /import_project_template/2/",
      body = {template_data = ctx.export, scope = S}, ids = {bk_biz_id = 2}},
    {"copy_template_across_project", {new_project_id = 5, template_ids = {1}},
      "POST /copy_template_across_project/2/", body = {new_project_id = 5, template_ids = {1}, scope = S},
      ids = {bk_biz_id = 2}},
    {"modify_template_notify", {template_id = 1, notify_type = {success = {"mail"}}},
      "POST /modify_template_notify/1/2/", body = {notify_type = {success = {"mail"}}, scope = S},
      ids = {template_id = 1, bk_biz_id = 2}},
    {"modify_template_executor_proxy", {template_id = 1, executor_proxy = ""},
      "POST /modify_template_executor_proxy/1/2/", body = {executor_proxy = "", scope = S},
      ids = {template_id = 1, bk_biz_id = 2}},
    -- periodic and clocked tasks
    {"create_periodic_task", {template_id = 1, name = "nightly", cron = {minute = "0", hour = "2"}},
      "POST /create_periodic_task/1/2/", body = {name = "nightly", cron = {minute = "0", hour = "2"}, scope = S},
      ids = {template_id = 1, bk_biz_id = 2}},
    {"get_periodic_task_list", {}, "GET /get_periodic_task_list/2/", query = {scope = S}, ids = {bk_biz_id = 2}},
    {"get_periodic_task_info", {task_id = 1}, "GET /get_periodic_task_info/1/2/", query = {scope = S},
      ids = {task_id = 1, bk_biz_id = 2}},
    {"set_periodic_task_enabled", {task_id = 1, enabled = false}, "POST /set_periodic_task_enabled/1/2/",
      body = {enabled = false, scope = S}, ids = {task_id = 1, bk_biz_id = 2}},
    {"modify_cron_for_periodic_task", {task_id = 1, cron = {minute = "5"}},
      "POST /modify_cron_for_periodic_task/1/2/", body = {cron = {minute = "5"}, scope = S},
      ids = {task_id = 1, bk_biz_id = 2}},
    {"modify_constants_for_periodic_task", {task_id = 1, constants = {["${app}"] = "y"}},
      "POST /modify_constants_for_periodic_task/1/2/", body = {constants = {["${app}"] = "y"}, scope = S},
      ids = {task_id = 1, bk_biz_id = 2}},
    {"create_clocked_task", {template_id = 1, task_name = "at two", plan_start_time = "2026-12-01 02:00:00+0800"},
      "POST /create_clocked_task/1/2/",
      body = {task_name = "at two", plan_start_time = "2026-12-01 02:00:00+0800", scope = S},
      ids = {template_id = 1, bk_biz_id = 2}},
    {"get_clocked_task_list", {task_name = "two", limit = 20}, "GET /get_clocked_task_list/2/",
      query = {task_name = "two", limit = "20", scope = S}, ids = {bk_biz_id = 2}},
    -- plugins
    {"get_plugin_list", {}, "GET /get_plugin_list/2/", query = {scope = S}, ids = {bk_biz_id = 2}},
    {"get_plugin_detail", {code = "sleep_timer", version = "legacy"}, "GET /get_plugin_detail/2/",
      query = {code = "sleep_timer", version = "legacy", scope = S}, ids = {bk_biz_id = 2}},
    {"get_plugin_base_info", {}, "GET /get_plugin_base_info/2/", query = {scope = S}, ids = {bk_biz_id = 2}},
    {"dispatch_plugin_query", {url = "/pipeline/x/", method = "GET"}, "POST /dispatch_plugin_query/",
      body = {url = "/pipeline/x/", method = "GET"}, outcome = "api"},
    {"plugin_gateway_get_categories", {plugin_source = "builtin"}, "GET /plugin-gateway/categories/",
      query = {plugin_source = "builtin"}},
    {"plugin_gateway_get_plugin_list", {key = "timing"}, "GET /plugin-gateway/plugins/", query = {key = "timing"}},
    {"plugin_gateway_get_plugin_detail", {plugin_id = "builtin__sleep_timer", version = "legacy"},
      "GET /plugin-gateway/plugins/builtin__sleep_timer/", query = {version = "legacy"}},
    {"plugin_gateway_create_run", {source_key = "k", plugin_id = "builtin__sleep_timer", plugin_version = "legacy",
      client_request_id = "r1", callback_url = "https://x.example/cb", callback_token = "t"},
      "POST /plugin-gateway/runs/", body = {source_key = "k", plugin_id = "builtin__sleep_timer",
        plugin_version = "legacy", client_request_id = "r1", callback_url = "https://x.example/cb",
        callback_token = "t"}},
    {"plugin_gateway_get_run_status", {task_tag = RUN}, "GET /plugin-gateway/runs/status/", query = {task_tag = RUN},
      outcome = "api"},
    {"plugin_gateway_get_run_detail", {run_id = RUN}, "GET /plugin-gateway/runs/" .. RUN .. "/", query = {},
      outcome = "api"},
    {"plugin_gateway_internal_callback", {run_id = RUN, callback_data = {x = 1}},
      "POST /plugin-gateway/runs/" .. RUN .. "/internal-callback/", body = {callback_data = {x = 1}},
      outcome = "api"},
    {"plugin_gateway_cancel_run", {run_id = RUN}, "POST /plugin-gateway/runs/" .. RUN .. "/cancel/", body = {},
      outcome = "api"},
    {"plugin_gateway_cancel_run_compat", {run_id = RUN}, "POST /plugin-gateway/runs/" .. RUN .. "/cancel",
      body = {}, outcome = "api"},
    -- projects
    {"get_user_project_list", {include_executor_proxy = true}, "GET /get_user_project_list/",
      query = {include_executor_proxy = "true"}},
    {"get_user_project_detail", {include_staff_groups = true}, "GET /get_user_project_detail/2/",
      query = {include_staff_groups = "true", scope = S}, ids = {bk_biz_id = 2}},
    {"get_mini_app_list", {limit = 3}, "GET /get_mini_app_list/2/", query = {limit = "3", scope = S},
      ids = {bk_biz_id = 2}},
    {"modify_project_executor_proxy", {executor_proxy = "admin", executor_proxy_exempts = "a,b"},
      "POST /modify_project_executor_proxy/2/", body = {executor_proxy = "admin", executor_proxy_exempts = "a,b",
        scope = S}, ids = {bk_biz_id = 2}},
    {"register_project", {bk_biz_id = 7}, "POST /register_project/", body = {bk_biz_id = 7}},
    {"apply_webhook_configs", {template_ids = {1}, enable_webhook = false}, "POST /apply_webhook_configs/2/",
      body = {template_ids = {1}, enable_webhook = false, scope = S}, ids = {bk_biz_id = 2}},
    {"apply_job_file_upload_ticket", {}, "GET /apply_job_file_upload_ticket/", query = {}, outcome = 404},
    {"job_file_upload", {}, "POST /job_file_upload/2/", body = {scope = S}, ids = {bk_biz_id = 2}, outcome = 404},
  }
end

-- base64 of an export the simulator imports (bk-sops' own is base64 JSON too)
function M.base64(s)
  local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((s:gsub(".", function(x)
    local r, byte = "", x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return chars:sub(c + 1, c + 1)
  end) .. ({"", "==", "="})[#s % 3 + 1])
end


-- What the cases need on a fresh simulator (`sim` of spec/helpers.lua):
-- a common template (90), a created task (T) with a node (N), a
-- functionalization task (F) and an export to import; returns that ctx.
function M.context(sim)
  sim:config({whitelist = {require("helpers").APP_CODE}})
  sim:control("POST", "templates", {id = 90, name = "Common deploy", common = true,
    steps = {{name = "one", duration = 1}}})
  local t = sim:task({template_id = 1})
  local f = sim:task({template_id = 1, flow_type = "common_func"})
  local tn
  for _, n in ipairs(t.nodes) do
    if n.id == t.node_ids.precheck then tn = n.template_node_id end
  end
  return {T = t.task_id, F = f.task_id, N = t.node_ids.precheck, TN = tn,
    export = M.base64('{"templates": [{"name": "imported"}]}')}
end

return M
