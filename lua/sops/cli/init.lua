-- The `bksops` command. main(argv, io) returns the exit code (the list is
-- sops.cli.commands.EXIT_CODES). The commands are in sops.cli.read (those
-- that only read), sops.cli.logs (why a task failed, a node's log),
-- sops.cli.tasks (the task list), sops.cli.act (those that change
-- something), sops.cli.watch (waiting), sops.cli.doctor (the connection
-- checked), sops.cli.config (profiles) and sops.cli.completion (the shells'
-- scripts; sops.cli.candidates answers their questions); their arguments
-- come from sops.cli.commands. Each command's module is loaded when it
-- runs, and the client (sops) when a command needs one: --version, --help
-- and a usage error load neither (spec/46-startup_spec.lua).
local core = require "sops.core"
local check = require "sops.check"
local version = require "sops.version"
local parser = require "sops.cli.parser"
local commands = require "sops.cli.commands"
local context = require "sops.cli.context"
local output = require "sops.cli.output"
local render = require "sops.cli.render"

local M = {}
local EXIT = context.EXIT
M.EXIT = EXIT

-- The function of module sops.cli.<module> that runs a command, loaded
-- with its module when the command runs.
local function by(module, name)
  return function(ctx, c, a)
    local code = require("sops.cli." .. module)[name](ctx, c, a)
    return code
  end
end

local RUN = {
  templates = by("read", "templates"), tasks = by("tasks", "run"), show = by("read", "show"),
  status = by("read", "status"), node = by("read", "node"), api = by("read", "api"), run = by("act", "run"),
  create = by("act", "create"), start = by("act", "start"), pause = by("act", "pause"),
  resume = by("act", "resume"), revoke = by("act", "revoke"), retry = by("act", "retry"), skip = by("act", "skip"),
  ["skip-exg"] = by("act", "skip-exg"), callback = by("act", "callback"), why = by("logs", "why"),
  logs = by("logs", "logs"), rerun = by("act", "rerun"),
}

function RUN.wait(ctx, c, a)
  local watch = require "sops.cli.watch"
  if #a.TASK == 1 then return watch.one(ctx, c, a.TASK[1], a) end
  return watch.many(ctx, c, a.TASK, a)
end

-- bksops completion bash|zsh|fish: needs no connection
local function completion(ctx, a)
  ctx.out:write(require("sops.cli.completion").script(a.SHELL))
  return EXIT.OK
end

-- Task ids as integers: TASK (one, or a list for wait); nil, message.
local function task_ids(a)
  if type(a.TASK) == "table" then
    for i, w in ipairs(a.TASK) do
      local id, why = check.id(w)
      if not id then return nil, "TASK: " .. why end
      a.TASK[i] = id
    end
  elseif a.TASK then
    local id, why = check.id(a.TASK)
    if not id then return nil, "TASK: " .. why end
    a.TASK = id
  end
  return true
end

-- A stream that remembers its first failed write or flush (a full disk,
-- a closed stdout) in .failed, for the exit code: nothing written is lost
-- silently.
local function checked(f)
  local s = {}
  function s.write(self, ...)
    local ok, err = f:write(...)
    if ok == nil and err and not self.failed then self.failed = err end
    return self
  end
  function s.flush(self)
    local ok, err = f:flush()
    if ok == nil and err and not self.failed then self.failed = err end
    return self
  end
  return s
end

-- io: {out, err, getenv, isatty, term_size} (defaults: the process's own)
local function main(argv, io_, ctx)
  io_ = io_ or {}
  ctx.getenv = io_.getenv or os.getenv
  local tty = io_.isatty
  if tty == nil then tty = core.isatty(1) end
  ctx.tty = tty
  ctx.term_size = io_.term_size
  ctx.paint = render.painter(render.want_color(tty, ctx.getenv))
  ctx.flags = {}
  -- (the shells' question on every Tab: quiet whatever happens)
  if argv[1] == "__complete" then return require("sops.cli.candidates").run(argv, ctx.out, ctx.getenv) end

  local a, perr, command = parser.parse(argv)
  if a == false then
    ctx.out:write(perr, "\n")
    return EXIT.OK
  end
  ctx.command = command
  if not a then return ctx:usage(perr) end
  ctx.flags = a
  ctx.command = a.command
  local shown, why = output.choose(a)
  if not shown then return ctx:usage(why) end
  ctx.output = shown
  if a.version then
    ctx:say(string.format("bksops %s (lua-sops, %s, libcurl %s)", version.number, version.runtime, core.curl_version))
    return EXIT.OK
  end
  if not a.command then
    ctx.err:write(parser.help(), "\n")
    return EXIT.USAGE
  end
  if a.command == "completion" then return completion(ctx, a) end
  if a.app_secret then
    return ctx:usage("the app secret is not taken from the command line, where ps shows it; "
      .. "set BK_APP_SECRET or use --app-secret-file")
  end
  -- (these two read the configuration themselves, and report what is wrong with it)
  if a.command == "doctor" then return require("sops.cli.doctor").run(ctx, a) end
  if a.command == "config" then return require("sops.cli.config").run(ctx, a) end
  local ok, bad = task_ids(a)
  if not ok then return ctx:usage(bad) end
  local opts, oerr = require("sops.config").client_options(a, ctx.getenv)
  if not opts then return ctx:usage(oerr) end
  for _, line in ipairs(oerr) do ctx:warn(commands.PROGRAM, ": ", line) end
  if not opts.bk_biz_id then return ctx:usage("no business: give --biz or set BK_BIZ_ID") end
  local built, c = pcall(require("sops").new, opts)
  if not built then return ctx:bad_argument(c) end
  local code = RUN[a.command](ctx, c, a)
  c:close()
  return code
end

-- After Ctrl-C: the terminal as it was (colours reset, cursor shown, a
-- fresh line) and one line on what goes on without us.
local function interrupted(ctx)
  local out, err = ctx.out, ctx.err
  if ctx.tty then out:write("\27[0m\27[?25h\n") end
  local ids = ctx.waiting
  local text = commands.PROGRAM .. ": interrupted"
  if ids and #ids > 0 then
    local list = {}
    for i, id in ipairs(ids) do list[i] = tostring(id) end
    text = string.format("%s; stopped waiting: task%s %s go%s on in bk-sops (bksops status %s)", text,
      #ids > 1 and "s" or "", table.concat(list, ", "), #ids > 1 and "" or "es", list[1])
  end
  err:write(text, "\n")
  return EXIT.INTERRUPTED
end

-- main(argv, io) -> exit code. Whatever goes wrong inside (an answer of a
-- shape nothing expected, a bug) ends in a message and exit code 5, not a
-- traceback and the code of a FAILED task; BKSOPS_DEBUG=1 shows the traceback.
-- Ctrl-C ends it promptly (the sleep wakes on the signal) with status 130.
-- Every write is checked, and the final flush: output that could not be
-- written ends in "bksops: write error: ..." on stderr (when stderr can
-- take it) and exit code 6, whatever the command did. (A reader that went
-- away, as `| head` does, ends us with SIGPIPE, quietly, as before.)
local function written(ctx, code)
  ctx.out:flush()
  ctx.err:flush()
  local failed = ctx.out.failed or ctx.err.failed
  if not failed then return code end
  ctx.err.failed = nil
  ctx.err:write(commands.PROGRAM, ": write error: ", tostring(failed), "\n")
  ctx.err:flush()
  return EXIT.WRITE
end

function M.main(argv, io_)
  local ctx = context.new()
  ctx.out, ctx.err = checked(io_ and io_.out or io.stdout), checked(io_ and io_.err or io.stderr)
  local getenv = io_ and io_.getenv or os.getenv
  local ok, code = xpcall(function() return main(argv, io_, ctx) end, function(e)
    if tostring(e):find("interrupted!", 1, true) then return EXIT.INTERRUPTED end
    if (getenv("BKSOPS_DEBUG") or getenv("SOPS_DEBUG")) == "1" then return debug.traceback(tostring(e), 2) end
    return tostring(e)
  end)
  if ok then return written(ctx, code) end
  if code == EXIT.INTERRUPTED then return written(ctx, interrupted(ctx)) end
  ctx.err:write(commands.PROGRAM, ": internal error: ", code, "\n")
  return written(ctx, EXIT.TRANSPORT)
end

return M
