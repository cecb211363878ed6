-- The `sops` command. main(argv, io) returns the exit code:
--   0 finished (or the request was accepted), 1 ended FAILED/REVOKED/EXPIRED,
--   2 usage error, 3 wait deadline passed, 4 the API or gateway refused,
--   5 transport, TLS, request timeout or an unreadable answer.
local sops = require "sops"
local core = require "sops.core"
local check = require "sops.check"
local version = require "sops.version"
local argparse = require "sops.cli.args"
local api = require "sops.api"
local render = require "sops.cli.render"
local live = require "sops.cli.live"
local nodes = require "sops.cli.nodes"

local unpack = require("sops.compat").unpack

local M = {}

local EXIT = {OK = 0, ENDED_BADLY = 1, USAGE = 2, DEADLINE = 3, REFUSED = 4, TRANSPORT = 5}
M.EXIT = EXIT

local COMMON_HELP = [[
Connection (flags, else the environment):
  --url URL              BK_SOPS_URL: gateway stage URL or ESB base URL; else
                         BK_API_URL_TMPL (a BlueKing app's gateway template,
                         http://bkapi.example.com/api/{api_name}) with api_name
                         bk-sops and the stage
  --stage STAGE          BK_SOPS_STAGE: the gateway stage (default prod)
  --route apigw|esb      BK_SOPS_ROUTE (default: esb for /compapi/ URLs)
  --app-code CODE        BK_APP_CODE or BKPAAS_APP_ID
  --app-secret-file F    read the secret from F; else BK_APP_SECRET or
                         BKPAAS_APP_SECRET (never from the command line)
  --username NAME        BK_USERNAME; or BK_TOKEN / BK_ACCESS_TOKEN
  --biz ID               BK_BIZ_ID: the business (or project) id
  --scope SCOPE          cmdb_biz (default) or project
  --request-timeout S    seconds for each HTTP request (default 30)
  --json                 print the exact data as JSON, for scripts
  --version              print the version and exit
  -h, --help             show help

Exit codes: 0 finished or accepted, 1 ended FAILED/REVOKED/EXPIRED,
2 usage error, 3 wait deadline passed, 4 the API or gateway refused,
5 transport, TLS or request timeout.]]

local COMMANDS = {
  status = {usage = "sops status TASK_ID [--subprocess NODE_ID] [--all] [--json]",
    about = "Show a task's node tree with states, elapsed times and failures.", words = 1},
  start = {usage = "sops start TASK_ID [--wait [--timeout S] [--interval S]]",
    about = "Start a task; with --wait, wait until it ends.", words = 1},
  pause = {usage = "sops pause TASK_ID", about = "Pause a running task.", words = 1},
  resume = {usage = "sops resume TASK_ID", about = "Resume a paused task.", words = 1},
  revoke = {usage = "sops revoke TASK_ID", about = "Revoke (cancel) a task.", words = 1},
  retry = {usage = "sops retry TASK_ID NODE_ID [--inputs JSON]",
    about = "Retry a failed node, optionally with new inputs.", words = 2},
  skip = {usage = "sops skip TASK_ID NODE_ID", about = "Skip a failed node.", words = 2},
  ["skip-exg"] = {usage = "sops skip-exg TASK_ID GATEWAY_ID FLOW_ID",
    about = "Make a failed exclusive gateway take the given flow.", words = 3},
  callback = {usage = "sops callback TASK_ID NODE_ID [--data JSON]",
    about = "Send callback data to a node that waits for it.", words = 2},
  wait = {usage = "sops wait TASK_ID [TASK_ID...] [--timeout S] [--interval S] [--json]",
    about = "Wait until tasks finish, fail, are revoked or expire, showing progress.", words = -1},
  tasks = {usage = "sops tasks [--state created|running|finished] [--creator USER] [--limit N] [--json]",
    about = "List the business's tasks, newest first (all pages, up to --limit, default 50).", words = 0,
    no_ids = true, example = "sops tasks --state running --limit 20"},
  templates = {usage = "sops templates [--keyword TEXT] [--json]",
    about = "List the business's templates whose name contains TEXT (any case).", words = 0,
    no_ids = true, example = "sops templates --keyword deploy"},
  api = {usage = "sops api NAME [-p FIELD=VALUE ...]",
    about = "Call any bk-sops api by name (sops api --help lists them); prints its data as JSON.", words = 1,
    no_ids = true,
    example = "sops api get_task_list -p limit=10 -p is_finished=false"},
}
local ORDER = {"status", "start", "pause", "resume", "revoke", "retry", "skip", "skip-exg", "callback", "wait",
  "tasks", "templates", "api"}

local FLAGS = {
  url = "value", route = "value", ["app-code"] = "value", ["app-secret-file"] = "value", ["app-secret"] = "value",
  username = "value", biz = "value", scope = "value", ["request-timeout"] = "value", timeout = "value",
  interval = "value", json = "flag", help = "flag", wait = "flag", inputs = "value", data = "value",
  subprocess = "value", all = "flag", version = "flag", stage = "value", param = "list",
  state = "value", creator = "value", limit = "value", keyword = "value",
}

local function usage_text()
  local lines = {"Usage: sops COMMAND [ARGS] [OPTIONS]", "", "Commands:"}
  for _, name in ipairs(ORDER) do
    lines[#lines + 1] = string.format("  %-9s %s", name, COMMANDS[name].about)
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Run 'sops COMMAND --help' for a command's arguments."
  lines[#lines + 1] = ""
  lines[#lines + 1] = COMMON_HELP
  return table.concat(lines, "\n")
end

local Ctx = {}
Ctx.__index = Ctx

-- Human text: on stdout, except with --json, where stdout holds the one
-- JSON document and nothing else.
function Ctx:say(...)
  local out = self.flags and self.flags.json and self.err or self.out
  out:write(...)
  out:write("\n")
end

function Ctx:warn(...)
  self.err:write(...)
  self.err:write("\n")
end

function Ctx:usage(message)
  self:warn("sops: ", message)
  self:warn("Try 'sops ", self.command or "", self.command and " " or "", "--help'.")
  return EXIT.USAGE
end

-- The exit code for a run-time error.
local function code_for(err)
  if err.kind == "api" or err.kind == "gateway" then return EXIT.REFUSED end
  if err.kind == "http" then
    return (err.http_status or 0) >= 500 and EXIT.TRANSPORT or EXIT.REFUSED
  end
  if err.api == "wait" or err.api == "wait_all" then
    if err.kind == "timeout" then return EXIT.DEADLINE end
    if err.kind == "cancelled" then return EXIT.ENDED_BADLY end
  end
  return EXIT.TRANSPORT
end

function Ctx:fail(err)
  self:warn(tostring(err))
  return code_for(err)
end

local function read_file(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local s = f:read("*a")
  f:close()
  return s
end

-- Builds the client options from flags and environment, or returns nil, message.
function Ctx:client_options()
  local f, env = self.flags, self.getenv
  local function pick(flag, ...)
    if f[flag] then return f[flag] end
    for _, name in ipairs({...}) do
      local v = env(name)
      if v and v ~= "" then return v end
    end
  end
  local o = {
    url = pick("url", "BK_SOPS_URL"), route = pick("route", "BK_SOPS_ROUTE"),
    app_code = pick("app-code", "BK_APP_CODE", "BKPAAS_APP_ID"),
  }
  local tmpl = not o.url and pick(nil, "BK_API_URL_TMPL")
  if tmpl then
    -- a BlueKing app's gateway URL template: bk-sops' gateway, then the stage
    if not tmpl:find("{api_name}", 1, true) then return nil, "BK_API_URL_TMPL has no {api_name}" end
    local stage = pick("stage", "BK_SOPS_STAGE") or "prod"
    if not stage:find("^[%w_-]+$") then return nil, "--stage: letters, digits, _ and - expected" end
    o.url = tmpl:gsub("{api_name}", "bk-sops"):gsub("/+$", "") .. "/" .. stage
  end
  if not o.url then return nil, "no URL: give --url or set BK_SOPS_URL (or BK_API_URL_TMPL)" end
  if not o.app_code then return nil, "no app code: give --app-code or set BK_APP_CODE" end
  if f["app-secret-file"] then
    local s, err = read_file(f["app-secret-file"])
    if not s then return nil, "cannot read --app-secret-file: " .. tostring(err) end
    o.app_secret = s:gsub("%s+$", "")
  else
    o.app_secret = pick(nil, "BK_APP_SECRET", "BKPAAS_APP_SECRET")
  end
  if not o.app_secret then return nil, "no app secret: set BK_APP_SECRET or give --app-secret-file" end
  local user = pick("username", "BK_USERNAME")
  local token, access = env("BK_TOKEN"), env("BK_ACCESS_TOKEN")
  if user then
    o.username = user
  elseif token and token ~= "" then
    o.bk_token = token
  elseif access and access ~= "" then
    o.access_token = access
  else
    return nil, "no user: give --username or set BK_USERNAME, BK_TOKEN or BK_ACCESS_TOKEN"
  end
  local biz = pick("biz", "BK_BIZ_ID")
  if biz then
    local why
    o.bk_biz_id, why = check.id(biz)
    if not o.bk_biz_id then return nil, "--biz: " .. why end
  else
    return nil, "no business: give --biz or set BK_BIZ_ID"
  end
  o.scope = f.scope
  if f["request-timeout"] then
    o.timeout = tonumber(f["request-timeout"])
    if not o.timeout or o.timeout <= 0 then return nil, "--request-timeout must be a positive number" end
  end
  return o
end

local function decode_json_flag(ctx, name)
  local text = ctx.flags[name]
  if not text then return {} end
  local v, err = sops.decode(text)
  if type(v) ~= "table" then return nil, "--" .. name .. " must be a JSON object: " .. tostring(err or "not an object") end
  return v
end

-- Prints value as JSON; false when it cannot be written as JSON (a number
-- the server sent that overflowed to infinity, say), after saying why.
function Ctx:print_json(value)
  local ok, text = pcall(sops.encode, value)
  if not ok then
    self:warn("sops: the answer cannot be printed as JSON: ", (tostring(text):gsub("^.-bad argument", "bad argument")))
    return false
  end
  self.out:write(text, "\n")
  return true
end

-- the commands ----------------------------------------------------------

local run = {}

function run.status(ctx, c, words)
  local status, err = c:get_task_status{task_id = words[1], with_ex_data = true, subprocess_id = ctx.flags.subprocess}
  if not status then return ctx:fail(err) end
  if ctx.flags.json then
    if not ctx:print_json(status) then return EXIT.TRANSPORT end
  else
    local short = nodes.short_ids(status)
    for _, line in ipairs(render.tree_lines(status, {all = ctx.flags.all, paint = ctx.paint, short = short})) do
      ctx:say(line)
    end
  end
  return EXIT.OK
end

local function polling(ctx)
  local o = {}
  for _, k in ipairs({"timeout", "interval"}) do
    if ctx.flags[k] then
      o[k] = tonumber(ctx.flags[k])
      if not o[k] or o[k] <= 0 then return nil, "--" .. k .. " must be a positive number" end
    end
  end
  return o
end

local function ended_code(state)
  if state == "FINISHED" then return EXIT.OK end
  return EXIT.ENDED_BADLY
end

-- Waits for one task with the live view (terminal) or event lines.
local function wait_one(ctx, c, task_id, o)
  ctx.waiting = {task_id}
  local view
  if ctx.tty and not ctx.flags.json then
    local detail = c:get_task_detail{task_id = task_id}
    view = live.new(ctx.out, ctx.paint, detail and live.count_activities(detail.pipeline_tree) or nil)
  end
  local failures = 0
  local status, err = c:wait{
    task_id = task_id, timeout = o.timeout, interval = o.interval,
    on_change = (not view and not ctx.flags.json) and function(ev)
      ctx:say(render.event_line(ev, ctx.paint))
    end or nil,
    on_poll = function(st, info)
      if not st then
        -- a failure the wait tries again: said at once, not at the deadline
        local text = render.retrying(info.error, failures, ctx.paint)
        failures = failures + 1
        if view then view:note(text) else ctx:warn(os.date("%H:%M:%S ") .. "task " .. task_id .. " " .. text) end
        return
      end
      failures = 0
      if view then view:draw(view:lines(task_id, st)) end
    end,
  }
  if not status then
    if err.status and ctx.flags.json then ctx:print_json(err.status) end
    return ctx:fail(err)
  end
  if ctx.flags.json then
    if not ctx:print_json(status) then return EXIT.TRANSPORT end
  elseif status.state ~= "FINISHED" then
    for _, f in ipairs(sops.failed_nodes(status)) do
      local ex = type(status.ex_data) == "table" and status.ex_data[f.id] or ""
      ctx:say(string.format("failed node %s (%s): %s", f.node.name, f.id, render.one_line(ex)))
    end
  end
  ctx:say(string.format("task %d ended %s", task_id, status.state))
  return ended_code(status.state)
end

local function wait_many(ctx, c, ids, o)
  ctx.waiting = ids
  local view = ctx.tty and not ctx.flags.json and live.new(ctx.out, ctx.paint) or nil
  local results = c:wait_all{
    task_ids = ids, timeout = o.timeout, interval = o.interval,
    on_change = (not view and not ctx.flags.json) and function(ev)
      ctx:say(render.event_line(ev, ctx.paint))
    end or nil,
    on_poll = view and function(last) view:draw(view:many_lines(last, ids)) end or nil,
  }
  local worst, json = EXIT.OK, {}
  for _, id in ipairs(ids) do
    local r = results[id]
    local code
    if sops.is_error(r) then
      code = code_for(r)
      ctx:warn(string.format("task %d: %s", id, tostring(r)))
    else
      code = ended_code(r.state)
      if not ctx.flags.json then ctx:say(string.format("task %d ended %s", id, r.state)) end
      json[tostring(id)] = r
    end
    -- report the most serious outcome: usage < ended badly < deadline < refused < transport
    if code > worst then worst = code end
  end
  if ctx.flags.json and not ctx:print_json(json) then return EXIT.TRANSPORT end
  return worst
end

-- A command-line value as the field's kind takes it: ids and strings as
-- given (ids are checked by the call), numbers and booleans by their text,
-- lists and objects as JSON. nil, why when it cannot be one.
local function field_value(kind, text)
  if kind == "integer" or kind == "count" then
    local n = tonumber(text)
    if not n or n ~= math.floor(n) then return nil, "an integer expected" end
    return n
  elseif kind == "boolean" then
    if text == "true" then return true elseif text == "false" then return false end
    return nil, "true or false expected"
  elseif kind == "list" or kind == "ids" or kind == "object" or kind == "any" then
    local ok, v = pcall(sops.decode, text)
    if not ok or (kind ~= "any" and type(v) ~= "table") then return nil, "JSON expected" end
    return v
  end
  return text
end

-- sops api NAME -p FIELD=VALUE...: any call of sops.api, its data as JSON
function run.api(ctx, c, words)
  local name = words[1]
  local call = api.CALLS[name]
  if not call then return ctx:usage("unknown api '" .. name .. "' ('sops api --help' lists them)") end
  local params = {}
  for _, p in ipairs(ctx.flags.param or {}) do
    local k, v = p:match("^([%w_]+)=(.*)$")
    if not k then return ctx:usage("-p takes FIELD=VALUE, got '" .. p .. "'") end
    local f = call.fields[k]
    if not f then return ctx:usage(name .. " has no field '" .. k .. "'") end
    local value, why = field_value(f[1], v)
    if value == nil then return ctx:usage(k .. ": " .. why) end
    params[k] = value
  end
  local ok, value, response = pcall(c[name], c, params)
  if not ok then return ctx:usage((tostring(value):gsub("^.-: bad argument", "bad argument"))) end
  if value == nil then return ctx:fail(response) end
  if not ctx:print_json(value) then return EXIT.TRANSPORT end
  return EXIT.OK
end

-- the task list's filters for --state
local STATES = {
  created = {is_started = false}, running = {is_started = true, is_finished = false}, finished = {is_finished = true},
}

-- sops tasks: every page of get_task_list, up to --limit items
function run.tasks(ctx, c)
  local f = ctx.flags
  local args = {limit = 100}
  if f.state then
    local filter = STATES[f.state]
    if not filter then return ctx:usage("--state: created, running or finished expected") end
    for k, v in pairs(filter) do args[k] = v end
  end
  local limit = f.limit and tonumber(f.limit) or 50
  if not limit or limit < 1 or limit ~= math.floor(limit) then return ctx:usage("--limit: a positive integer expected") end
  -- (bk-sops filters no creator: the listing is filtered here)
  if not f.creator then args.max_items = limit end
  local list = {}
  local items, pager = c:pages("get_task_list", args)
  for t in items do
    if not f.creator or t.creator == f.creator then list[#list + 1] = t end
    if #list >= limit then break end
  end
  if pager.err then return ctx:fail(pager.err) end
  if f.json then return ctx:print_json(setmetatable(list, core.array_mt)) and EXIT.OK or EXIT.TRANSPORT end
  for _, t in ipairs(list) do
    local state = t.is_finished and "finished" or t.is_started and "running" or "created"
    ctx:say(string.format("%-8d %-9s %-12s %s", t.id, ctx.paint(state == "finished" and "FINISHED" or state ==
      "running" and "RUNNING" or "CREATED", state), tostring(t.creator), tostring(t.name)))
  end
  return EXIT.OK
end

-- sops templates: get_template_list, by name
function run.templates(ctx, c)
  local list, err = c:get_template_list{name_keyword = ctx.flags.keyword}
  if not list then return ctx:fail(err) end
  if ctx.flags.json then return ctx:print_json(list) and EXIT.OK or EXIT.TRANSPORT end
  for _, t in ipairs(list) do
    ctx:say(string.format("%-8d %-12s %s", t.id, tostring(t.category), tostring(t.name)))
  end
  return EXIT.OK
end

-- the calls, by group, for 'sops api --help'
local function api_list()
  local lines = {"Calls (from lua/sops/api.lua; fields before ';' are required):"}
  for _, group in ipairs(api.GROUPS) do
    lines[#lines + 1] = "  " .. group .. ":"
    local names = {}
    for n, call in pairs(api.CALLS) do
      if api.BY_NAME[call.api].group == group then names[#names + 1] = n end
    end
    table.sort(names)
    for _, n in ipairs(names) do
      local req, opt = {}, {}
      for f, kind in pairs(api.CALLS[n].fields) do
        if f ~= "traceparent" and f ~= "scope" and f ~= "bk_biz_id" then
          table.insert(kind[2] and req or opt, f)
        end
      end
      table.sort(req)
      table.sort(opt)
      lines[#lines + 1] = string.format("    %-38s %s%s", n, table.concat(req, " "),
        #opt > 0 and ("; " .. table.concat(opt, " ")) or "")
    end
  end
  return table.concat(lines, "\n")
end
COMMANDS.api.more = api_list

function run.wait(ctx, c, words)
  local o, err = polling(ctx)
  if not o then return ctx:usage(err) end
  if #words == 1 then return wait_one(ctx, c, words[1], o) end
  return wait_many(ctx, c, words, o)
end

function run.start(ctx, c, words)
  local o, perr = polling(ctx)
  if not o then return ctx:usage(perr) end
  local ok, err = c:start_task{task_id = words[1]}
  if not ok then return ctx:fail(err) end
  if not ctx.flags.wait then
    if ctx.flags.json then ctx:print_json(ok) else ctx:say(string.format("task %d: start queued", words[1])) end
    return EXIT.OK
  end
  return wait_one(ctx, c, words[1], o)
end

-- An action: a client method, the arguments made from the words (and
-- flags), and what to say once the server accepted it.
local function action(method, build, done)
  return function(ctx, c, words)
    local args, perr = build(ctx, words)
    if not args then return ctx:usage(perr) end
    if args.node_id then
      -- the node as a person names it: id, unique id prefix, name or path
      local status, err = c:get_task_status{task_id = words[1]}
      if not status then return ctx:fail(err) end
      local id, why = nodes.resolve(status, args.node_id)
      if not id then return ctx:usage(why) end
      args.node_id, words[2] = id, id
    end
    local ok, err = c[method](c, args)
    if not ok then return ctx:fail(err) end
    ctx:say(string.format(done, unpack(words)))
    return EXIT.OK
  end
end

local function task_args(_, w) return {task_id = w[1]} end
local function node_args(_, w) return {task_id = w[1], node_id = w[2]} end
local function gateway_args(_, w) return {task_id = w[1], node_id = w[2], flow_id = w[3]} end
-- node arguments plus a JSON object from --flag
local function node_args_with(flag)
  return function(ctx, w)
    local v, err = decode_json_flag(ctx, flag)
    if not v then return nil, err end
    local args = node_args(ctx, w)
    args[flag] = v
    return args
  end
end

run.pause = action("pause_task", task_args, "task %d: paused")
run.resume = action("resume_task", task_args, "task %d: resumed")
run.revoke = action("revoke_task", task_args, "task %d: revoked")
run.retry = action("retry_node", node_args_with("inputs"), "task %d: node %s retried")
run.skip = action("skip_node", node_args, "task %d: node %s skipped")
run["skip-exg"] = action("skip_exg", gateway_args, "task %d: gateway %s takes flow %s")
run.callback = action("callback_node", node_args_with("data"), "task %d: callback sent to node %s")

-- main ------------------------------------------------------------------

-- io: {out, err, getenv, isatty} (defaults: the process's own)
local function main(argv, io_, ctx)
  io_ = io_ or {}
  ctx.out, ctx.err, ctx.getenv = io_.out or io.stdout, io_.err or io.stderr, io_.getenv or os.getenv
  local tty = io_.isatty
  if tty == nil then tty = core.isatty(1) end
  ctx.tty = tty
  ctx.paint = render.painter(render.want_color(tty, ctx.getenv))

  local parsed, perr = argparse.parse(argv, FLAGS)
  if not parsed then return ctx:usage(perr) end
  ctx.flags = parsed.flags
  if ctx.flags.version then
    ctx:say(string.format("sops %s (lua-sops, %s, libcurl %s)", sops.VERSION, version.runtime,
      core.curl_version:match("^libcurl/(%S+)") or core.curl_version))
    return EXIT.OK
  end
  local command = table.remove(parsed.words, 1)
  if not command then
    if ctx.flags.help then
      ctx:say(usage_text())
      return EXIT.OK
    end
    ctx:warn(usage_text())
    return EXIT.USAGE
  end
  local spec = COMMANDS[command]
  if not spec then return ctx:usage("unknown command '" .. command .. "'") end
  ctx.command = command
  if ctx.flags.help then
    ctx:say("Usage: " .. spec.usage)
    ctx:say("")
    ctx:say(spec.about)
    if spec.example then ctx:say("Example: " .. spec.example) end
    if spec.more then
      ctx:say("")
      ctx:say(spec.more())
    end
    ctx:say("")
    ctx:say(COMMON_HELP)
    return EXIT.OK
  end
  if ctx.flags["app-secret"] then
    return ctx:usage("the app secret is not taken from the command line, where ps shows it; "
      .. "set BK_APP_SECRET or use --app-secret-file")
  end
  local words = parsed.words
  if spec.words >= 0 and #words ~= spec.words then
    return ctx:usage("expected: " .. spec.usage)
  elseif spec.words < 0 and #words == 0 then
    return ctx:usage("expected: " .. spec.usage)
  end
  for i = 1, spec.no_ids and 0 or command == "wait" and #words or 1 do
    local id, why = check.id(words[i])
    if not id then return ctx:usage("TASK_ID: " .. why) end
    words[i] = id
  end
  local opts, oerr = ctx:client_options()
  if not opts then return ctx:usage(oerr) end
  local ok, c = pcall(sops.new, opts)
  if not ok then return ctx:usage((tostring(c):gsub("^.-: bad argument", "bad argument"))) end
  local code = run[command](ctx, c, words)
  c:close()
  return code
end

-- Ctrl-C (SIGINT) ends the command with this status, as shells expect
local INTERRUPTED = 130

-- After Ctrl-C: the terminal as it was (colours reset, a fresh line) and
-- one line on what goes on without us.
local function interrupted(ctx)
  local out, err = ctx.out or io.stdout, ctx.err or io.stderr
  if ctx.tty then out:write("\27[0m\27[?25h\n") end
  local ids = ctx.waiting
  local text = "sops: interrupted"
  if ids and #ids > 0 then
    local list = {}
    for i, id in ipairs(ids) do list[i] = tostring(id) end
    text = string.format("%s; stopped waiting: task%s %s go%s on in bk-sops (sops status %s)", text,
      #ids > 1 and "s" or "", table.concat(list, ", "), #ids > 1 and "" or "es", list[1])
  end
  err:write(text, "\n")
  return INTERRUPTED
end

-- main(argv, io) -> exit code. Whatever goes wrong inside (an answer of a
-- shape nothing expected, a bug) ends in a message and exit code 5, not a
-- traceback and the code of a FAILED task; SOPS_DEBUG=1 shows the traceback.
-- Ctrl-C ends it promptly (the sleep wakes on the signal) with status 130.
function M.main(argv, io_)
  local ctx = setmetatable({}, Ctx)
  local err_out = io_ and io_.err or io.stderr
  local getenv = io_ and io_.getenv or os.getenv
  local ok, code = xpcall(function() return main(argv, io_, ctx) end, function(e)
    if tostring(e):find("interrupted!", 1, true) then return INTERRUPTED end
    if getenv("SOPS_DEBUG") == "1" then return debug.traceback(tostring(e), 2) end
    return tostring(e)
  end)
  if ok then return code end
  if code == INTERRUPTED then return interrupted(ctx) end
  err_out:write("sops: internal error: ", code, "\n")
  return EXIT.TRANSPORT
end

return M
