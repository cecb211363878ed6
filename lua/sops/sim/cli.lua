-- Command line of bksops-sim.
local sim = require "sops.sim"
local clock = require "sops.sim.clock"
local version = require "sops.version"

local M = {}

local USAGE = [[
Usage: bksops-sim [options]

A local BlueKing Standard OPS (bk-sops) server speaking the real protocol,
through the API gateway route (/prod/<api>/...) and the legacy ESB route
(/api/c/compapi/v2/sops/<api>/), plus a control API under /_sim/.

Options:
  --host HOST          address to listen on (default 127.0.0.1)
  --port PORT          port; 0 picks a free one (default 0)
  --speed N            simulated seconds per real second, at most 1000000
                       (default 1)
  --app-code CODE      the app code it accepts (default sim-app)
  --app-secret SECRET  the app secret it accepts (default sim-secret)
  --app-secret-file F  read the app secret from a file instead
  --stage NAME         gateway stage (default prod)
  --templates FILE     Lua file returning the templates to serve
  --demo               start with the demo: template 9 (Release web app) and
                       tasks 41-48 of the last hour, in the states the
                       examples of bksops' documentation use (42: failed)
  --token TOKEN=USER   accept bk_token/access_token TOKEN as USER (repeatable;
                       default sim-bk-token and sim-access-token as admin)
  --verify-username    refuse a bare bk_username (app not exempted)
  --cache              cache status answers like the real server (10 s)
  --edition EDITION    single (default: the gateway and the ESB, one tenant)
                       or multi-tenant (X-Bk-Tenant-Id on every gateway
                       request, the app-state twins under /system/, no ESB)
  --without RESOURCE   serve as a bk-sops that lacks the resource (e.g.
                       get_node_execution_record, which only master has):
                       answered as an unknown one (repeatable)
  --log-limit N        keep the last N requests in /_sim/requests (default
                       10000; the answer says how many were dropped)
  --max-connections N  open connections at most: the longest idle one makes
                       room for a new one, else 503 (default: what the
                       descriptor limit allows; 1000 without the C helper)
  --idle-timeout S     close a connection that sent nothing for S seconds
                       (default 60)
  --quiet              do not report internal errors on stderr
  --version            print the version and exit
  -h, --help           show this help

The first line on stdout is "listening on http://HOST:PORT".
SIGTERM or SIGINT stops it (exit status 0).]]

function M.parse(argv)
  local opts = {}
  local i = 1
  local function value(name)
    i = i + 1
    local v = argv[i]
    if v == nil then error(name .. " needs a value", 0) end
    return v
  end
  local function number(name)
    local v = tonumber(value(name))
    if not v then error(name .. " needs a number", 0) end
    return v
  end
  while i <= #argv do
    local a = argv[i]
    local name, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    if name then
      table.insert(argv, i + 1, inline)
      a = name
    end
    if a == "-h" or a == "--help" then
      opts.help = true
    elseif a == "--version" then
      opts.version = true
    elseif a == "--host" then opts.host = value(a)
    elseif a == "--port" then
      opts.port = math.tointeger(number(a))
      if not opts.port or opts.port < 0 or opts.port > 65535 then error("--port must be 0..65535", 0) end
    elseif a == "--speed" then
      opts.speed = number(a)
      if not (opts.speed >= 0 and opts.speed <= clock.MAX_SPEED) then
        error(string.format("--speed must be a number from 0 to %d", clock.MAX_SPEED), 0)
      end
    elseif a == "--app-code" then opts.app_code = value(a)
    elseif a == "--app-secret" then opts.app_secret = value(a)
    elseif a == "--app-secret-file" then
      local path = value(a)
      local f, err = io.open(path)
      if not f then error("cannot read " .. path .. ": " .. err, 0) end
      opts.app_secret = f:read("a"):gsub("%s+$", "")
      f:close()
    elseif a == "--stage" then opts.stage = value(a)
    elseif a == "--templates" then opts.templates = value(a)
    elseif a == "--token" then
      local tok, user = value(a):match("^([^=]+)=(.+)$")
      if not tok then error("--token needs TOKEN=USER", 0) end
      opts.tokens = opts.tokens or {}
      opts.tokens[tok] = user
    elseif a == "--verify-username" then opts.username_exempt = false
    elseif a == "--cache" then opts.cache = true
    elseif a == "--demo" then opts.demo = true
    elseif a == "--edition" then
      opts.edition = value(a)
      if not sim.EDITIONS[opts.edition] then error("--edition must be single or multi-tenant", 0) end
    elseif a == "--without" then
      local resource = value(a)
      if not sim.route_set({resource}) then error("--without: bk-sops has no resource " .. resource, 0) end
      opts.missing = opts.missing or {}
      opts.missing[#opts.missing + 1] = resource
    elseif a == "--max-connections" then
      opts.max_connections = math.tointeger(number(a))
      if not opts.max_connections or opts.max_connections < 1 then
        error("--max-connections must be a positive integer", 0)
      end
    elseif a == "--idle-timeout" then
      opts.idle_timeout = number(a)
      if opts.idle_timeout <= 0 then error("--idle-timeout must be a positive number", 0) end
    elseif a == "--log-limit" then
      opts.log_limit = math.tointeger(number(a))
      if not opts.log_limit or opts.log_limit < 0 then error("--log-limit must be an integer >= 0", 0) end
    elseif a == "--quiet" then opts.quiet = true
    else
      error("unknown option " .. a, 0)
    end
    i = i + 1
  end
  return opts
end

function M.main(argv)
  local args = {}
  for i = 1, #argv do args[i] = argv[i] end
  local ok, opts = pcall(M.parse, args)
  if not ok then
    io.stderr:write("bksops-sim: ", opts, "\n", "Try 'bksops-sim --help'.\n")
    return 2
  end
  if opts.help then
    print(USAGE)
    return 0
  end
  if opts.version then
    print("bksops-sim " .. version.number .. " (" .. version.runtime .. ")")
    return 0
  end
  if not opts.quiet then
    opts.on_error = function(err, tb)
      io.stderr:write("bksops-sim: internal error: ", tostring(err), "\n", tb or "", "\n")
    end
  end
  local s, err = sim.new(opts)
  if not s then
    io.stderr:write("bksops-sim: ", err, "\n")
    return 2
  end
  local url, lerr = s:listen()
  if not url then
    io.stderr:write("bksops-sim: cannot listen: ", lerr, "\n")
    return 1
  end
  -- SIGTERM and SIGINT end the serving loop where the simulator's helper
  -- can watch them (signalfd); elsewhere their default action ends the
  -- process, which is as clean: all state lives in memory and the kernel
  -- closes the sockets.
  local has_helper, helper = pcall(require, "sops.sim.signals")
  local signals = has_helper and helper.watch()
  if signals then
    s.server:watch(signals, function()
      if signals:read() then s:stop() end
    end)
  end
  io.stdout:write("listening on ", url, "\n")
  io.stdout:flush()
  -- The server's heap is mostly what lasts (tasks, their trees, the request
  -- log), its garbage what each answer makes: Lua 5.4's generational
  -- collector leaves the first alone between major collections, where the
  -- incremental one walks all of it every cycle (a fifth of a status
  -- answer's CPU with 1,000 tasks held). 5.3 has only the incremental one.
  pcall(collectgarbage, "generational")
  s:run()
  if signals then signals:close() end
  return 0
end

return M
