-- What every command of `bksops` writes through: human text, JSON for
-- scripts, usage errors and run-time errors with their exit codes.
local sops = require "sops"
local PROGRAM = require("sops.cli.commands").PROGRAM
local render = require "sops.cli.render"
local terminal = render.terminal

local M = {}

-- The exit codes (sops.cli.commands.EXIT_CODES says what each means).
M.EXIT = {OK = 0, ENDED_BADLY = 1, USAGE = 2, DEADLINE = 3, REFUSED = 4, TRANSPORT = 5, WRITE = 6, STALLED = 7,
  INTERRUPTED = 130}
local EXIT = M.EXIT

local Ctx = {}
Ctx.__index = Ctx

-- ctx: {out, err, getenv, tty, paint, flags, command}
function M.new(fields)
  return setmetatable(fields or {}, Ctx)
end

-- Human text: on stdout, except with --json, where stdout holds the one
-- JSON document and nothing else.
-- (every human line goes through render.terminal: no control character
-- from the server reaches the terminal)
function Ctx:say(...)
  local out = self.flags and self.flags.json and self.err or self.out
  out:write(terminal(table.concat({...})), "\n")
end

function Ctx:warn(...)
  self.err:write(terminal(table.concat({...})), "\n")
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
  local ok, text = pcall(sops.encode, value)
  if not ok then
    self:warn(PROGRAM, ": the answer cannot be printed as JSON: ", (tostring(text):gsub("^.-bad argument", "bad argument")))
    return false
  end
  self.out:write(render.json_for_terminal(text), "\n")
  return true
end

-- With --json, value as the one document (exit 0, or 5 when it cannot
-- be written); else the human lines lines() returns, exit 0.
function Ctx:show(value, lines)
  if self.flags.json then return self:print_json(value) and EXIT.OK or EXIT.TRANSPORT end
  for _, line in ipairs(lines()) do self:say(line) end
  return EXIT.OK
end

-- A bad argument a call raised, as a usage error: its message without
-- the position in our own code.
function Ctx:bad_argument(e)
  return self:usage((tostring(e):gsub("^.-: bad argument", "bad argument")))
end

return M
