# fish completion for bksops, made from lua-sops' table of commands by
# `bksops completion fish`: do not edit. Put it in
# /usr/share/fish/vendor_completions.d/bksops.fish (for yourself alone:
# ~/.config/fish/completions/bksops.fish), or load it with
#   bksops completion fish | source
# Template names, task ids and node names come from bk-sops through
# `bksops __complete`, which answers within 2 s, or with nothing.

# the options naming the connection, passed on to bksops __complete
set -g __bksops_conn_options --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout

# the options of command $argv[1] that take a value
function __bksops_takes
    switch $argv[1]
        case templates
            printf '%s\n' --keyword -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case run
            printf '%s\n' --name --constants -c --constant --key --timeout --interval --stall --on-timeout --node --until --callback-listen --callback-url -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case create
            printf '%s\n' --name --constants -c --constant --key -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case tasks
            printf '%s\n' --state --template --creator --since --until --limit -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case show
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case status
            printf '%s\n' --subprocess -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case node
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case why
            printf '%s\n' --lines -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case logs
            printf '%s\n' --interval -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case wait
            printf '%s\n' --timeout --interval --stall --on-timeout --node --until -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case start
            printf '%s\n' --timeout --interval --stall --on-timeout --node --until -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case rerun
            printf '%s\n' --name --constants -c --constant --timeout --interval --stall --on-timeout --node --until -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case pause
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case resume
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case revoke
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case retry
            printf '%s\n' --inputs -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case skip
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case skip-exg
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case callback
            printf '%s\n' --data -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case api
            printf '%s\n' -p --param -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case doctor
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case config
            printf '%s\n' -o --output --profile --url --stage --route --tenant-id --app-code --app-secret-file --username --biz --scope --request-timeout
        case completion
            printf '%s\n' 
    end
end

# Reads the line before the word being completed: __bksops_command, its
# words (__bksops_words), the connection options given (__bksops_given)
# and the option whose value is being typed (__bksops_option).
function __bksops_scan
    set -g __bksops_command
    set -g __bksops_words
    set -g __bksops_given
    set -g __bksops_option
    set -l tokens (commandline -opc)
    set -l takes
    set -l rest
    set -l i 2
    while test $i -le (count $tokens)
        set -l w $tokens[$i]
        if test -z "$__bksops_command"
            if not string match -q -- '-*' $w
                set -g __bksops_command $w
                set takes (__bksops_takes $w)
            end
        else if test -z "$rest"; and test "$w" = --
            set rest 1
        else if test -z "$rest"; and string match -q -- '-?*' $w
            if string match -q -- '--*=*' $w
                if contains -- (string split -m 1 = -- $w)[1] $__bksops_conn_options
                    set -a __bksops_given $w
                end
            else if contains -- $w $takes
                set i (math $i + 1)
                if test $i -le (count $tokens)
                    if contains -- $w $__bksops_conn_options
                        set -a __bksops_given $w $tokens[$i]
                    end
                else
                    set -g __bksops_option $w
                end
            end
        else
            set -a __bksops_words $w
        end
        set i (math $i + 1)
    end
end

# whether the line's command is one of $argv (no argument: whether it has one)
function __bksops_is
    set -l tokens (commandline -opc)
    for w in $tokens[2..-1]
        if not string match -q -- '-*' $w
            test (count $argv) -eq 0; or contains -- $w $argv
            return
        end
    end
    return 1
end

# whether the word being completed is command $argv[1]'s $argv[2]-th word
# (with "more": or one after it)
function __bksops_at
    string match -q -- '-*' (commandline -ct); and return 1
    __bksops_scan
    test "$__bksops_command" = $argv[1]; and test -z "$__bksops_option"; or return 1
    set -l n (math (count $__bksops_words) + 1)
    test $n -eq $argv[2]; or begin; test "$argv[3]" = more; and test $n -gt $argv[2]; end
end

# what bksops __complete KIND prints (node N: the nodes of the task the
# command's N-th word names)
function __bksops_server
    __bksops_scan
    set -l args $argv[1]
    if test $argv[1] = node
        set -l task $__bksops_words[$argv[2]]
        test -n "$task"; or return
        set -a args $task
    end
    set -l bin (commandline -opc)[1]
    $bin __complete $__bksops_given -- $args 2>/dev/null
end

complete -c bksops -f
complete -c bksops -n 'not __bksops_is' -a 'templates' -d 'List the business\'s templates, by name'
complete -c bksops -n 'not __bksops_is' -a 'run' -d 'Create a task from a template and start it'
complete -c bksops -n 'not __bksops_is' -a 'create' -d 'Create a task from a template without starting it'
complete -c bksops -n 'not __bksops_is' -a 'tasks' -d 'List the business\'s tasks, newest first, with each one\'s state'
complete -c bksops -n 'not __bksops_is' -a 'show' -d 'Show a task: its state, times, constants and outputs'
complete -c bksops -n 'not __bksops_is' -a 'status' -d 'Show a task\'s node tree with states, short ids, elapsed times and failures'
complete -c bksops -n 'not __bksops_is' -a 'node' -d 'Show one node'
complete -c bksops -n 'not __bksops_is' -a 'why' -d 'Show why a task failed'
complete -c bksops -n 'not __bksops_is' -a 'logs' -d 'Print a node\'s whole log'
complete -c bksops -n 'not __bksops_is' -a 'wait' -d 'Wait until tasks finish, fail, are revoked or expire, showing their progress'
complete -c bksops -n 'not __bksops_is' -a 'start' -d 'Start a created task'
complete -c bksops -n 'not __bksops_is' -a 'rerun' -d 'Run a task again'
complete -c bksops -n 'not __bksops_is' -a 'pause' -d 'Pause a running task'
complete -c bksops -n 'not __bksops_is' -a 'resume' -d 'Resume a paused task'
complete -c bksops -n 'not __bksops_is' -a 'revoke' -d 'Revoke a task'
complete -c bksops -n 'not __bksops_is' -a 'retry' -d 'Retry a failed node, optionally with new inputs, or every failed node'
complete -c bksops -n 'not __bksops_is' -a 'skip' -d 'Skip a failed node'
complete -c bksops -n 'not __bksops_is' -a 'skip-exg' -d 'Make a failed exclusive gateway take the given flow'
complete -c bksops -n 'not __bksops_is' -a 'callback' -d 'Send callback data to a node that waits for it'
complete -c bksops -n 'not __bksops_is' -a 'api' -d 'Call any bk-sops api by name'
complete -c bksops -n 'not __bksops_is' -a 'doctor' -d 'Check the connection step by step'
complete -c bksops -n 'not __bksops_is' -a 'config' -d 'List the config file\'s profiles, show the settings in effect and where each comes from, or make a profile the default'
complete -c bksops -n 'not __bksops_is' -a 'completion' -d 'Print the shell\'s completion script'
complete -c bksops -n 'not __bksops_is' -s h -l help -d 'show the help'
complete -c bksops -n 'not __bksops_is' -l version -d 'print the versions of bksops, lua-sops, Lua and libcurl'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config completion' -s h -l help -d 'show the help'
complete -c bksops -n '__bksops_is templates' -l keyword -x -d 'only templates whose name contains TEXT'
complete -c bksops -n '__bksops_is templates tasks' -l no-headers -d 'leave out the first line, which names the columns'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -s o -l output -x -a 'json yaml wide name field=' -d 'print the data as json, yaml, wide, name or field=PATH, alone on stdout'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l json -d 'the same as -o json'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -s q -l quiet -d 'print nothing but errors'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l profile -x -a '(__bksops_server profile)' -d 'the profile of ~/.config/bksops/config to use'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l url -x -d 'gateway stage URL or ESB base URL'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l stage -x -d 'the gateway stage under BK_API_URL_TMPL'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l route -x -a 'apigw esb system' -d 'the route'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l tenant-id -x -d 'the tenant of a multi-tenant BlueKing, sent as X-Bk-Tenant-Id'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l app-code -x -d 'the app\'s code'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l app-secret-file -r -F -d 'read the app secret from FILE, which only its owner may read'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l username -x -d 'the user to act as'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l biz -x -d 'the business id'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l scope -x -a 'cmdb_biz project' -d 'what --biz is'
complete -c bksops -n '__bksops_is templates run create tasks show status node why logs wait start rerun pause resume revoke retry skip skip-exg callback api doctor config' -l request-timeout -x -d 'seconds for each HTTP request'
complete -c bksops -n '__bksops_is run create rerun' -l name -x -d 'the task\'s name'
complete -c bksops -n '__bksops_is run create rerun' -l constants -x -d 'the task\'s constants as a JSON object'
complete -c bksops -n '__bksops_is run create rerun' -s c -l constant -x -d 'one constant, as text'
complete -c bksops -n '__bksops_is run create' -l key -x -d 'once per KEY: use the template\'s task whose name ends in [key:KEY], else create one so named'
complete -c bksops -n '__bksops_is run start' -l wait -d 'wait until the task ends, showing its progress'
complete -c bksops -n '__bksops_is run wait start rerun' -l timeout -x -d 'seconds to wait before giving up'
complete -c bksops -n '__bksops_is run wait start rerun' -l interval -x -d 'seconds between polls at first'
complete -c bksops -n '__bksops_is run wait start rerun' -l events -d 'write each change of the task and its nodes to stderr as a JSON object a line'
complete -c bksops -n '__bksops_is run wait start rerun' -l stall -x -d 'give up when no node of a running task has changed for S seconds'
complete -c bksops -n '__bksops_is run wait start rerun' -l on-timeout -x -a 'revoke pause' -d 'at the deadline, revoke or pause the task before giving up'
complete -c bksops -n '__bksops_is run wait start rerun' -l outputs -d 'with a FINISHED task, show its outputs'
complete -c bksops -n '__bksops_is run' -l node -x -d 'wait for one node of the task instead, until it reaches --until'
complete -c bksops -n '__bksops_is run wait start rerun' -l until -x -d 'the states that end the wait, comma-separated'
complete -c bksops -n '__bksops_is run' -l callback-listen -x -d 'with --wait: take bk-sops\' completion callback on HOST:PORT, and poll once a minute otherwise'
complete -c bksops -n '__bksops_is run' -l callback-url -x -d 'the URL bk-sops reaches --callback-listen at'
complete -c bksops -n '__bksops_is tasks' -l state -x -a 'created expired failed finished node_suspended ready revoked running suspended' -d 'only tasks in STATE, any case'
complete -c bksops -n '__bksops_is tasks' -l template -x -a '(__bksops_server template)' -d 'only tasks of the template'
complete -c bksops -n '__bksops_is tasks' -l creator -x -d 'only the tasks USER created'
complete -c bksops -n '__bksops_is tasks' -l since -x -d 'only tasks created since WHEN'
complete -c bksops -n '__bksops_is tasks' -l until -x -d 'only tasks created until WHEN'
complete -c bksops -n '__bksops_is tasks' -l limit -x -d 'at most N tasks'
complete -c bksops -n '__bksops_is status' -l subprocess -k -x -a '(__bksops_server node 1)' -d 'only the tree under this subprocess node'
complete -c bksops -n '__bksops_is status' -l all -d 'also unnamed events and gateways'
complete -c bksops -n '__bksops_is why' -l lines -x -d 'the last N lines of each node\'s log'
complete -c bksops -n '__bksops_is logs' -l follow -d 'poll the log, printing only what is new, until the node is no longer RUNNING'
complete -c bksops -n '__bksops_is logs' -l interval -x -d 'with --follow, seconds between polls'
complete -c bksops -n '__bksops_is wait start rerun' -l node -k -x -a '(__bksops_server node 1)' -d 'wait for one node of the task instead, until it reaches --until'
complete -c bksops -n '__bksops_is rerun' -l wait -d 'wait until the new task ends, showing its progress'
complete -c bksops -n '__bksops_is retry' -l failed -d 'retry every failed node of the task'
complete -c bksops -n '__bksops_is retry' -l inputs -x -d 'the node\'s new inputs as a JSON object'
complete -c bksops -n '__bksops_is callback' -l data -x -d 'the callback\'s data as a JSON object'
complete -c bksops -n '__bksops_is api' -s p -l param -x -d 'a field of the call'
complete -c bksops -n '__bksops_at run 1' -x -a '(__bksops_server template)' -d 'TEMPLATE'
complete -c bksops -n '__bksops_at create 1' -x -a '(__bksops_server template)' -d 'TEMPLATE'
complete -c bksops -n '__bksops_at show 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at status 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at node 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at node 2' -k -x -a '(__bksops_server node 1)' -d 'NODE'
complete -c bksops -n '__bksops_at why 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at logs 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at logs 2' -k -x -a '(__bksops_server node 1)' -d 'NODE'
complete -c bksops -n '__bksops_at wait 1 more' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at start 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at rerun 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at pause 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at resume 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at revoke 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at retry 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at retry 2' -k -x -a '(__bksops_server node 1)' -d 'NODE'
complete -c bksops -n '__bksops_at skip 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at skip 2' -k -x -a '(__bksops_server node 1)' -d 'NODE'
complete -c bksops -n '__bksops_at skip-exg 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at skip-exg 2' -k -x -a '(__bksops_server node 1)' -d 'GATEWAY'
complete -c bksops -n '__bksops_at callback 1' -k -x -a '(__bksops_server task)' -d 'TASK'
complete -c bksops -n '__bksops_at callback 2' -k -x -a '(__bksops_server node 1)' -d 'NODE'
complete -c bksops -n '__bksops_at api 1' -x -a 'apply_job_file_upload_ticket apply_webhook_configs callback callback_node claim_functionalization_task copy_template_across_project create_and_start_task create_clocked_task create_periodic_task create_task create_template dispatch_plugin_query fast_create_task forced_fail_node get_clocked_task_list get_common_template_info get_common_template_list get_functionalization_task_list get_mini_app_list get_node_execution_record get_node_job_executed_log get_periodic_task_info get_periodic_task_list get_plugin_base_info get_plugin_detail get_plugin_list get_task_count get_task_detail get_task_effective_time get_task_list get_task_node_data get_task_node_detail get_task_node_log get_task_operate_record get_task_plugin_log get_task_status get_tasks_manual_intervention_state get_tasks_status get_template_info get_template_list get_template_schemes get_user_project_detail get_user_project_list import_common_template import_project_template job_file_upload modify_constants_for_periodic_task modify_constants_for_task modify_cron_for_periodic_task modify_project_executor_proxy modify_template_executor_proxy modify_template_notify node_callback operate_node operate_task pause_subprocess pause_task plugin_gateway_cancel_run plugin_gateway_cancel_run_compat plugin_gateway_create_run plugin_gateway_get_categories plugin_gateway_get_plugin_detail plugin_gateway_get_plugin_list plugin_gateway_get_run_detail plugin_gateway_get_run_status plugin_gateway_internal_callback preview_common_task_tree preview_task_tree query_task_count register_project resume_subprocess resume_task retry_node revoke_task set_periodic_task_enabled skip_exg skip_node start_task' -d 'NAME'
complete -c bksops -n '__bksops_at config 1' -x -a 'list show use' -d 'ACTION'
complete -c bksops -n '__bksops_at config 2' -x -a '(__bksops_server profile)' -d 'PROFILE'
complete -c bksops -n '__bksops_at completion 1' -x -a 'bash zsh fish' -d 'SHELL'
