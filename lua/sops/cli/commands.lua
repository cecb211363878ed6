-- The bksops command's commands, options and examples: written here once.
-- The argument parser (sops.cli.parser), every --help, the shell
-- completions (sops.cli.completion) and the man page (make share) are made
-- from this table; a command that maps onto bk-sops apis names them in
-- `calls`, and its help shows their method and path from sops.api.
local options = require "sops.options"

local M = {}

-- the command's name: not "sops", which is getsops/sops, the secrets tool
-- found on the same machines
M.PROGRAM = "bksops"

-- An option: {"--long", "ARG", "what it does", default = ..., short = "-x",
-- kind = "flag" | "value" | "list" (given again and again), choices = {...},
-- check = "positive" | "count" | "json" | "output" (-o's word) | "duration" (90, 90s, 10m, 1h, 1d) | "instant" (a duration ago
-- or a date; is_end = true: a date alone is the day's end) | "state" (a task state, any case),
-- complete = what the shells complete ARG with: "file", or a kind `bksops __complete` lists from the
-- server ("template", "task", "node": a node of the command's TASK, "profile")}. ARG is nil for a flag.
local function opt(long, arg, about, extra)
  local o = {long = long, arg = arg, about = about, kind = arg and "value" or "flag"}
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

-- Options every command that talks to bk-sops takes: flags, else the
-- profile, else the environment (README: Configuration).
M.CONNECTION = {
  opt("--profile", "NAME", "the profile of ~/.config/bksops/config to use (BKSOPS_PROFILE; default: its [default])",
    {complete = "profile"}),
  opt("--url", "URL", "gateway stage URL or ESB base URL (BK_SOPS_URL; else BK_API_URL_TMPL with api_name "
    .. "bk-sops and the stage)"),
  opt("--stage", "STAGE", "the gateway stage under BK_API_URL_TMPL (BK_SOPS_STAGE)", {default = "prod"}),
  opt("--route", "ROUTE", "the route (BK_SOPS_ROUTE; default: esb for /compapi/ URLs, else apigw; system: the "
    .. "app-state calls, no user needed)", {choices = options.BY_NAME.route.choices}),
  opt("--tenant-id", "ID", "the tenant of a multi-tenant BlueKing, sent as X-Bk-Tenant-Id (BK_APP_TENANT_ID, "
    .. "then BKPAAS_APP_TENANT_ID; either set but empty: system)"),
  opt("--app-code", "CODE", "the app's code (BK_APP_CODE or BKPAAS_APP_ID)"),
  opt("--app-secret-file", "FILE", "read the app secret from FILE, which only its owner may read (else "
    .. "BK_APP_SECRET or BKPAAS_APP_SECRET; never from the command line)", {complete = "file"}),
  opt("--username", "NAME", "the user to act as (BK_USERNAME; or BK_TOKEN / BK_ACCESS_TOKEN; none on route system)"),
  opt("--biz", "ID", "the business (or project) id (BK_BIZ_ID)"),
  opt("--scope", "SCOPE", "what --biz is", {default = options.default("scope"), choices = {"cmdb_biz", "project"}}),
  opt("--request-timeout", "S", "seconds for each HTTP request", {default = tostring(options.default("timeout")),
    check = "duration"}),
}

-- (the same, as a set: whether an option is one of them)
M.IS_CONNECTION = {}
for _, o in ipairs(M.CONNECTION) do M.IS_CONNECTION[o] = true end

-- What a command that prints data prints (README: Output formats): -o, its
-- alias --json, --quiet; listings add --no-headers.
local OUTPUT = {
  opt("--output", "FORMAT", "print the data as json, yaml, wide (text, with more columns in listings), name (the ids, "
    .. "one a line) or field=PATH (one field: task_id, status.state, [0].id), alone on stdout; human text goes to "
    .. "stderr", {short = "-o", check = "output"}),
  opt("--json", nil, "the same as -o json: the exact data as one JSON document on stdout, for scripts"),
  opt("--quiet", nil, "print nothing but errors; the exit code says the rest", {short = "-q"}),
}
local LISTING = {opt("--no-headers", nil, "leave out the first line, which names the columns")}

-- Options of the commands that wait.
M.WAITING = {
  opt("--timeout", "S", "seconds to wait before giving up (exit 3)",
    {default = tostring(options.WAIT_DEFAULTS.timeout), check = "duration"}),
  opt("--interval", "S", "seconds between polls at first; they grow to " .. options.WAIT_DEFAULTS.max_interval
    .. " s", {default = tostring(options.WAIT_DEFAULTS.interval), check = "duration"}),
  opt("--events", nil, "write each change of the task and its nodes to stderr as a JSON object a line "
    .. "(JSON Lines)"),
  opt("--stall", "S", "give up when no node of a running task has changed for S seconds (exit 7)",
    {check = "duration"}),
  opt("--on-timeout", "ACTION", "at the deadline, revoke or pause the task (once) before giving up",
    {choices = {"revoke", "pause"}}),
  opt("--outputs", nil, "with a FINISHED task, show its outputs (with --json: in the document's outputs)"),
  opt("--node", "NODE", "wait for one node of the task instead (its id, a unique id prefix, its name or a path "
    .. "of names), until it reaches --until", {complete = "node"}),
  opt("--until", "STATES", "the states that end the wait, comma-separated (default: FINISHED,FAILED,REVOKED,"
    .. "EXPIRED; with --node, e.g. RUNNING)"),
}

-- Options of the commands that wait on completion callbacks (README:
-- Completion callbacks).
M.CALLBACK = {
  opt("--callback-listen", "HOST:PORT", "with --wait: take bk-sops' completion callback on HOST:PORT, and poll "
    .. "once a minute otherwise (bk-sops must reach it)"),
  opt("--callback-url", "URL", "the URL bk-sops reaches --callback-listen at (default: http://HOST:PORT; "
    .. "needed for 0.0.0.0)"),
}

-- Exit codes: the one list --help, README and the man page show.
M.EXIT_CODES = {
  {0, "finished, or the request was accepted"},
  {1, "a task ended FAILED, REVOKED or EXPIRED"},
  {2, "usage error: a bad argument, option or configuration"},
  {3, "the wait's deadline (--timeout) passed"},
  {7, "the task stalled: no node changed for --stall seconds"},
  {4, "the API or the gateway refused the request"},
  {5, "transport, TLS or request timeout, or an answer that cannot be read"},
  {6, "the output could not be written (a full disk, a closed stdout); what the command did is done"},
  {130, "interrupted (Ctrl-C); the tasks go on in bk-sops"},
}

-- The environment the command reads: the one list the man page shows (a
-- spec checks it against the names the code reads).
M.ENVIRONMENT = {
  {"BK_SOPS_URL", "the gateway stage URL or ESB base URL (--url)"},
  {"BK_API_URL_TMPL", "a BlueKing app's gateway URL template: bk-sops' URL with {api_name} bk-sops and the stage"},
  {"BK_SOPS_STAGE", "the stage under BK_API_URL_TMPL (--stage)"},
  {"BK_SOPS_ROUTE", "apigw, esb or system (--route)"},
  {"BK_APP_CODE", "the app's code (--app-code; also BKPAAS_APP_ID)"},
  {"BK_APP_SECRET", "the app's secret (also BKPAAS_APP_SECRET); never taken from the command line"},
  {"BK_USERNAME", "the user to act as (--username)"},
  {"BK_TOKEN", "a user's login token, instead of BK_USERNAME"},
  {"BK_ACCESS_TOKEN", "a user's OAuth access token, instead of BK_USERNAME"},
  {"BK_BIZ_ID", "the business (or project) id (--biz)"},
  {"BK_APP_TENANT_ID", "the tenant of a multi-tenant BlueKing (--tenant-id); set but empty: system"},
  {"BKPAAS_APP_TENANT_ID", "the same, as BlueKing's PaaS sets it for an app, when BK_APP_TENANT_ID is not set"},
  {"BKSOPS_PROFILE", "the profile of the config file to use (--profile)"},
  {"BKSOPS_CONFIG", "the config file, instead of $XDG_CONFIG_HOME/bksops/config"},
  {"XDG_CONFIG_HOME", "where the config file is looked for (default ~/.config)"},
  {"BKSOPS_DEBUG", "1: an internal error shows its traceback"},
  {"NO_COLOR", "set: no colours (so does TERM=dumb, or output that is not a terminal)"},
}

local TASK = {"TASK", "the task's id", complete = "task"}
local NODE = {"NODE", "the node: its id, a unique id prefix (bksops status shows one), its name or a path of names "
  .. "(\"per region/sync\")", complete = "node"}
local TEMPLATE = {"TEMPLATE", "the template: its id or its exact name", complete = "template"}

local CONSTANTS = {
  opt("--name", "NAME", "the task's name (default: the template's name and the time)"),
  opt("--constants", "JSON", "the task's constants as a JSON object ({\"${ip}\": \"10.0.0.1\"})", {check = "json"}),
  opt("--constant", "K=V", "one constant, as text; KEY may leave out ${ } (given again for more)",
    {short = "-c", kind = "list"}),
}

-- (README: "Once per key")
local KEY = opt("--key", "KEY", "once per KEY: use the template's task whose name ends in [key:KEY], else "
  .. "create one so named")

local function join(...)
  local out = {}
  for i = 1, select("#", ...) do
    for _, o in ipairs((select(i, ...))) do out[#out + 1] = o end
  end
  return out
end

-- Where the examples below run as printed (spec/47-cli_examples_spec.lua
-- runs each one): their task ids, template and node names are those of the
-- simulator's demo (sops.sim.demo). The man page says so above them.
M.EXAMPLES_NOTE = "Each example runs as printed against the simulator's demo: start "
  .. "`bksops-sim --port 8080 --demo` and set BK_SOPS_URL=http://127.0.0.1:8080/prod BK_APP_CODE=sim-app "
  .. "BK_APP_SECRET=sim-secret BK_USERNAME=admin BK_BIZ_ID=2. Task 42 is its failed release, 48 a running one."

-- The commands, in the order `bksops --help` lists them. words: the
-- positional arguments ({NAME, about, many = "+" | "*" | "?", choices = {...},
-- complete = as an option's, or "api": the names of sops.api's calls});
-- connection = false for commands that do not talk to bk-sops; hidden =
-- true for those that --help, README, the man page and the completions leave
-- out.
M.LIST = {
  {name = "templates", about = "List the business's templates, by name.", calls = {"get_template_list"},
    options = join({opt("--keyword", "TEXT", "only templates whose name contains TEXT (any case)")}, LISTING, OUTPUT),
    examples = {"bksops templates --keyword deploy"}},
  {name = "run", about = "Create a task from a template and start it; with --wait, watch it to the end.",
    calls = {"create_task", "start_task"}, words = {TEMPLATE},
    options = join(CONSTANTS, {KEY, opt("--wait", nil, "wait until the task ends, showing its progress")},
      M.WAITING, M.CALLBACK, OUTPUT),
    examples = {"bksops run 'Release web app' -c version=1.4.3 --wait",
      "bksops run 9 --constants '{\"${hosts}\": \"10.0.0.21\"}'",
      "bksops run 'Release web app' -c version=1.4.3 --key release-1.4.3 --wait",
      "bksops run 'Release web app' --wait --callback-listen 127.0.0.1:8765 --callback-url http://127.0.0.1:8765/bksops"}},
  {name = "create", about = "Create a task from a template without starting it (bksops start starts it).",
    calls = {"create_task"}, words = {TEMPLATE}, options = join(CONSTANTS, {KEY}, OUTPUT),
    examples = {"bksops create 'Release web app' --name 'release 1.4.4' -c version=1.4.4"}},
  {name = "tasks", about = "List the business's tasks, newest first, with each one's state.",
    calls = {"get_task_list", "get_tasks_status"},
    options = join({
      opt("--state", "STATE", "only tasks in STATE, any case: created, running, failed, suspended (paused), "
        .. "node_suspended, finished, revoked, expired", {check = "state"}),
      opt("--template", "TEMPLATE", "only tasks of the template: its id or its name (any case)",
        {complete = "template"}),
      opt("--creator", "USER", "only the tasks USER created"),
      opt("--since", "WHEN", "only tasks created since WHEN: a duration ago (24h) or a date", {check = "instant"}),
      opt("--until", "WHEN", "only tasks created until WHEN: a duration ago or a date (a date alone: its end)",
        {check = "instant", is_end = true}),
      opt("--limit", "N", "at most N tasks (every page up to N)", {default = "50", check = "count"})},
      LISTING, OUTPUT),
    examples = {"bksops tasks --state failed --since 24h", "bksops tasks --state running --limit 20",
      "bksops tasks --template 'release web app' --creator alice --since 2024-05-01 --until 2099-12-31"}},
  {name = "show", about = "Show a task: its state, times, constants and outputs.",
    calls = {"get_task_detail", "get_task_status"}, words = {TASK}, options = OUTPUT,
    examples = {"bksops show 42"}},
  {name = "status", about = "Show a task's node tree with states, short ids, elapsed times and failures.",
    calls = {"get_task_status"}, words = {TASK},
    options = join({opt("--subprocess", "NODE", "only the tree under this subprocess node", {complete = "node"}),
      opt("--all", nil, "also unnamed events and gateways")}, OUTPUT),
    examples = {"bksops status 42", "bksops status 42 --json | jq '.children'"}},
  {name = "node", about = "Show one node: its inputs, outputs, error and the history of its attempts.",
    calls = {"get_task_node_detail"}, words = {TASK, NODE}, options = OUTPUT,
    examples = {"bksops node 42 deploy", "bksops node 41 'per region/sync'"}},
  {name = "why", about = "Show why a task failed: each failed node (inside subprocesses too) with its path, error, "
    .. "retries and the end of its log.",
    calls = {"get_task_status", "get_task_detail", "get_task_node_log", "get_node_job_executed_log"}, words = {TASK},
    options = join({opt("--lines", "N", "the last N lines of each node's log", {default = "20", check = "count"})},
      OUTPUT),
    examples = {"bksops why 42", "bksops why 42 --lines 50"}},
  {name = "logs", about = "Print a node's whole log (a JOB node's: JOB's log of it); --follow prints what is new "
    .. "until the node leaves RUNNING.",
    calls = {"get_task_status", "get_task_detail", "get_task_node_log", "get_node_job_executed_log"},
    words = {TASK, NODE},
    options = join({opt("--follow", nil, "poll the log, printing only what is new, until the node is no longer RUNNING"),
      opt("--interval", "S", "with --follow, seconds between polls", {default = "2", check = "positive"})}, OUTPUT),
    examples = {"bksops logs 42 deploy", "bksops logs 48 deploy --follow"}},
  {name = "wait", about = "Wait until tasks finish, fail, are revoked or expire, showing their progress.",
    calls = {"get_task_status", "get_tasks_status"}, words = {{"TASK", "the tasks' ids", many = "+", complete = "task"}},
    options = join(M.WAITING, OUTPUT),
    examples = {"bksops wait 48", "bksops wait 41 42 48 --timeout 1h"}},
  {name = "start", about = "Start a created task; with --wait, watch it to the end.", calls = {"start_task"},
    words = {TASK}, options = join({opt("--wait", nil, "wait until the task ends, showing its progress")},
      M.WAITING, OUTPUT),
    examples = {"bksops start 46 --wait"}},
  {name = "rerun", about = "Run a task again: a new task of the same template, constants and nodes; with --wait, "
    .. "watch it to the end.",
    calls = {"get_task_detail", "get_task_list", "get_template_info", "create_task", "start_task"}, words = {TASK},
    options = join(CONSTANTS, {opt("--wait", nil, "wait until the new task ends, showing its progress")},
      M.WAITING, OUTPUT),
    examples = {"bksops rerun 42", "bksops rerun 42 -c version=1.4.3 --wait"}},
  {name = "pause", about = "Pause a running task.", calls = {"pause_task"}, words = {TASK}, options = OUTPUT,
    examples = {"bksops pause 43"}},
  {name = "resume", about = "Resume a paused task.", calls = {"resume_task"}, words = {TASK}, options = OUTPUT,
    examples = {"bksops resume 47"}},
  {name = "revoke", about = "Revoke (cancel) a task; it cannot be resumed.", calls = {"revoke_task"},
    words = {TASK}, options = OUTPUT, examples = {"bksops revoke 43"}},
  {name = "retry", about = "Retry a failed node, optionally with new inputs, or every failed node (--failed).",
    calls = {"retry_node"}, words = {TASK, {NODE[1], NODE[2], many = "?", complete = "node"}},
    options = join({opt("--failed", nil, "retry every failed node of the task"),
      opt("--inputs", "JSON", "the node's new inputs as a JSON object (one node only)", {check = "json"})}, OUTPUT),
    examples = {"bksops retry 42 deploy --inputs '{\"version\": \"1.4.3\"}'", "bksops retry 42 --failed"}},
  {name = "skip", about = "Skip a failed node.", calls = {"skip_node"}, words = {TASK, NODE}, options = OUTPUT,
    examples = {"bksops skip 45 broken"}},
  {name = "skip-exg", about = "Make a failed exclusive gateway take the given flow.", calls = {"skip_exg"},
    words = {TASK, {"GATEWAY", NODE[2], complete = "node"}, {"FLOW", "the id of the flow to take"}}, options = OUTPUT,
    examples = {"bksops skip-exg 44 nca12254 l186f1b2b196f1cbe1a6f1e511b6f1fe"}},
  {name = "callback", about = "Send callback data to a node that waits for it.", calls = {"callback_node"},
    words = {TASK, NODE},
    options = join({opt("--data", "JSON", "the callback's data as a JSON object", {check = "json"})}, OUTPUT),
    examples = {"bksops callback 43 approve --data '{\"approved\": true}'"}},
  {name = "api", about = "Call any bk-sops api by name; prints its data as JSON ('bksops api --help' lists them).",
    words = {{"NAME", "the api or shortcut, as sops.api names it", complete = "api"}},
    more = function() return require("sops.cli.read").api_list() end,
    options = join({opt("--param", "F=V", "a field of the call: text, a number, true/false, or JSON for "
      .. "lists and objects (given again for more); node_id also takes a node's name, path or id prefix, as the "
      .. "node commands do", {short = "-p", kind = "list"})}, OUTPUT),
    examples = {"bksops api get_task_list -p limit=10 -p is_finished=false",
      "bksops api get_task_node_data -p task_id=42 -p node_id=deploy"}},
  {name = "doctor", about = "Check the connection step by step: configuration, URL, tenant, reachability, clock "
    .. "skew, the api, credentials, user, business, restricted apis; each check on a line, with the fix when it fails.",
    calls = {"get_user_project_list", "plugin_gateway_get_categories"}, options = OUTPUT,
    examples = {"bksops doctor", "bksops doctor --profile staging --json"}},
  {name = "config", about = "List the config file's profiles, show the settings in effect and where each comes "
    .. "from (secrets masked), or make a profile the default.",
    words = {{"ACTION", "list, show or use", choices = {"list", "show", "use"}},
      {"PROFILE", "the profile to show (default: the one in effect) or to use", many = "?", complete = "profile"}},
    options = OUTPUT,
    examples = {"bksops config list", "bksops config show staging", "bksops config use staging"}},
  {name = "completion", about = "Print the shell's completion script: bash, zsh or fish (source it, or install "
    .. "share/ of the rock). Template names, task ids and node names come from bk-sops, in 2 s at most.",
    words = {{"SHELL", "the shell", choices = {"bash", "zsh", "fish"}}}, connection = false,
    examples = {"source <(bksops completion bash)", "bksops completion fish > ~/.config/fish/completions/bksops.fish"}},
  -- what the completion scripts ask for the words they complete: one
  -- candidate a line, as sops.cli.candidates prints them
  {name = "__complete", hidden = true, about = "Print the candidates of a word, one a line (a value, a tab, a "
    .. "description): the business's template names, its recent task ids, a task's nodes, the config file's "
    .. "profiles; nothing when they cannot be had quickly.",
    words = {{"KIND", "what to list", choices = {"template", "task", "node", "profile"}},
      {"WORD", "node: the task's id first; then the start of the word being completed", many = "*"}},
    examples = {"bksops __complete template Release", "bksops __complete node 42"}},
}

M.BY_NAME = {}
for _, c in ipairs(M.LIST) do
  c.words = c.words or {}
  c.options = c.options or {}
  if c.connection ~= false then c.options = join(c.options, M.CONNECTION) end
  M.BY_NAME[c.name] = c
end

M.SUMMARY = "Run, watch and repair BlueKing Standard OPS (bk-sops) tasks."

M.CONFIG_HELP = [[
Configuration: each connection option comes from its flag, else the profile --profile (or
BKSOPS_PROFILE) names, else the environment, else the [default] profile. Profiles live in
$XDG_CONFIG_HOME/bksops/config (~/.config/bksops/config; BKSOPS_CONFIG names another file);
scripts read the same with sops.new{profile = NAME}:

  [default]
  url = https://bkapi.example.com/api/bk-sops/prod
  app_code = my-app
  app_secret_file = /home/me/.config/bksops/secret
  username = admin
  biz = 2

  [staging]
  url = https://bkapi.example.com/api/bk-sops/stag

Secrets stay out of it: the app secret comes from BK_APP_SECRET or from app_secret_file, a
file that only its owner may read (chmod 600); the user's token from BK_TOKEN or
BK_ACCESS_TOKEN.]]

return M
