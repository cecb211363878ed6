-- What every command of `bksops` writes through: human text, JSON for
-- scripts, usage errors and run-time errors with their exit codes.
local core = require "sops.core"
local PROGRAM = require("sops.cli.commands").PROGRAM
local render = require "sops.cli.render"
local output = require "sops.cli.output"
local terminal = render.terminal

local M = {}

-- The exit codes (sops.cli.commands.EXIT_CODES says what each means).
M.EXIT = {OK = 0, ENDED_BADLY = 1, USAGE = 2, DEADLINE = 3, REFUSED = 4, TRANSPORT = 5, WRITE = 6, STALLED = 7,
  INTERRUPTED = 130}
local EXIT = M.EXIT

local Ctx = {}
Ctx.__index = Ctx

-- ctx: {out, err, getenv, tty, paint, flags, command, output (sops.cli.output.choose's)}
function M.new(fields)
  local ctx = setmetatable(fields or {}, Ctx)
  ctx.output = ctx.output or output.choose({})
  ctx.documents = 0
  return ctx
end

-- Whether stdout holds the command's document and nothing else (-o json,
-- yaml, name, field=PATH): human text goes to stderr then.
function Ctx:document()
  return self.output.document
end

-- Whether a listing starts with a line naming its columns (not with
-- --no-headers).
function Ctx:headers()
  return self.output.headers
end

-- Human text: on stdout, except with a document on stdout, where it goes
-- to stderr, and --quiet, where it goes nowhere.
-- (every human line goes through render.terminal: no control character
-- from the server reaches the terminal)
function Ctx:say(...)
  if self.output.quiet then return end
  local out = self.output.document and self.err or self.out
  out:write(terminal(table.concat({...})), "\n")
end

-- Errors and warnings: on stderr, --quiet or not.
function Ctx:warn(...)
  self.err:write(terminal(table.concat({...})), "\n")
end

-- Notes on the way (a poll tried again): on stderr, not with --quiet.
function Ctx:note(...)
  if self.output.quiet then return end
  self:warn(...)
end

function Ctx:usage(message)
  self:warn(PROGRAM, ": ", message)
  self:warn("Try '", PROGRAM, " ", self.command or "", self.command and " " or "", "--help'.")
  return EXIT.USAGE
end

-- The exit code for a run-time error.
function M.code_for(err)
  if err.kind == "api" or err.kind == "gateway" or err.kind == "throttled" then return EXIT.REFUSED end
  if err.kind == "http" then
    return (err.http_status or 0) >= 500 and EXIT.TRANSPORT or EXIT.REFUSED
  end
  if err.api == "wait" or err.api == "wait_all" then
    if err.kind == "timeout" then return EXIT.DEADLINE end
    if err.kind == "cancelled" or err.kind == "node" then return EXIT.ENDED_BADLY end
    if err.kind == "stalled" then return EXIT.STALLED end
  end
  return EXIT.TRANSPORT
end

function Ctx:fail(err)
  self:warn(tostring(err))
  if err.kind == "throttled" then
    self:warn(string.format("(bk-sops did not act: the project's task operations are throttled; try again in "
      .. "%g s or later)", err.retry_after or 0))
  end
  return M.code_for(err)
end

-- Prints value as JSON; false when it cannot be written as JSON (a number
-- the server sent that overflowed to infinity, say), after saying why.
function Ctx:print_json(value)
  local ok, text = pcall(core.encode, value)
  if not ok then
    self:warn(PROGRAM, ": the answer cannot be printed as JSON: ", (tostring(text):gsub("^.-bad argument", "bad argument")))
    return false
  end
  self.out:write(render.json_for_terminal(text), "\n")
  return true
end

-- A line of -o name or -o field: as it is, except on a terminal, where
-- its control characters are shown as in human text.
function Ctx:raw_line(text)
  self.out:write(self.tty and terminal(text) or text, "\n")
end

-- Writes value as -o asks (json for text and wide, where a command has no
-- text of its own: bksops api); nothing with --quiet. names: the ids -o
-- name prints when the value's are not the ones (sops.cli.output.names).
-- false when it cannot be written so, after saying why.
function Ctx:emit(value, names)
  local o = self.output
  if o.quiet then return true end
  self.documents = self.documents + 1
  if o.format == "yaml" then
    local ok, text = pcall(require("sops.cli.yaml").encode, value)
    if not ok then
      self:warn(PROGRAM, ": the answer cannot be printed as YAML: ", tostring(text))
      return false
    end
    -- (a stream of them, as logs --follow writes: each after a ---)
    self.out:write(self.documents > 1 and "---\n" or "", text)
    return true
  elseif o.format == "name" then
    local ids = names or output.names(value, self.flags.TASK)
    if #ids == 0 then
      self:warn(PROGRAM, ": -o name: the answer names no task or id")
      return false
    end
    for _, id in ipairs(ids) do self:raw_line(tostring(id)) end
    return true
  elseif o.format == "field" then
    local lines, why = output.fields(value, o)
    if not lines then
      self:warn(PROGRAM, ": ", why)
      return false
    end
    for _, line in ipairs(lines) do self:raw_line(line) end
    return true
  end
  return self:print_json(value)
end

-- With a document on stdout, value as -o asks (exit 0, or 5 when it
-- cannot be written so); with --quiet nothing; else the human lines
-- lines() returns, exit 0. names: as for emit.
function Ctx:show(value, lines, names)
  if self.output.quiet then return EXIT.OK end
  if self.output.document then return self:emit(value, names) and EXIT.OK or EXIT.TRANSPORT end
  for _, line in ipairs(lines()) do self:say(line) end
  return EXIT.OK
end

-- A bad argument a call raised, as a usage error: its message without
-- the position in our own code.
function Ctx:bad_argument(e)
  return self:usage((tostring(e):gsub("^.-: bad argument", "bad argument")))
end

return M
