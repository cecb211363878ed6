-- A command run on a real terminal: a detached tmux pane of a chosen size,
-- on a tmux server of its own, whose screen the specs read as text (a
-- screenshot), resize and send keys to.
local h = require "helpers"

local M = {}
local Pane = {}
Pane.__index = Pane

local counter = 0

-- this process's part of the tmux servers' names: random, so that spec runs
-- at the same time (two runtimes' suites, make stress) never share a server
local TAG = assert(require("sops.core").random_hex(6))

-- Whether tmux is here (make deps installs it).
function M.available()
  return select(3, h.run("tmux -V")) == 0
end

-- Runs cmd (a shell command line) in a columns x rows pane; the pane
-- stays after the command ends, to be read. (A shell waits after it, so
-- that the terminal's state the command left, its cursor say, can be
-- read: "[exit N]" says it ended, and is no part of the screen.)
local EXIT = "^%[exit (%d+)%]$"
function M.start(cmd, columns, rows)
  cmd = cmd .. '; echo "[exit $?]"; exec sleep 600'
  counter = counter + 1
  local p = setmetatable({socket = string.format("sops-spec-%s-%d", TAG, counter)}, Pane)
  -- an idle pane first, set up, then the command in it: the pane stays
  -- when it ends, and a clear screen is not copied to the history (tmux's
  -- scroll-on-clear), so the history holds only lines that scrolled
  local _, err, code = p:tmux(string.format("-f /dev/null new-session -d -s main -x %d -y %d 'sleep 60' \\; "
    .. "set-option -t main remain-on-exit on \\; set-option -w -t main scroll-on-clear off \\; "
    .. "respawn-pane -k -t main %s", columns, rows, h.shell_quote(cmd)))
  assert(code == 0, "tmux did not start: " .. err)
  return p
end

function Pane:tmux(args)
  return h.run("tmux -L " .. self.socket .. " " .. args)
end

-- The screen and its history as a list of lines (trailing spaces cut).
-- opts: escapes = true keeps the escape sequences; history = false reads
-- the screen alone.
function Pane:screen(opts)
  opts = opts or {}
  local out = self:tmux("capture-pane -p " .. (opts.history == false and "" or "-S - ")
    .. (opts.escapes and "-e " or "") .. "-t main")
  local lines = {}
  for line in out:gmatch("([^\n]*)\n") do
    -- (tmux's own note on a pane whose command ended is not the command's)
    line = line:gsub("%s+$", "")
    if line:find(EXIT) then
      self.status = tonumber(line:match(EXIT))
    elseif not line:find("^Pane is dead") then
      lines[#lines + 1] = line
    end
  end
  while #lines > 0 and lines[#lines] == "" do lines[#lines] = nil end
  return lines
end

function Pane:text()
  return table.concat(self:screen(), "\n")
end

-- Waits until the screen's text matches pattern (plain text); returns it.
function Pane:wait_for(pattern, seconds)
  local text
  local ok, err = pcall(h.wait_until, function()
    text = self:text()
    return text:find(pattern) ~= nil
  end, seconds)
  if not ok then error(tostring(err) .. ": '" .. pattern .. "' never appeared; the screen:\n" .. text, 2) end
  return text
end

-- A tmux format of the pane: "#{pane_dead_status}", "#{cursor_flag}".
function Pane:format(f)
  return (self:tmux("display-message -p -t main " .. h.shell_quote(f)):gsub("\n$", ""))
end

-- Waits for the command to end; its exit status.
function Pane:exit_status(seconds)
  self.status = nil
  h.wait_until(function()
    self:screen()
    return self.status ~= nil
  end, seconds)
  return self.status
end

function Pane:resize(columns, rows)
  local _, err, code = self:tmux(string.format("resize-window -t main -x %d -y %d", columns, rows))
  assert(code == 0, "tmux resize-window: " .. err)
end

function Pane:keys(keys)
  self:tmux("send-keys -t main " .. keys)
end

function Pane:close()
  self:tmux("kill-server")
end

return M
