---@meta sops
-- made from lua/sops/api.lua, lua/sops/shapes.lua, lua/sops/options.lua, lua/sops/wait.lua, lua/sops/tree.lua, csrc/errors.h
-- and tools/about.lua by `make docs` (tools/types.lua); do not edit
--
-- lua-language-server: add this directory to "workspace.library" (docs/client.md, "Editor completion").

---JSON null as the core decodes it (`sops.null`, the same value as cjson.null).
---@alias sops.Null lightuserdata

---The options of sops.new and sops.configure.
---@class sops.Options
---@field access_token? string the user's OAuth access token
---@field app_code string the app's code
---@field app_secret string the app's secret
---@field bk_biz_id? integer|string the business of every call that gives none; an id in any of the forms below
---@field bk_token? string the user's login token
---@field ca_file? string the certificates to trust
---@field connect_timeout? number seconds (at most 1e6) to make a connection
---@field credentials? "header"|"params" where the app's credentials go: `X-Bkapi-Authorization` only, or (ESB) the query or body
---@field headers? table extra request headers, `{["X-Name"] = "value"}`
---@field language? string sets `Accept-Language` and `Blueking-Language`
---@field max_body? integer larger responses are refused with a `decode` error before they are read
---@field on_request? any a hook that sees every attempt before it goes (below)
---@field on_response? any a hook that sees every attempt's outcome (below)
---@field profile? any a profile of the `bksops` command's config file, or `true`: the connection the command would use, the other options winning (see "Configuration")
---@field proxy? string e.g. `"http://proxy:3128"`; a password in it is scrubbed from errors like the other secrets
---@field retries? any the retry policy (below): `true` for the defaults, or `{max = 2, methods = "safe", backoff = 0.2, max_backoff = 5}`
---@field route? "apigw"|"esb"|"system" how ids and credentials travel; `"system"`: the gateway's app-state twins (see below)
---@field scope? string what `bk_biz_id` is, for every call that gives none: `"project"` makes it a project id
---@field tenant_id? string sets `X-Bk-Tenant-Id` (multi-tenant BlueKing; not with ESB, which it has not)
---@field timeout? number seconds (at most 1e6); always enforced: a call's whole budget, retries included
---@field transport? "curl"|"ngx" `"curl"` always uses libcurl, `"ngx"` insists on cosockets (see "OpenResty")
---@field url string gateway stage URL (`.../api/bk-sops/prod`) or ESB base (`.../api/c/compapi/v2/sops`)
---@field user_agent? string the User-Agent header
---@field username? string the user to act as (needs an app the gateway exempts from user verification)
---@field verify_tls? boolean TLS verification is on unless you turn it off

---What went wrong: the kind of an error.
---@alias sops.ErrorKind "api"|"gateway"|"http"|"timeout"|"transport"|"tls"|"decode"|"closed"|"phase"|"callback"|"cancelled"

---A lua-sops error (the third value of a failure); tostring gives its message.
---@class sops.Error
---@field kind sops.ErrorKind
---@field message string
---@field code? integer|number|string
---@field http_status? integer
---@field request_id? string
---@field trace_id? string
---@field api? string
---@field retryable boolean
---@field detail? any
---@field retry_after? number
---@field sent? boolean
---@field [string] any

---client:wait's fields.
---@class sops.wait.args
---@field backoff? number
---@field bk_biz_id? integer|string
---@field callback? sops.Receiver
---@field interval? number
---@field jitter? number
---@field max_interval? number
---@field node? string
---@field on_change? any
---@field on_poll? any
---@field on_timeout? string
---@field outputs? boolean
---@field scope? string
---@field sleep? any
---@field stall? number
---@field task_id integer|string
---@field timeout? number
---@field until_states? any[]

---client:wait_all's fields.
---@class sops.wait_all.args
---@field backoff? number
---@field bk_biz_id? integer|string
---@field callback? sops.Receiver
---@field children? boolean
---@field fail_fast? boolean
---@field interval? number
---@field jitter? number
---@field max_interval? number
---@field on_change? any
---@field on_poll? any
---@field on_timeout? string
---@field outputs? boolean
---@field scope? string
---@field sleep? any
---@field stall? number
---@field task_ids any[]
---@field timeout? number
---@field until_states? any[]

---What wait returns for one task, packed: {status, message, err, n = 3}.
---@class sops.WaitResult
---@field [1] sops.shape.task_status|nil
---@field [2] string|nil
---@field [3] sops.Error|table|nil
---@field n integer

---The pager of client:pages.
---@class sops.Pager
---@field requests integer
---@field count integer|nil
---@field message string|nil
---@field err sops.Error|table|nil

---What client:prepare returns: the request a call would send, unsent, every secret as ***.
---@class sops.Prepared
---@field method string
---@field url string
---@field headers string[]
---@field body string|nil
---@field changes_state boolean
---@field curl string

---sops.callbacks.listen's options.
---@class sops.callbacks.listen.opts
---@field host string
---@field idle_timeout? integer
---@field max_connections? integer
---@field max_pending? integer
---@field port integer
---@field public_url? string
---@field ttl? number

---sops.callbacks.shared's options.
---@class sops.callbacks.shared.opts
---@field dict? string
---@field public_url string
---@field ttl? number

---A completion-callback receiver (sops.callbacks.listen or .shared), for client:wait{callback = ...}.
---@class sops.Receiver
local Receiver = {}

---The URL bk-sops calls back.
---@return string
function Receiver:url() end

---The port it listens on (sops.callbacks.listen).
---@return integer
function Receiver:port() end

---How many callbacks wait to be taken (sops.callbacks.listen).
---@return integer
function Receiver:pending() end

---Answers callbacks for `seconds` (sops.callbacks.listen).
---@param seconds number
function Receiver:serve(seconds) end

---Stops listening (sops.callbacks.listen).
function Receiver:close() end

---@class sops.callbacks
local callbacks = {}

---A receiver for a plain Lua process: listens on host:port.
---@param opts sops.callbacks.listen.opts
---@return sops.Receiver|nil receiver
---@return string|nil message
---@return sops.Error|table|nil err
function callbacks.listen(opts) end

---A receiver inside OpenResty, on a lua_shared_dict shared by every worker.
---@param opts sops.callbacks.shared.opts
---@return sops.Receiver
function callbacks.shared(opts) end

---The content handler of the location that public_url names (OpenResty).
---@param opts? table
function callbacks.handler(opts) end

---Whether v is a receiver.
---@param v any
---@return boolean
function callbacks.is_receiver(v) end

---A task planned for a time.
---@class sops.shape.clocked_task
---@field auth_actions? string[] optional: get_clocked_task_list
---@field clocked_task_id? integer optional: get_clocked_task_list
---@field create_time string
---@field creator string
---@field edit_time string
---@field editor string
---@field id integer
---@field plan_start_time string
---@field project_id integer
---@field state string
---@field task_id integer|sops.Null
---@field task_name string
---@field task_parameters table
---@field template_id integer
---@field template_name string
---@field template_source string
---@field [string] any

---A variable of a pipeline tree, keyed by its key (`${name}`).
---@class sops.shape.constant
---@field custom_type string
---@field desc string
---@field index integer
---@field is_meta boolean
---@field key string
---@field name string
---@field show_type string
---@field source_info table
---@field source_tag string
---@field source_type string
---@field validation string
---@field value any
---@field version? string optional: a variable of a plugin or a custom type with versions
---@field [string] any

---The task just made.
---@class sops.shape.created_task
---@field duplicates? integer[] optional: lua-sops, with `key`, when several tasks carry the key: the others' ids
---@field existing? boolean optional: lua-sops, with `key`: whether the task was there already
---@field function_task_claim_url? string optional: create_task with flow_type common_func
---@field keep? integer optional: lua-sops, with `key`, when several tasks carry the key: the lowest id
---@field name? string optional: lua-sops, with `key`, when a task was found
---@field pipeline_tree sops.shape.pipeline_tree
---@field rechecked? boolean optional: lua-sops, with `key`, when a task was made: whether the second look succeeded
---@field state? string optional: lua-sops, with `key`, when a task was found: its state then
---@field task_id integer
---@field task_url string

---One successful past run of a template node.
---@class sops.shape.execution_time
---@field archived_time string
---@field elapsed_time integer

---A plugin as the plugin gateway lists it.
---@class sops.shape.gateway_plugin
---@field category string
---@field default_version string
---@field description string
---@field group string
---@field id string
---@field latest_version string
---@field name string
---@field plugin_code string
---@field plugin_source string
---@field versions string[]
---@field wrapper_version string
---@field [string] any

---A plugin run of the plugin gateway.
---@class sops.shape.gateway_run
---@field open_plugin_run_id string
---@field status string

---The templates made.
---@class sops.shape.imported
---@field count integer
---@field flows table<string, string>

---One node's state in a task's status tree.
---@class sops.shape.node_status
---@field children table<string, sops.shape.node_status>
---@field elapsed_time integer
---@field error_ignorable boolean
---@field error_ignored boolean
---@field finish_time string|sops.Null
---@field id string
---@field loop integer
---@field name string
---@field parent_id? string optional: engine v2
---@field retry integer
---@field ["root_id:"]? string optional: engine v2 (v1 answers state_refresh_at instead)
---@field skip boolean
---@field start_time string|sops.Null
---@field state string
---@field version string
---@field [string] any

---A periodic task as the list gives it.
---@class sops.shape.periodic_task
---@field auth_actions? string[] optional: get_periodic_task_list
---@field creator string
---@field cron string
---@field edit_time? string optional: include_edit_info
---@field editor? string optional: include_edit_info
---@field enabled boolean
---@field id integer
---@field is_latest? boolean|sops.Null optional: include_edit_info
---@field last_run_at string
---@field name string
---@field template_id integer|string
---@field template_source string
---@field total_run_count integer
---@field [string] any

---A periodic task with the tree and variables it creates its tasks with.
---@class sops.shape.periodic_task_detail: sops.shape.periodic_task
---@field form table<string, sops.shape.constant>
---@field pipeline_tree sops.shape.pipeline_tree
---@field [string] any

---@class sops.shape.pipeline_tree.activities.value.component
---@field code string
---@field data table
---@field version string
---@field [string] any

---@class sops.shape.pipeline_tree.activities.value
---@field component? sops.shape.pipeline_tree.activities.value.component optional: a ServiceActivity (a SubProcess names its template instead)
---@field error_ignorable boolean
---@field id string
---@field incoming string[]
---@field loop? any optional: trees made by the web editor
---@field name string
---@field optional boolean
---@field outgoing string
---@field retryable boolean
---@field skippable boolean
---@field stage_name? string optional: trees made by the web editor
---@field type string
---@field [string] any

---@class sops.shape.pipeline_tree.end_event
---@field id string
---@field incoming string|any[]
---@field name string
---@field outgoing string|any[]
---@field type string
---@field [string] any

---@class sops.shape.pipeline_tree.flows.value
---@field id string
---@field is_default boolean
---@field source string
---@field target string
---@field [string] any

---@class sops.shape.pipeline_tree.start_event
---@field id string
---@field incoming string|any[]
---@field name string
---@field outgoing string|any[]
---@field type string
---@field [string] any

---A flow's graph: its nodes, gateways, flows and variables, as bk-sops' web layer keeps it.
---@class sops.shape.pipeline_tree
---@field activities table<string, sops.shape.pipeline_tree.activities.value>
---@field constants table<string, sops.shape.constant>
---@field end_event sops.shape.pipeline_tree.end_event
---@field flows table<string, sops.shape.pipeline_tree.flows.value>
---@field gateways table<string, table>
---@field line? any[] optional: a task's tree and a preview (the template answers leave the drawing out)
---@field location? any[] optional: a task's tree and a preview (the template answers leave the drawing out)
---@field outputs string[]
---@field start_event sops.shape.pipeline_tree.start_event
---@field [string] any

---A plugin (component) of bk-sops.
---@class sops.shape.plugin
---@field code string
---@field desc string
---@field form string
---@field group_name string
---@field inputs sops.shape.plugin_field[]
---@field name string
---@field outputs sops.shape.plugin_field[]
---@field version string
---@field [string] any

---One input or output of a plugin.
---@class sops.shape.plugin_field
---@field key string
---@field name string
---@field required? boolean optional: an input
---@field schema table
---@field type string
---@field [string] any

---@class sops.shape.task_status.auto_retry_status
---@field auto_retry_nodes string[]
---@field exist_auto_retry_nodes boolean

---@class sops.shape.task_status.failed_node_info.value
---@field auto_retry_times? integer optional: the node has an automatic-retry strategy
---@field max_auto_retry_times? integer optional: the node has an automatic-retry strategy
---@field node_id? string optional: the node has an automatic-retry strategy
---@field [string] any

---A task's state and its nodes' (get_task_status). A task not started answers a placeholder: state CREATED, no id, `skip` 0; an EXPIRED task answers `state` and `name` only.
---@class sops.shape.task_status
---@field auto_retry_status? sops.shape.task_status.auto_retry_status optional: with_auto_retry_status (bk-sops' master branch has no such flag)
---@field children? table<string, sops.shape.node_status> optional: not EXPIRED; in get_tasks_status only with include_children_status
---@field elapsed_time? integer optional: not EXPIRED
---@field error_ignorable? boolean optional: once started
---@field error_ignored? boolean optional: once started
---@field ex_data? table<string, string|sops.Null> optional: with_ex_data, and the task FAILED
---@field failed_node_info? table<string, sops.shape.task_status.failed_node_info.value> optional: with_failed_node_info
---@field finish_time? string|sops.Null optional: not EXPIRED
---@field id? string optional: once started
---@field loop? integer optional: once started
---@field name string
---@field parent_id? string optional: once started (engine v2)
---@field retry? integer optional: not EXPIRED
---@field ["root_id:"]? string optional: once started (engine v2)
---@field skip? boolean|integer optional: not EXPIRED
---@field start_time? string|sops.Null optional: not EXPIRED
---@field state string
---@field version? string optional: once started
---@field [string] any

---A task as the listings give it.
---@class sops.shape.task_summary
---@field bk_biz_id integer
---@field bk_biz_name string|sops.Null
---@field category string
---@field create_method string
---@field creator string
---@field executor string
---@field finish_time string|sops.Null
---@field id integer
---@field is_child_taskflow boolean
---@field is_finished boolean
---@field is_started boolean
---@field name string
---@field project_id integer
---@field project_name string
---@field start_time string|sops.Null
---@field template_id string
---@field template_source string
---@field [string] any

---@class sops.shape.template_detail.template_constants.item
---@field activity_count integer
---@field constant_type string
---@field key string
---@field name string
---@field show_type string

---A template with its pipeline tree.
---@class sops.shape.template_detail
---@field bk_biz_id? integer optional: a project's template
---@field bk_biz_name? string|sops.Null optional: a project's template
---@field category string
---@field create_time string
---@field creator string
---@field description string
---@field edit_time string
---@field editor string|sops.Null
---@field executor_proxy? string optional: include_executor_proxy, a project's template
---@field has_subprocess? boolean optional: include_subprocess
---@field id integer
---@field name string
---@field notify_receivers? table optional: include_notify
---@field notify_type? table optional: include_notify
---@field pipeline_tree sops.shape.pipeline_tree|string
---@field project_id? integer optional: a project's template
---@field project_name? string optional: a project's template
---@field subprocess_has_update? boolean optional: include_subprocess
---@field template_constants? sops.shape.template_detail.template_constants.item[] optional: include_constants
---@field [string] any

---A template as the listings give it.
---@class sops.shape.template_summary
---@field auth_actions string[]
---@field bk_biz_id? integer optional: a project's template
---@field bk_biz_name? string|sops.Null optional: a project's template
---@field category string
---@field create_time string
---@field creator string
---@field description string
---@field edit_time string
---@field editor string|sops.Null
---@field executor_proxy? string optional: include_executor_proxy, a project's template
---@field id integer
---@field labels? any[] optional: include_labels, a project's template
---@field name string
---@field notify_receivers? table optional: include_notify
---@field notify_type? table optional: include_notify
---@field project_id? integer optional: a project's template
---@field project_name? string optional: a project's template
---@field [string] any

---The fields of create_task.
---@class sops.create_task.args
---@field bk_biz_id? integer|string
---@field callback? sops.Receiver
---@field callback_url? string
---@field callback_version? string
---@field constants? table
---@field description? string
---@field exclude_task_nodes_id? any[]
---@field execute_task_nodes_id? any[]
---@field flow_type? string
---@field key? string
---@field name string
---@field pipeline_tree? table
---@field scope? string
---@field simplify_vars? any[]
---@field template_id integer|string
---@field template_schemes_id? any
---@field template_source? string
---@field traceparent? string

---The fields of create_and_start_task.
---@class sops.create_and_start_task.args
---@field bk_biz_id? integer|string
---@field callback? sops.Receiver
---@field callback_url? string
---@field callback_version? string
---@field constants? table
---@field description? string
---@field exclude_task_nodes_id? any[]
---@field flow_type? string
---@field key? string
---@field name string
---@field scope? string
---@field template_id integer|string
---@field template_schemes_id? any
---@field template_source? string
---@field traceparent? string

---The fields of fast_create_task.
---@class sops.fast_create_task.args
---@field bk_biz_id? integer|string
---@field category? string
---@field description? string
---@field flow_type? string
---@field has_common_subprocess? boolean
---@field name string
---@field pipeline_tree table
---@field scope? string
---@field traceparent? string

---The fields of start_task.
---@class sops.start_task.args
---@field bk_biz_id? integer|string
---@field ensure? boolean
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of operate_task.
---@class sops.operate_task.args
---@field action string
---@field bk_biz_id? integer|string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of pause_task.
---@class sops.pause_task.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of resume_task.
---@class sops.resume_task.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of revoke_task.
---@class sops.revoke_task.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of get_task_status.
---@class sops.get_task_status.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field subprocess_id? string
---@field task_id integer|string
---@field traceparent? string
---@field with_auto_retry_status? boolean
---@field with_ex_data? boolean
---@field with_failed_node_info? boolean

---The fields of get_tasks_status.
---@class sops.get_tasks_status.args
---@field bk_biz_id? integer|string
---@field include_children_status? boolean
---@field scope? string
---@field task_id_list (integer|string)[]
---@field traceparent? string

---The fields of get_task_detail.
---@class sops.get_task_detail.args
---@field bk_biz_id? integer|string
---@field include_webhook_history? boolean
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of get_task_list.
---@class sops.get_task_list.args
---@field bk_biz_id? integer|string
---@field create_method? string
---@field create_time_end? string
---@field create_time_start? string
---@field executor? string
---@field expected_timezone? string
---@field is_child_taskflow? boolean
---@field is_finished? boolean
---@field is_started? boolean
---@field keyword? string
---@field limit? integer
---@field max_items? integer
---@field offset? integer
---@field scope? string
---@field template_id? string
---@field template_ids? (integer|string)[]
---@field traceparent? string
---@field without_count? boolean

---The fields of get_task_count.
---@class sops.get_task_count.args
---@field bk_biz_id? integer|string
---@field create_method? string
---@field create_time_end? string
---@field create_time_start? string
---@field executor? string
---@field expected_timezone? string
---@field is_finished? boolean
---@field is_started? boolean
---@field keyword? string
---@field scope? string
---@field template_id? string
---@field traceparent? string

---The fields of query_task_count.
---@class sops.query_task_count.args
---@field bk_biz_id? integer|string
---@field conditions? table
---@field group_by string
---@field scope? string
---@field traceparent? string

---The fields of get_tasks_manual_intervention_state.
---@class sops.get_tasks_manual_intervention_state.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field task_id_list (integer|string)[]
---@field traceparent? string

---The fields of modify_constants_for_task.
---@class sops.modify_constants_for_task.args
---@field bk_biz_id? integer|string
---@field constants? table
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of get_task_operate_record.
---@class sops.get_task_operate_record.args
---@field bk_biz_id? integer|string
---@field node_id? string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of get_task_effective_time.
---@class sops.get_task_effective_time.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of claim_functionalization_task.
---@class sops.claim_functionalization_task.args
---@field bk_biz_id? integer|string
---@field constants? table
---@field name? string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of get_functionalization_task_list.
---@class sops.get_functionalization_task_list.args
---@field claimant? string
---@field create_time_gte? string
---@field create_time_lte? string
---@field creator? string
---@field execute_status? string
---@field expected_timezone? string
---@field id_in? (integer|string)[]
---@field limit? integer
---@field max_items? integer
---@field offset? integer
---@field project_id? integer|string
---@field status? string
---@field task_id_in? (integer|string)[]
---@field traceparent? string

---The fields of operate_node.
---@class sops.operate_node.args
---@field action string
---@field bk_biz_id? integer|string
---@field data? table
---@field flow_id? string
---@field inputs? table
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of callback_node.
---@class sops.callback_node.args
---@field bk_biz_id? integer|string
---@field data? table
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of forced_fail_node.
---@class sops.forced_fail_node.args
---@field bk_biz_id? integer|string
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of pause_subprocess.
---@class sops.pause_subprocess.args
---@field bk_biz_id? integer|string
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of resume_subprocess.
---@class sops.resume_subprocess.args
---@field bk_biz_id? integer|string
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of retry_node.
---@class sops.retry_node.args
---@field bk_biz_id? integer|string
---@field inputs? table
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of skip_exg.
---@class sops.skip_exg.args
---@field bk_biz_id? integer|string
---@field flow_id string
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of skip_node.
---@class sops.skip_node.args
---@field bk_biz_id? integer|string
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of node_callback.
---@class sops.node_callback.args
---@field bk_biz_id? integer|string
---@field callback_data? any
---@field node_id string
---@field scope? string
---@field task_id integer|string
---@field traceparent? string
---@field version? string

---The fields of get_task_node_detail.
---@class sops.get_task_node_detail.args
---@field bk_biz_id? integer|string
---@field component_code? string
---@field loop? integer|string
---@field node_id string
---@field scope? string
---@field subprocess_stack? any[]
---@field task_id integer|string
---@field traceparent? string

---The fields of get_task_node_data.
---@class sops.get_task_node_data.args
---@field bk_biz_id? integer|string
---@field component_code? string
---@field loop? integer|string
---@field node_id string
---@field scope? string
---@field subprocess_stack? any[]
---@field task_id integer|string
---@field template_node_id? string
---@field traceparent? string

---The fields of get_task_node_log.
---@class sops.get_task_node_log.args
---@field bk_biz_id? integer|string
---@field node_id string
---@field page? integer
---@field page_size? integer
---@field scope? string
---@field task_id integer|string
---@field traceparent? string
---@field version? string

---The fields of get_node_job_executed_log.
---@class sops.get_node_job_executed_log.args
---@field bk_biz_id? integer|string
---@field node_id string
---@field scope? string
---@field target_ip? string
---@field task_id integer|string
---@field traceparent? string

---The fields of get_task_plugin_log.
---@class sops.get_task_plugin_log.args
---@field bk_biz_id? integer|string
---@field node_id string
---@field plugin_code string
---@field scope? string
---@field scroll_id? string
---@field task_id integer|string
---@field trace_id string
---@field traceparent? string

---The fields of callback.
---@class sops.callback.args
---@field token string
---@field traceparent? string
---@field [string] any

---The fields of get_template_list.
---@class sops.get_template_list.args
---@field bk_biz_id? integer|string
---@field expected_timezone? string
---@field id_in? (integer|string)[]
---@field include_constants? boolean
---@field include_executor_proxy? boolean
---@field include_labels? boolean
---@field include_notify? boolean
---@field include_subprocess? boolean
---@field name_keyword? string
---@field scope? string
---@field template_source? string
---@field traceparent? string
---@field unfold_subprocess? boolean

---The fields of get_template_info.
---@class sops.get_template_info.args
---@field bk_biz_id? integer|string
---@field format? string
---@field include_constants? boolean
---@field include_executor_proxy? boolean
---@field include_labels? boolean
---@field include_notify? boolean
---@field include_subprocess? boolean
---@field include_webhook? boolean
---@field scope? string
---@field template_id integer|string
---@field template_source? string
---@field traceparent? string
---@field unfold_subprocess? boolean

---The fields of get_node_execution_record.
---@class sops.get_node_execution_record.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field template_id integer|string
---@field template_node_id string
---@field traceparent? string

---The fields of get_template_schemes.
---@class sops.get_template_schemes.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field template_id integer|string
---@field traceparent? string
---@field with_constants? boolean

---The fields of get_common_template_list.
---@class sops.get_common_template_list.args
---@field expected_timezone? string
---@field include_constants? boolean
---@field include_executor_proxy? boolean
---@field include_labels? boolean
---@field include_notify? boolean
---@field include_subprocess? boolean
---@field traceparent? string
---@field unfold_subprocess? boolean

---The fields of get_common_template_info.
---@class sops.get_common_template_info.args
---@field include_constants? boolean
---@field include_executor_proxy? boolean
---@field include_labels? boolean
---@field include_notify? boolean
---@field include_subprocess? boolean
---@field template_id integer|string
---@field traceparent? string
---@field unfold_subprocess? boolean

---The fields of preview_task_tree.
---@class sops.preview_task_tree.args
---@field bk_biz_id? integer|string
---@field exclude_task_nodes_id? any[]
---@field scope? string
---@field template_id integer|string
---@field traceparent? string
---@field version? string

---The fields of preview_common_task_tree.
---@class sops.preview_common_task_tree.args
---@field bk_biz_id? integer|string
---@field exclude_task_nodes_id? any[]
---@field scope? string
---@field template_id integer|string
---@field traceparent? string
---@field version? string

---The fields of create_template.
---@class sops.create_template.args
---@field bk_biz_id? integer|string
---@field category? string
---@field default_flow_type? string
---@field description? string
---@field executor_proxy? string
---@field format? string
---@field name? string
---@field notify_receivers? any
---@field notify_type? any
---@field pipeline_tree any
---@field scope? string
---@field template_labels? any[]
---@field timeout? integer
---@field traceparent? string

---The fields of import_common_template.
---@class sops.import_common_template.args
---@field override? boolean
---@field template_data string
---@field traceparent? string

---The fields of import_project_template.
---@class sops.import_project_template.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field template_data string
---@field traceparent? string

---The fields of copy_template_across_project.
---@class sops.copy_template_across_project.args
---@field bk_biz_id? integer|string
---@field new_project_id integer|string
---@field scope? string
---@field template_ids (integer|string)[]
---@field traceparent? string

---The fields of modify_template_notify.
---@class sops.modify_template_notify.args
---@field bk_biz_id? integer|string
---@field common? boolean
---@field notify_receivers? table
---@field notify_type? table
---@field scope? string
---@field template_id integer|string
---@field traceparent? string

---The fields of modify_template_executor_proxy.
---@class sops.modify_template_executor_proxy.args
---@field bk_biz_id? integer|string
---@field executor_proxy string
---@field scope? string
---@field template_id integer|string
---@field traceparent? string

---The fields of create_periodic_task.
---@class sops.create_periodic_task.args
---@field bk_biz_id? integer|string
---@field constants? table
---@field cron table
---@field exclude_task_nodes_id? any[]
---@field name string
---@field scope? string
---@field template_id integer|string
---@field template_source? string
---@field traceparent? string

---The fields of get_periodic_task_list.
---@class sops.get_periodic_task_list.args
---@field bk_biz_id? integer|string
---@field expected_timezone? string
---@field include_edit_info? boolean
---@field scope? string
---@field traceparent? string

---The fields of get_periodic_task_info.
---@class sops.get_periodic_task_info.args
---@field bk_biz_id? integer|string
---@field include_edit_info? boolean
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of set_periodic_task_enabled.
---@class sops.set_periodic_task_enabled.args
---@field bk_biz_id? integer|string
---@field enabled boolean
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of modify_cron_for_periodic_task.
---@class sops.modify_cron_for_periodic_task.args
---@field bk_biz_id? integer|string
---@field cron table
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of modify_constants_for_periodic_task.
---@class sops.modify_constants_for_periodic_task.args
---@field bk_biz_id? integer|string
---@field constants table
---@field scope? string
---@field task_id integer|string
---@field traceparent? string

---The fields of create_clocked_task.
---@class sops.create_clocked_task.args
---@field bk_biz_id? integer|string
---@field plan_start_time string
---@field scope? string
---@field task_name string
---@field task_parameters? table
---@field template_id integer|string
---@field traceparent? string

---The fields of get_clocked_task_list.
---@class sops.get_clocked_task_list.args
---@field bk_biz_id? integer|string
---@field creator? string
---@field editor? string
---@field expected_timezone? string
---@field id? integer|string
---@field limit? integer
---@field max_items? integer
---@field offset? integer
---@field scope? string
---@field state? string
---@field task_name? string
---@field traceparent? string

---The fields of get_plugin_list.
---@class sops.get_plugin_list.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field traceparent? string

---The fields of get_plugin_detail.
---@class sops.get_plugin_detail.args
---@field bk_biz_id? integer|string
---@field code string
---@field scope? string
---@field traceparent? string
---@field version? string

---The fields of get_plugin_base_info.
---@class sops.get_plugin_base_info.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field traceparent? string

---The fields of dispatch_plugin_query.
---@class sops.dispatch_plugin_query.args
---@field data? table
---@field method? string
---@field traceparent? string
---@field url string

---The fields of plugin_gateway_get_categories.
---@class sops.plugin_gateway_get_categories.args
---@field plugin_source? string
---@field traceparent? string

---The fields of plugin_gateway_get_plugin_list.
---@class sops.plugin_gateway_get_plugin_list.args
---@field category? string
---@field key? string
---@field plugin_source? string
---@field traceparent? string

---The fields of plugin_gateway_get_plugin_detail.
---@class sops.plugin_gateway_get_plugin_detail.args
---@field plugin_id string
---@field scope_type? string
---@field scope_value? string
---@field source_key? string
---@field traceparent? string
---@field version? string

---The fields of plugin_gateway_create_run.
---@class sops.plugin_gateway_create_run.args
---@field callback_token string
---@field callback_url string
---@field client_request_id string
---@field context? table
---@field inputs? table
---@field operator? string
---@field plugin_id string
---@field plugin_version string
---@field project_id? integer|string
---@field source_key string
---@field traceparent? string

---The fields of plugin_gateway_get_run_status.
---@class sops.plugin_gateway_get_run_status.args
---@field task_tag string
---@field traceparent? string

---The fields of plugin_gateway_get_run_detail.
---@class sops.plugin_gateway_get_run_detail.args
---@field run_id string
---@field traceparent? string

---The fields of plugin_gateway_internal_callback.
---@class sops.plugin_gateway_internal_callback.args
---@field callback_data? any
---@field run_id string
---@field traceparent? string

---The fields of plugin_gateway_cancel_run.
---@class sops.plugin_gateway_cancel_run.args
---@field run_id string
---@field traceparent? string

---The fields of plugin_gateway_cancel_run_compat.
---@class sops.plugin_gateway_cancel_run_compat.args
---@field run_id string
---@field traceparent? string

---The fields of get_user_project_list.
---@class sops.get_user_project_list.args
---@field include_executor_proxy? boolean
---@field traceparent? string

---The fields of get_user_project_detail.
---@class sops.get_user_project_detail.args
---@field bk_biz_id? integer|string
---@field include_executor_proxy? boolean
---@field include_staff_groups? boolean
---@field scope? string
---@field traceparent? string

---The fields of get_mini_app_list.
---@class sops.get_mini_app_list.args
---@field bk_biz_id? integer|string
---@field limit? integer
---@field max_items? integer
---@field offset? integer
---@field scope? string
---@field traceparent? string

---The fields of modify_project_executor_proxy.
---@class sops.modify_project_executor_proxy.args
---@field bk_biz_id? integer|string
---@field executor_proxy string
---@field executor_proxy_exempts string
---@field scope? string
---@field traceparent? string

---The fields of register_project.
---@class sops.register_project.args
---@field bk_biz_id integer|string
---@field traceparent? string

---The fields of apply_webhook_configs.
---@class sops.apply_webhook_configs.args
---@field bk_biz_id? integer|string
---@field enable_webhook? boolean
---@field endpoint? string
---@field events? any[]
---@field extra_info? table
---@field method? string
---@field scope? string
---@field template_ids (integer|string)[]
---@field traceparent? string

---The fields of apply_job_file_upload_ticket.
---@class sops.apply_job_file_upload_ticket.args
---@field traceparent? string

---The fields of job_file_upload.
---@class sops.job_file_upload.args
---@field bk_biz_id? integer|string
---@field scope? string
---@field traceparent? string

---Creates a task from a project's or a common template, without starting it.
---@class sops.create_task.result: sops.shape.created_task

---Creates a task from a template and starts it.
---@class sops.create_and_start_task.result: sops.shape.created_task

---Creates a task from a pipeline tree given whole, with no template.
---@class sops.fast_create_task.result: sops.shape.created_task

---Starts a created task. bk-sops queues the start: the task reads CREATED for a moment after.
---@class sops.start_task.result
---@field already_started? boolean optional: lua-sops, with `ensure`, when the task was under way
---@field state? string optional: lua-sops, with `ensure`, when the task was under way
---@field task_url? string optional: the start was sent (not when `ensure` found the task started)

---@alias sops.operate_task.result true

---The state of a task and of each of its nodes, subprocesses included.
---@class sops.get_task_status.result: sops.shape.task_status

---@class sops.get_tasks_status.item
---@field create_time string
---@field current_flow string
---@field finish_time string
---@field flow_type string
---@field id integer
---@field is_deleted boolean
---@field name string
---@field start_time string
---@field status sops.shape.task_status
---@field url string

---@alias sops.get_tasks_status.result sops.get_tasks_status.item[]

---@class sops.get_task_detail.result.outputs.item
---@field key string
---@field name string
---@field value any
---@field [string] any

---A task's details: its tree, variables, times and, once it finished, its outputs.
---@class sops.get_task_detail.result
---@field constants table<string, sops.shape.constant>
---@field create_method string
---@field create_time string
---@field creator string
---@field elapsed_time integer
---@field ex_data any
---@field executor string
---@field finish_time string
---@field id integer
---@field name string
---@field outputs sops.get_task_detail.result.outputs.item[]
---@field pipeline_tree sops.shape.pipeline_tree
---@field project_id integer
---@field project_name string
---@field start_time string
---@field task_url string
---@field task_webhook_history? any[] optional: include_webhook_history
---@field template_id integer|string

---@class sops.get_task_list.item: sops.shape.task_summary
---@field auth_actions string[]
---@field [string] any

---@alias sops.get_task_list.result sops.get_task_list.item[]

---How many of the business's tasks match the filters.
---@class sops.get_task_count.result
---@field count integer

---@class sops.query_task_count.result.groups.item
---@field code string
---@field name string
---@field value integer
---@field [string] any

---The business's tasks counted by a field (`group_by`).
---@class sops.query_task_count.result
---@field groups sops.query_task_count.result.groups.item[]
---@field total integer
---@field [string] any

---@class sops.get_tasks_manual_intervention_state.item
---@field id integer
---@field manual_intervention_required boolean

---@alias sops.get_tasks_manual_intervention_state.result sops.get_tasks_manual_intervention_state.item[]

---@alias sops.modify_constants_for_task.result string

---@class sops.get_task_operate_record.item
---@field extra_info table
---@field instance_id integer
---@field node_id string
---@field operate_date string
---@field operate_source string
---@field operate_source_name string
---@field operate_type string
---@field operate_type_name string
---@field operator string
---@field project_id integer
---@field [string] any

---@alias sops.get_task_operate_record.result sops.get_task_operate_record.item[]

---A finished task's effective run time, the excluded nodes' time left out.
---@class sops.get_task_effective_time.result
---@field category string
---@field create_method string
---@field create_time string|sops.Null
---@field creator string
---@field effective_time integer
---@field excluded_component_codes any[]
---@field excluded_node_count integer
---@field finish_time string|sops.Null
---@field instance_id integer
---@field project_id integer
---@field start_time string|sops.Null
---@field task_instance_id integer
---@field task_template_id string
---@field template_id string
---@field total_elapsed_time integer
---@field total_node_count integer
---@field [string] any

---@alias sops.claim_functionalization_task.result string

---@class sops.get_functionalization_task_list.item
---@field claim_time string|sops.Null
---@field claimant string
---@field create_time string
---@field creator string
---@field id integer
---@field name string
---@field predecessor string
---@field reject_time string|sops.Null
---@field rejecter string
---@field status string
---@field task sops.shape.task_summary
---@field transfer_time string|sops.Null

---@alias sops.get_functionalization_task_list.result sops.get_functionalization_task_list.item[]

---@alias sops.operate_node.result true

---@alias sops.node_callback.result true

---@class sops.get_task_node_detail.result.outputs.item
---@field key string
---@field name string
---@field value any
---@field [string] any

---One node's state, inputs, outputs, error and past attempts.
---@class sops.get_task_node_detail.result: sops.shape.node_status
---@field auto_retry_info? table optional: the node has run
---@field children? table<string, sops.shape.node_status> optional: the node has run
---@field elapsed_time? integer optional: the node has run
---@field error_ignored? boolean optional: the node has run
---@field ex_data string|sops.Null
---@field finish_time? string|sops.Null optional: the node has run
---@field histories? table[] optional: the node has run
---@field history_id? integer optional: the node has run
---@field id? string optional: the node has run
---@field inputs table
---@field loop? integer optional: the node has run
---@field name? string optional: the node has not run (bamboo's detail of one that has carries no name)
---@field outputs sops.get_task_node_detail.result.outputs.item[]
---@field parent_id? string optional: the node has run (engine v2)
---@field retry? integer optional: the node has run
---@field ["root_id:"]? string optional: the node has run (engine v2)
---@field skip? boolean optional: the node has run
---@field start_time? string|sops.Null optional: the node has run
---@field version? string optional: the node has run
---@field [string] any

---@class sops.get_task_node_data.result.outputs.item
---@field key string
---@field name string
---@field value any
---@field [string] any

---One node's inputs, outputs and error.
---@class sops.get_task_node_data.result
---@field ex_data string|sops.Null
---@field execution_time? sops.shape.execution_time[] optional: template_node_id: the node's last successful runs
---@field inputs table
---@field outputs sops.get_task_node_data.result.outputs.item[]
---@field [string] any

---@alias sops.get_task_node_log.result string

---@alias sops.get_node_job_executed_log.result true

---The log a third-party plugin's service kept of a node's run.
---@class sops.get_task_plugin_log.result
---@field logs string
---@field scroll_id? string|sops.Null optional: the plugin service gave one
---@field total? integer optional: the plugin service gave one
---@field [string] any

---@alias sops.callback.result any

---@alias sops.get_template_list.result sops.shape.template_summary[]

---One template with its tree.
---@class sops.get_template_info.result: sops.shape.template_detail

---A template node's last successful runs (bk-sops' master branch).
---@class sops.get_node_execution_record.result
---@field execution_time sops.shape.execution_time[]
---@field total integer

---@class sops.get_template_schemes.item.detail
---@field constants table<string, sops.shape.constant>

---@class sops.get_template_schemes.item
---@field data string
---@field detail? sops.get_template_schemes.item.detail optional: with_constants
---@field id string
---@field name string

---@alias sops.get_template_schemes.result sops.get_template_schemes.item[]

---@alias sops.get_common_template_list.result sops.shape.template_summary[]

---One common template with its tree.
---@class sops.get_common_template_info.result: sops.shape.template_detail

---The tree a task would get from a template, some optional nodes left out.
---@class sops.preview_task_tree.result
---@field constants_not_referred table
---@field pipeline_tree sops.shape.pipeline_tree

---The tree a task would get from a common template, some optional nodes left out.
---@class sops.preview_common_task_tree.result
---@field constants_not_referred table
---@field pipeline_tree sops.shape.pipeline_tree

---Creates a template in the business from a pipeline tree.
---@class sops.create_template.result
---@field pipeline_template_id string
---@field template_id integer
---@field template_name string

---Imports common templates from an export.
---@class sops.import_common_template.result: sops.shape.imported

---Imports templates into the business from an export.
---@class sops.import_project_template.result: sops.shape.imported

---Copies templates to another project.
---@class sops.copy_template_across_project.result: sops.shape.imported

---Changes whom a template's tasks notify, and how.
---@class sops.modify_template_notify.result
---@field notify_receivers table
---@field notify_type table
---@field template_id integer

---Changes the user a template's tasks run as.
---@class sops.modify_template_executor_proxy.result
---@field executor_proxy string
---@field template_id integer

---Creates a periodic task from a template (disabled until enabled).
---@class sops.create_periodic_task.result: sops.shape.periodic_task_detail

---@alias sops.get_periodic_task_list.result sops.shape.periodic_task[]

---One periodic task with its tree and variables.
---@class sops.get_periodic_task_info.result: sops.shape.periodic_task_detail

---Turns a periodic task on or off.
---@class sops.set_periodic_task_enabled.result
---@field enabled boolean

---Changes when a periodic task runs.
---@class sops.modify_cron_for_periodic_task.result
---@field cron string

---@alias sops.modify_constants_for_periodic_task.result table<string, sops.shape.constant>

---Plans a task from a template for a time.
---@class sops.create_clocked_task.result: sops.shape.clocked_task

---@alias sops.get_clocked_task_list.result sops.shape.clocked_task[]

---@alias sops.get_plugin_list.result sops.shape.plugin[]

---One plugin's inputs and outputs.
---@class sops.get_plugin_detail.result: sops.shape.plugin

---@class sops.get_plugin_base_info.item
---@field code string
---@field name string

---@alias sops.get_plugin_base_info.result sops.get_plugin_base_info.item[]

---@alias sops.dispatch_plugin_query.result any

---@class sops.plugin_gateway_get_categories.item
---@field id string
---@field name string
---@field [string] any

---@alias sops.plugin_gateway_get_categories.result sops.plugin_gateway_get_categories.item[]

---The plugins the plugin gateway offers.
---@class sops.plugin_gateway_get_plugin_list.result
---@field apis sops.shape.gateway_plugin[]
---@field total integer
---@field [string] any

---One plugin of the plugin gateway, with its inputs and outputs.
---@class sops.plugin_gateway_get_plugin_detail.result: sops.shape.gateway_plugin
---@field inputs sops.shape.plugin_field[]
---@field methods string[]
---@field outputs sops.shape.plugin_field[]
---@field plugin_version string
---@field version string
---@field [string] any

---Starts a plugin run through the plugin gateway.
---@class sops.plugin_gateway_create_run.result: sops.shape.gateway_run

---A plugin gateway run's status and outputs, by its task tag.
---@class sops.plugin_gateway_get_run_status.result
---@field error_message string
---@field outputs table
---@field status string

---A plugin gateway run's status, plugin and outputs.
---@class sops.plugin_gateway_get_run_detail.result
---@field error_message string
---@field open_plugin_run_id string
---@field outputs table
---@field plugin_id string
---@field plugin_version string
---@field status string

---Delivers a plugin's callback to its plugin gateway run.
---@class sops.plugin_gateway_internal_callback.result: sops.shape.gateway_run

---Cancels a plugin gateway run.
---@class sops.plugin_gateway_cancel_run.result: sops.shape.gateway_run

---Cancels a plugin gateway run (the path without its last slash).
---@class sops.plugin_gateway_cancel_run_compat.result: sops.shape.gateway_run

---@class sops.get_user_project_list.item
---@field bk_biz_id integer
---@field executor_proxy? string|sops.Null optional: include_executor_proxy
---@field name string
---@field project_id integer

---@alias sops.get_user_project_list.result sops.get_user_project_list.item[]

---The business behind a project, and the user's rights in it.
---@class sops.get_user_project_detail.result
---@field auth_actions string[]
---@field bk_biz_developer string
---@field bk_biz_id integer
---@field bk_biz_maintainer string
---@field bk_biz_name string
---@field bk_biz_productor string
---@field bk_biz_tester string
---@field executor_proxy? string|sops.Null optional: include_executor_proxy
---@field from_cmdb boolean
---@field project_id integer
---@field project_name string
---@field staff_groups? table[] optional: include_staff_groups

---@class sops.get_mini_app_list.item
---@field auth_actions string[]
---@field category string
---@field code string
---@field id integer
---@field link string
---@field name string
---@field task_template_id integer
---@field template_scheme_id string
---@field [string] any

---@alias sops.get_mini_app_list.result sops.get_mini_app_list.item[]

---Changes the user a project's tasks run as, and who is exempt.
---@class sops.modify_project_executor_proxy.result
---@field executor_proxy string
---@field executor_proxy_exempts string
---@field project_id integer

---Makes a project of a CMDB business.
---@class sops.register_project.result
---@field project_id integer
---@field project_name string

---@alias sops.apply_webhook_configs.result true

---@alias sops.apply_job_file_upload_ticket.result any

---@alias sops.job_file_upload.result any

---A client of bk-sops (sops.new).
---@class sops.Client
local Client = {}

---Creates a task from a project's or a common template, without starting it.
---@param args sops.create_task.args
---@return sops.create_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:create_task(args) end

---Creates a task from a template and starts it.
---@param args sops.create_and_start_task.args
---@return sops.create_and_start_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:create_and_start_task(args) end

---Creates a task from a pipeline tree given whole, with no template.
---@param args sops.fast_create_task.args
---@return sops.fast_create_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:fast_create_task(args) end

---Starts a created task. bk-sops queues the start: the task reads CREATED for a moment after.
---@param args sops.start_task.args
---@return sops.start_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:start_task(args) end

---Pauses, resumes, revokes or starts a task.
---@param args sops.operate_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:operate_task(args) end

---Pauses a running task.
---@param args sops.pause_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:pause_task(args) end

---Resumes a paused task.
---@param args sops.resume_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:resume_task(args) end

---Revokes (cancels) a task; it cannot be resumed.
---@param args sops.revoke_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:revoke_task(args) end

---The state of a task and of each of its nodes, subprocesses included.
---@param args sops.get_task_status.args
---@return sops.get_task_status.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_status(args) end

---The states of up to 50 tasks of one business, in one request.
---@param args sops.get_tasks_status.args
---@return sops.get_tasks_status.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_tasks_status(args) end

---A task's details: its tree, variables, times and, once it finished, its outputs.
---@param args sops.get_task_detail.args
---@return sops.get_task_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_detail(args) end

---The business's tasks, newest first, a page at a time.
---@param args sops.get_task_list.args
---@return sops.get_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_list(args) end

---How many of the business's tasks match the filters.
---@param args sops.get_task_count.args
---@return sops.get_task_count.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_count(args) end

---The business's tasks counted by a field (`group_by`).
---@param args sops.query_task_count.args
---@return sops.query_task_count.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:query_task_count(args) end

---Whether each of up to 9 tasks waits for a person.
---@param args sops.get_tasks_manual_intervention_state.args
---@return sops.get_tasks_manual_intervention_state.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_tasks_manual_intervention_state(args) end

---Changes the variables of a task not started yet.
---@param args sops.modify_constants_for_task.args
---@return sops.modify_constants_for_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:modify_constants_for_task(args) end

---Who did what to a task, and when.
---@param args sops.get_task_operate_record.args
---@return sops.get_task_operate_record.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_operate_record(args) end

---A finished task's effective run time, the excluded nodes' time left out.
---@param args sops.get_task_effective_time.args
---@return sops.get_task_effective_time.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_effective_time(args) end

---Claims a functionalization task (one created with flow_type common_func).
---@param args sops.claim_functionalization_task.args
---@return sops.claim_functionalization_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:claim_functionalization_task(args) end

---The functionalization tasks, a page at a time.
---@param args sops.get_functionalization_task_list.args
---@return sops.get_functionalization_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_functionalization_task_list(args) end

---Acts on a node: retries, skips, pauses, resumes, fails it, or picks a gateway's flow.
---@param args sops.operate_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:operate_node(args) end

---Sends data to a node that waits for a callback (operate_node's callback).
---@param args sops.callback_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:callback_node(args) end

---Makes a running node fail.
---@param args sops.forced_fail_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:forced_fail_node(args) end

---Pauses a running subprocess node.
---@param args sops.pause_subprocess.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:pause_subprocess(args) end

---Resumes a paused subprocess node.
---@param args sops.resume_subprocess.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:resume_subprocess(args) end

---Retries a failed node; `inputs`, if given, are the node's new inputs (`{key = value}`, its plugin's input keys).
---@param args sops.retry_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:retry_node(args) end

---Makes a failed exclusive gateway take the given flow.
---@param args sops.skip_exg.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:skip_exg(args) end

---Skips a failed node.
---@param args sops.skip_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:skip_node(args) end

---Calls back a node that waits for a callback (a pause or approval node).
---@param args sops.node_callback.args
---@return sops.node_callback.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:node_callback(args) end

---One node's state, inputs, outputs, error and past attempts.
---@param args sops.get_task_node_detail.args
---@return sops.get_task_node_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_node_detail(args) end

---One node's inputs, outputs and error.
---@param args sops.get_task_node_data.args
---@return sops.get_task_node_data.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_node_data(args) end

---One node's log, a page at a time.
---@param args sops.get_task_node_log.args
---@return sops.get_task_node_log.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_node_log(args) end

---The log JOB kept of a JOB node's run.
---@param args sops.get_node_job_executed_log.args
---@return sops.get_node_job_executed_log.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_node_job_executed_log(args) end

---The log a third-party plugin's service kept of a node's run.
---@param args sops.get_task_plugin_log.args
---@return sops.get_task_plugin_log.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_task_plugin_log(args) end

---The node-callback entry: delivers a callback by its token.
---@param args sops.callback.args
---@return sops.callback.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:callback(args) end

---The business's templates (or the common ones), newest first, all at once.
---@param args sops.get_template_list.args
---@return sops.get_template_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_template_list(args) end

---One template with its tree.
---@param args sops.get_template_info.args
---@return sops.get_template_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_template_info(args) end

---A template node's last successful runs (bk-sops' master branch).
---@param args sops.get_node_execution_record.args
---@return sops.get_node_execution_record.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_node_execution_record(args) end

---A template's execution schemes (which optional nodes run).
---@param args sops.get_template_schemes.args
---@return sops.get_template_schemes.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_template_schemes(args) end

---The common templates, newest first, all at once.
---@param args sops.get_common_template_list.args
---@return sops.get_common_template_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_common_template_list(args) end

---One common template with its tree.
---@param args sops.get_common_template_info.args
---@return sops.get_common_template_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_common_template_info(args) end

---The tree a task would get from a template, some optional nodes left out.
---@param args sops.preview_task_tree.args
---@return sops.preview_task_tree.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:preview_task_tree(args) end

---The tree a task would get from a common template, some optional nodes left out.
---@param args sops.preview_common_task_tree.args
---@return sops.preview_common_task_tree.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:preview_common_task_tree(args) end

---Creates a template in the business from a pipeline tree.
---@param args sops.create_template.args
---@return sops.create_template.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:create_template(args) end

---Imports common templates from an export.
---@param args sops.import_common_template.args
---@return sops.import_common_template.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:import_common_template(args) end

---Imports templates into the business from an export.
---@param args sops.import_project_template.args
---@return sops.import_project_template.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:import_project_template(args) end

---Copies templates to another project.
---@param args sops.copy_template_across_project.args
---@return sops.copy_template_across_project.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:copy_template_across_project(args) end

---Changes whom a template's tasks notify, and how.
---@param args sops.modify_template_notify.args
---@return sops.modify_template_notify.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:modify_template_notify(args) end

---Changes the user a template's tasks run as.
---@param args sops.modify_template_executor_proxy.args
---@return sops.modify_template_executor_proxy.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:modify_template_executor_proxy(args) end

---Creates a periodic task from a template (disabled until enabled).
---@param args sops.create_periodic_task.args
---@return sops.create_periodic_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:create_periodic_task(args) end

---The business's periodic tasks.
---@param args sops.get_periodic_task_list.args
---@return sops.get_periodic_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_periodic_task_list(args) end

---One periodic task with its tree and variables.
---@param args sops.get_periodic_task_info.args
---@return sops.get_periodic_task_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_periodic_task_info(args) end

---Turns a periodic task on or off.
---@param args sops.set_periodic_task_enabled.args
---@return sops.set_periodic_task_enabled.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:set_periodic_task_enabled(args) end

---Changes when a periodic task runs.
---@param args sops.modify_cron_for_periodic_task.args
---@return sops.modify_cron_for_periodic_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:modify_cron_for_periodic_task(args) end

---Changes the variables a periodic task creates its tasks with.
---@param args sops.modify_constants_for_periodic_task.args
---@return sops.modify_constants_for_periodic_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:modify_constants_for_periodic_task(args) end

---Plans a task from a template for a time.
---@param args sops.create_clocked_task.args
---@return sops.create_clocked_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:create_clocked_task(args) end

---The business's clocked tasks, a page at a time.
---@param args sops.get_clocked_task_list.args
---@return sops.get_clocked_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_clocked_task_list(args) end

---The plugins the business can use, with their inputs and outputs.
---@param args sops.get_plugin_list.args
---@return sops.get_plugin_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_plugin_list(args) end

---One plugin's inputs and outputs.
---@param args sops.get_plugin_detail.args
---@return sops.get_plugin_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_plugin_detail(args) end

---The codes and names of the plugins.
---@param args sops.get_plugin_base_info.args
---@return sops.get_plugin_base_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_plugin_base_info(args) end

---Sends a query to a plugin's own API through bk-sops.
---@param args sops.dispatch_plugin_query.args
---@return sops.dispatch_plugin_query.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:dispatch_plugin_query(args) end

---The plugin gateway's plugin categories.
---@param args sops.plugin_gateway_get_categories.args
---@return sops.plugin_gateway_get_categories.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_get_categories(args) end

---The plugins the plugin gateway offers.
---@param args sops.plugin_gateway_get_plugin_list.args
---@return sops.plugin_gateway_get_plugin_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_get_plugin_list(args) end

---One plugin of the plugin gateway, with its inputs and outputs.
---@param args sops.plugin_gateway_get_plugin_detail.args
---@return sops.plugin_gateway_get_plugin_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_get_plugin_detail(args) end

---Starts a plugin run through the plugin gateway.
---@param args sops.plugin_gateway_create_run.args
---@return sops.plugin_gateway_create_run.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_create_run(args) end

---A plugin gateway run's status and outputs, by its task tag.
---@param args sops.plugin_gateway_get_run_status.args
---@return sops.plugin_gateway_get_run_status.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_get_run_status(args) end

---A plugin gateway run's status, plugin and outputs.
---@param args sops.plugin_gateway_get_run_detail.args
---@return sops.plugin_gateway_get_run_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_get_run_detail(args) end

---Delivers a plugin's callback to its plugin gateway run.
---@param args sops.plugin_gateway_internal_callback.args
---@return sops.plugin_gateway_internal_callback.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_internal_callback(args) end

---Cancels a plugin gateway run.
---@param args sops.plugin_gateway_cancel_run.args
---@return sops.plugin_gateway_cancel_run.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_cancel_run(args) end

---Cancels a plugin gateway run (the path without its last slash).
---@param args sops.plugin_gateway_cancel_run_compat.args
---@return sops.plugin_gateway_cancel_run_compat.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:plugin_gateway_cancel_run_compat(args) end

---The projects the user can see.
---@param args sops.get_user_project_list.args
---@return sops.get_user_project_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_user_project_list(args) end

---The business behind a project, and the user's rights in it.
---@param args sops.get_user_project_detail.args
---@return sops.get_user_project_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_user_project_detail(args) end

---The project's mini apps, a page at a time.
---@param args sops.get_mini_app_list.args
---@return sops.get_mini_app_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:get_mini_app_list(args) end

---Changes the user a project's tasks run as, and who is exempt.
---@param args sops.modify_project_executor_proxy.args
---@return sops.modify_project_executor_proxy.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:modify_project_executor_proxy(args) end

---Makes a project of a CMDB business.
---@param args sops.register_project.args
---@return sops.register_project.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:register_project(args) end

---Sets (or turns off) the webhooks of templates.
---@param args sops.apply_webhook_configs.args
---@return sops.apply_webhook_configs.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:apply_webhook_configs(args) end

---Declared to the gateway for JOB file uploads; no bk-sops view serves it.
---@param args sops.apply_job_file_upload_ticket.args
---@return sops.apply_job_file_upload_ticket.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:apply_job_file_upload_ticket(args) end

---Declared to the gateway for JOB file uploads; no bk-sops view serves it.
---@param args sops.job_file_upload.args
---@return sops.job_file_upload.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:job_file_upload(args) end

---Polls a task until it ends (or reaches the states asked for).
---@param args sops.wait.args
---@return sops.shape.task_status|nil status
---@return string|nil message
---@return sops.Error|table|nil err
function Client:wait(args) end

---Waits for many tasks with few requests.
---@param args sops.wait_all.args
---@return table<integer, sops.WaitResult> results keyed by task id
function Client:wait_all(args) end

---Goes over a listing that pages, as an iterator.
---@param name string a call that pages
---@param args table its fields, and max_items
---@return fun(): any iterator over the items
---@return sops.Pager pager
function Client:pages(name, args) end

---Sends any bk-sops api by name (or method and path), unchecked.
---@param target string|table an endpoint's name, or {api, method, path, changes_state?}
---@param params? table
---@param timeout? number
---@return any value
---@return string|nil message
---@return sops.Error|table|nil err
function Client:call(target, params, timeout) end

---Sends several calls at once and returns what each returns.
---@param calls table[] {name, params} each
---@param timeout? number
---@return table[] results {value, message, err} each
function Client:call_many(calls, timeout) end

---Returns the request a call would send, unsent.
---@param name string
---@param args table
---@return sops.Prepared request
function Client:prepare(name, args) end

---Sets or removes the request and response hooks.
---@param event "request"|"response"
---@param fn? function
---@return sops.Client self
function Client:on(event, fn) end

---The `bk_biz_id` and `scope` the client was made with.
---@return {bk_biz_id: integer?, scope: string?} defaults
function Client:defaults() end

---Whether the client is still open.
---@return boolean
function Client:is_open() end

---Releases the client's connection; later calls raise.
function Client:close() end

---The state names (`sops.states.FAILED == "FAILED"`).
---@class sops.States
---@field CREATED "CREATED"
---@field EXPIRED "EXPIRED"
---@field FAILED "FAILED"
---@field FINISHED "FINISHED"
---@field NODE_SUSPENDED "NODE_SUSPENDED"
---@field READY "READY"
---@field REVOKED "REVOKED"
---@field RUNNING "RUNNING"
---@field SUSPENDED "SUSPENDED"

---lua-sops: the BlueKing Standard OPS client.
---@class sops
---@field VERSION string
---@field _VERSION string
---@field null sops.Null
---@field TASK_ACTIONS table<string, true>
---@field NODE_ACTIONS table<string, true>
---@field callbacks sops.callbacks
---@field states sops.States
local sops = {}

---Makes a client from its options.
---@param opts sops.Options
---@return sops.Client
function sops.new(opts) end

---Sets up the default client of `sops.<call>` and `sops.wait`.
---@param opts sops.Options
---@return sops.Client
function sops.configure(opts) end

---The client `sops.configure` set up.
---@return sops.Client|nil
function sops.default_client() end

---`client:wait` on the default client.
---@param args sops.wait.args
---@return sops.shape.task_status|nil status
---@return string|nil message
---@return sops.Error|table|nil err
function sops.wait(args) end

---`client:wait_all` on the default client.
---@param args sops.wait_all.args
---@return table<integer, sops.WaitResult> results keyed by task id
function sops.wait_all(args) end

---Decodes JSON as the core does.
---@param text string
---@return any value
---@return string|nil message
function sops.decode(text) end

---Encodes a value as JSON, keys in a stable order.
---@param value any
---@return string
function sops.encode(value) end

---Marks a table to be sent as a JSON array, even empty.
---@param t? table
---@return table
function sops.array(t) end

---Whether a value is a lua-sops error.
---@param v any
---@return boolean
function sops.is_error(v) end

---Whether a state is an end (FINISHED, REVOKED, EXPIRED).
---@param state string
---@return boolean
function sops.is_terminal(state) end

---Visits every node of a status tree, parents first.
---@param status sops.shape.task_status
---@param fn fun(node: table, path: string[])
function sops.walk(status, fn) end

---The failed leaf nodes of a status, ready to retry or skip.
---@param status sops.shape.task_status
---@return table[]
function sops.failed_nodes(status) end

---How far a task has got, in activities.
---@param status sops.shape.task_status
---@return table
function sops.progress(status) end

---The core's real sleep, which a handled signal ends.
---@param seconds number
function sops.sleep(seconds) end

---Creates a task from a project's or a common template, without starting it.
---@param args sops.create_task.args
---@return sops.create_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.create_task(args) end

---Creates a task from a template and starts it.
---@param args sops.create_and_start_task.args
---@return sops.create_and_start_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.create_and_start_task(args) end

---Creates a task from a pipeline tree given whole, with no template.
---@param args sops.fast_create_task.args
---@return sops.fast_create_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.fast_create_task(args) end

---Starts a created task. bk-sops queues the start: the task reads CREATED for a moment after.
---@param args sops.start_task.args
---@return sops.start_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.start_task(args) end

---Pauses, resumes, revokes or starts a task.
---@param args sops.operate_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.operate_task(args) end

---Pauses a running task.
---@param args sops.pause_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.pause_task(args) end

---Resumes a paused task.
---@param args sops.resume_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.resume_task(args) end

---Revokes (cancels) a task; it cannot be resumed.
---@param args sops.revoke_task.args
---@return sops.operate_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.revoke_task(args) end

---The state of a task and of each of its nodes, subprocesses included.
---@param args sops.get_task_status.args
---@return sops.get_task_status.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_status(args) end

---The states of up to 50 tasks of one business, in one request.
---@param args sops.get_tasks_status.args
---@return sops.get_tasks_status.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_tasks_status(args) end

---A task's details: its tree, variables, times and, once it finished, its outputs.
---@param args sops.get_task_detail.args
---@return sops.get_task_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_detail(args) end

---The business's tasks, newest first, a page at a time.
---@param args sops.get_task_list.args
---@return sops.get_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_list(args) end

---How many of the business's tasks match the filters.
---@param args sops.get_task_count.args
---@return sops.get_task_count.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_count(args) end

---The business's tasks counted by a field (`group_by`).
---@param args sops.query_task_count.args
---@return sops.query_task_count.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.query_task_count(args) end

---Whether each of up to 9 tasks waits for a person.
---@param args sops.get_tasks_manual_intervention_state.args
---@return sops.get_tasks_manual_intervention_state.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_tasks_manual_intervention_state(args) end

---Changes the variables of a task not started yet.
---@param args sops.modify_constants_for_task.args
---@return sops.modify_constants_for_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.modify_constants_for_task(args) end

---Who did what to a task, and when.
---@param args sops.get_task_operate_record.args
---@return sops.get_task_operate_record.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_operate_record(args) end

---A finished task's effective run time, the excluded nodes' time left out.
---@param args sops.get_task_effective_time.args
---@return sops.get_task_effective_time.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_effective_time(args) end

---Claims a functionalization task (one created with flow_type common_func).
---@param args sops.claim_functionalization_task.args
---@return sops.claim_functionalization_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.claim_functionalization_task(args) end

---The functionalization tasks, a page at a time.
---@param args sops.get_functionalization_task_list.args
---@return sops.get_functionalization_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_functionalization_task_list(args) end

---Acts on a node: retries, skips, pauses, resumes, fails it, or picks a gateway's flow.
---@param args sops.operate_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.operate_node(args) end

---Sends data to a node that waits for a callback (operate_node's callback).
---@param args sops.callback_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.callback_node(args) end

---Makes a running node fail.
---@param args sops.forced_fail_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.forced_fail_node(args) end

---Pauses a running subprocess node.
---@param args sops.pause_subprocess.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.pause_subprocess(args) end

---Resumes a paused subprocess node.
---@param args sops.resume_subprocess.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.resume_subprocess(args) end

---Retries a failed node; `inputs`, if given, are the node's new inputs (`{key = value}`, its plugin's input keys).
---@param args sops.retry_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.retry_node(args) end

---Makes a failed exclusive gateway take the given flow.
---@param args sops.skip_exg.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.skip_exg(args) end

---Skips a failed node.
---@param args sops.skip_node.args
---@return sops.operate_node.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.skip_node(args) end

---Calls back a node that waits for a callback (a pause or approval node).
---@param args sops.node_callback.args
---@return sops.node_callback.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.node_callback(args) end

---One node's state, inputs, outputs, error and past attempts.
---@param args sops.get_task_node_detail.args
---@return sops.get_task_node_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_node_detail(args) end

---One node's inputs, outputs and error.
---@param args sops.get_task_node_data.args
---@return sops.get_task_node_data.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_node_data(args) end

---One node's log, a page at a time.
---@param args sops.get_task_node_log.args
---@return sops.get_task_node_log.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_node_log(args) end

---The log JOB kept of a JOB node's run.
---@param args sops.get_node_job_executed_log.args
---@return sops.get_node_job_executed_log.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_node_job_executed_log(args) end

---The log a third-party plugin's service kept of a node's run.
---@param args sops.get_task_plugin_log.args
---@return sops.get_task_plugin_log.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_task_plugin_log(args) end

---The node-callback entry: delivers a callback by its token.
---@param args sops.callback.args
---@return sops.callback.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.callback(args) end

---The business's templates (or the common ones), newest first, all at once.
---@param args sops.get_template_list.args
---@return sops.get_template_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_template_list(args) end

---One template with its tree.
---@param args sops.get_template_info.args
---@return sops.get_template_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_template_info(args) end

---A template node's last successful runs (bk-sops' master branch).
---@param args sops.get_node_execution_record.args
---@return sops.get_node_execution_record.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_node_execution_record(args) end

---A template's execution schemes (which optional nodes run).
---@param args sops.get_template_schemes.args
---@return sops.get_template_schemes.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_template_schemes(args) end

---The common templates, newest first, all at once.
---@param args sops.get_common_template_list.args
---@return sops.get_common_template_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_common_template_list(args) end

---One common template with its tree.
---@param args sops.get_common_template_info.args
---@return sops.get_common_template_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_common_template_info(args) end

---The tree a task would get from a template, some optional nodes left out.
---@param args sops.preview_task_tree.args
---@return sops.preview_task_tree.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.preview_task_tree(args) end

---The tree a task would get from a common template, some optional nodes left out.
---@param args sops.preview_common_task_tree.args
---@return sops.preview_common_task_tree.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.preview_common_task_tree(args) end

---Creates a template in the business from a pipeline tree.
---@param args sops.create_template.args
---@return sops.create_template.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.create_template(args) end

---Imports common templates from an export.
---@param args sops.import_common_template.args
---@return sops.import_common_template.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.import_common_template(args) end

---Imports templates into the business from an export.
---@param args sops.import_project_template.args
---@return sops.import_project_template.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.import_project_template(args) end

---Copies templates to another project.
---@param args sops.copy_template_across_project.args
---@return sops.copy_template_across_project.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.copy_template_across_project(args) end

---Changes whom a template's tasks notify, and how.
---@param args sops.modify_template_notify.args
---@return sops.modify_template_notify.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.modify_template_notify(args) end

---Changes the user a template's tasks run as.
---@param args sops.modify_template_executor_proxy.args
---@return sops.modify_template_executor_proxy.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.modify_template_executor_proxy(args) end

---Creates a periodic task from a template (disabled until enabled).
---@param args sops.create_periodic_task.args
---@return sops.create_periodic_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.create_periodic_task(args) end

---The business's periodic tasks.
---@param args sops.get_periodic_task_list.args
---@return sops.get_periodic_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_periodic_task_list(args) end

---One periodic task with its tree and variables.
---@param args sops.get_periodic_task_info.args
---@return sops.get_periodic_task_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_periodic_task_info(args) end

---Turns a periodic task on or off.
---@param args sops.set_periodic_task_enabled.args
---@return sops.set_periodic_task_enabled.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.set_periodic_task_enabled(args) end

---Changes when a periodic task runs.
---@param args sops.modify_cron_for_periodic_task.args
---@return sops.modify_cron_for_periodic_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.modify_cron_for_periodic_task(args) end

---Changes the variables a periodic task creates its tasks with.
---@param args sops.modify_constants_for_periodic_task.args
---@return sops.modify_constants_for_periodic_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.modify_constants_for_periodic_task(args) end

---Plans a task from a template for a time.
---@param args sops.create_clocked_task.args
---@return sops.create_clocked_task.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.create_clocked_task(args) end

---The business's clocked tasks, a page at a time.
---@param args sops.get_clocked_task_list.args
---@return sops.get_clocked_task_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_clocked_task_list(args) end

---The plugins the business can use, with their inputs and outputs.
---@param args sops.get_plugin_list.args
---@return sops.get_plugin_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_plugin_list(args) end

---One plugin's inputs and outputs.
---@param args sops.get_plugin_detail.args
---@return sops.get_plugin_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_plugin_detail(args) end

---The codes and names of the plugins.
---@param args sops.get_plugin_base_info.args
---@return sops.get_plugin_base_info.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_plugin_base_info(args) end

---Sends a query to a plugin's own API through bk-sops.
---@param args sops.dispatch_plugin_query.args
---@return sops.dispatch_plugin_query.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.dispatch_plugin_query(args) end

---The plugin gateway's plugin categories.
---@param args sops.plugin_gateway_get_categories.args
---@return sops.plugin_gateway_get_categories.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_get_categories(args) end

---The plugins the plugin gateway offers.
---@param args sops.plugin_gateway_get_plugin_list.args
---@return sops.plugin_gateway_get_plugin_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_get_plugin_list(args) end

---One plugin of the plugin gateway, with its inputs and outputs.
---@param args sops.plugin_gateway_get_plugin_detail.args
---@return sops.plugin_gateway_get_plugin_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_get_plugin_detail(args) end

---Starts a plugin run through the plugin gateway.
---@param args sops.plugin_gateway_create_run.args
---@return sops.plugin_gateway_create_run.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_create_run(args) end

---A plugin gateway run's status and outputs, by its task tag.
---@param args sops.plugin_gateway_get_run_status.args
---@return sops.plugin_gateway_get_run_status.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_get_run_status(args) end

---A plugin gateway run's status, plugin and outputs.
---@param args sops.plugin_gateway_get_run_detail.args
---@return sops.plugin_gateway_get_run_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_get_run_detail(args) end

---Delivers a plugin's callback to its plugin gateway run.
---@param args sops.plugin_gateway_internal_callback.args
---@return sops.plugin_gateway_internal_callback.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_internal_callback(args) end

---Cancels a plugin gateway run.
---@param args sops.plugin_gateway_cancel_run.args
---@return sops.plugin_gateway_cancel_run.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_cancel_run(args) end

---Cancels a plugin gateway run (the path without its last slash).
---@param args sops.plugin_gateway_cancel_run_compat.args
---@return sops.plugin_gateway_cancel_run_compat.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.plugin_gateway_cancel_run_compat(args) end

---The projects the user can see.
---@param args sops.get_user_project_list.args
---@return sops.get_user_project_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_user_project_list(args) end

---The business behind a project, and the user's rights in it.
---@param args sops.get_user_project_detail.args
---@return sops.get_user_project_detail.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_user_project_detail(args) end

---The project's mini apps, a page at a time.
---@param args sops.get_mini_app_list.args
---@return sops.get_mini_app_list.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.get_mini_app_list(args) end

---Changes the user a project's tasks run as, and who is exempt.
---@param args sops.modify_project_executor_proxy.args
---@return sops.modify_project_executor_proxy.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.modify_project_executor_proxy(args) end

---Makes a project of a CMDB business.
---@param args sops.register_project.args
---@return sops.register_project.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.register_project(args) end

---Sets (or turns off) the webhooks of templates.
---@param args sops.apply_webhook_configs.args
---@return sops.apply_webhook_configs.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.apply_webhook_configs(args) end

---Declared to the gateway for JOB file uploads; no bk-sops view serves it.
---@param args sops.apply_job_file_upload_ticket.args
---@return sops.apply_job_file_upload_ticket.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.apply_job_file_upload_ticket(args) end

---Declared to the gateway for JOB file uploads; no bk-sops view serves it.
---@param args sops.job_file_upload.args
---@return sops.job_file_upload.result|nil value
---@return string|nil message
---@return sops.Error|table|nil err
function sops.job_file_upload(args) end

return sops
