-- The live view of `bksops wait` on a terminal: redrawn in place after every
-- poll, with state, elapsed time, a progress bar, running and failed nodes;
-- for several tasks, a line each with its own bar and failure. Every line
-- is cut to the terminal's width, read again at each redraw, so none wraps
-- and a resized terminal is redrawn cleanly at its new width.
local tree = require "sops.tree"
local core = require "sops.core"
local progress = require("sops.progress").progress
local eta = require "sops.cli.eta"
local render = require "sops.cli.render"

local M = {}
local Live = {}
Live.__index = Live

-- opts: tree (the one task's pipeline_tree, for the number of its
-- activities; nil: count what is seen), size() -> columns, rows of the
-- terminal (nil when unknown). view.means (sops.cli.eta.load) adds an
-- estimate of the time left.
function M.new(out, paint, opts)
  opts = opts or {}
  return setmetatable({out = out, paint = paint, tree = opts.tree, size = opts.size, drawn = 0, trees = {},
    reasons = {}}, Live)
end

-- The activities of a status running ("name (12s)") and failed ("name:
-- why"), by name.
local function leaves(status)
  local running, failed = {}, {}
  tree.walk(status, function(node, id, depth)
    if depth == 0 or not node.name or node.name == "" or next(node.children or {}) ~= nil then return end
    if node.state == "RUNNING" or node.state == "READY" then
      running[#running + 1] = string.format("%s (%s)", node.name, render.duration(node.elapsed_time))
    elseif node.state == "FAILED" then
      local ex = type(status.ex_data) == "table" and status.ex_data[id]
      failed[#failed + 1] = node.name .. (ex and ex ~= "" and (": " .. render.one_line(ex)) or "")
    end
  end)
  return running, failed
end

function M.bar(done, total, width)
  width = width or 30
  local fill = total > 0 and math.floor(width * math.min(done, total) / total + 0.5) or 0
  return "[" .. string.rep("#", fill) .. string.rep("-", width - fill) .. "]"
end

function Live:lines(task_id, status)
  self.remake = function() return self:lines(task_id, status) end
  local p = self.paint
  local running, failed = leaves(status)
  local done = progress(status, self.tree)
  local finished, total = done.finished, done.total
  local left = eta.remaining(self.means, status)
  -- the name is cut, not the state after it, when the line is too long
  local head, tail = string.format("task %d  ", task_id), string.format("  %s  %s", status.state,
    render.duration(status.elapsed_time))
  local columns = self.size and self.size() or 80
  local room = math.max(1, columns - 1 - render.width(head) - render.width(tail))
  local name = render.fit(render.terminal(tostring(status.name)), room):gsub("\27%[0m$", "")
  return {
    string.format("task %d  %s  %s  %s", task_id, p("bold", name), p(status.state, status.state),
      render.duration(status.elapsed_time)),
    string.format("%s %d/%d nodes finished%s", M.bar(finished, total), finished, total,
      left and string.format(", about %s left", render.duration(left)) or ""),
    "running: " .. (#running > 0 and table.concat(running, ", ") or "-"),
    "failed:  " .. (#failed > 0 and p("FAILED", table.concat(failed, "; ")) or "-"),
  }
end

-- The pipeline_tree of task id (for its bar's total), and why it failed
-- (a failed node and its error), as the waiting command learns them.
function Live:set_tree(id, t) self.trees[id] = t end
function Live:set_reason(id, text) self.reasons[id] = text end

-- Lines for many tasks: one a task, with its bar and, once it failed,
-- what failed.
function Live:many_lines(statuses, ids)
  self.remake = function() return self:many_lines(statuses, ids) end
  local p = self.paint
  local lines = {}
  for _, id in ipairs(ids) do
    local st = statuses[id]
    if st then
      local _, failed = leaves(st)
      local done = progress(st, self.trees[id])
      local finished, total = done.finished, done.total
      local why = self.reasons[id] or (#failed > 0 and table.concat(failed, "; ")) or nil
      lines[#lines + 1] = string.format("task %-8d %s %3d/%-3d %s %6s  %s%s", id, M.bar(finished, total, 12), finished,
        total, p(st.state, string.format("%-9s", tostring(st.state))), render.duration(st.elapsed_time),
        tostring(st.name), why and ("  " .. p("FAILED", why)) or "")
    else
      lines[#lines + 1] = string.format("task %-8d %s", id, p("dim", "waiting for its first status"))
    end
  end
  return lines
end

-- The last lines drawn, with a note under them (a wait's retries).
function Live:note(text)
  self.noted = text
  local lines = {}
  for i, l in ipairs(self.last or {}) do lines[i] = l end
  lines[#lines + 1] = text
  self:draw(lines, true)
end

-- Draws lines in place of the last ones: back to where they began, clear
-- below, write them cut to the width, so that none wraps. After a resize
-- the terminal may have rewrapped the last lines, each its own way (tmux
-- moves the cursor too), so the view starts again at the top of a cleared
-- screen. More lines than the terminal has rows end in "… N more".
function Live:draw(lines, keep)
  local columns, rows = 80, nil
  if self.size then
    local c, r = self.size()
    if c and c > 1 then columns, rows = c, r end
  end
  local shown = lines
  if rows and #lines > rows - 1 and rows > 2 then
    shown = {}
    for i = 1, rows - 2 do shown[i] = lines[i] end
    shown[#shown + 1] = string.format("… %d more", #lines - (rows - 2))
  end
  local parts = {}
  if self.columns and self.columns ~= columns then
    parts[1] = "\27[H\27[J"
  elseif self.drawn > 0 then
    -- back to the first line (up and to column 1: tmux has no CSI F), clear below
    parts[1] = "\r\27[" .. self.drawn .. "A\27[J"
  end
  if not self.hidden then
    parts[#parts + 1] = "\27[?25l" -- no cursor blinking over the view; finish() shows it again
    self.hidden = true
    -- (and SIGTERM or SIGHUP, as Ctrl-C does: systemd, CI runners, timeout(1))
    self.guard = core.guard_terminal(true)
  end
  for _, line in ipairs(shown) do
    -- the last column stays free: some terminals wrap on writing it
    parts[#parts + 1] = render.fit(render.terminal(line), columns - 1) .. "\n"
  end
  self.out:write(table.concat(parts))
  self.out:flush()
  self.drawn, self.columns = #shown, columns
  if not keep then self.last, self.noted = lines, nil end
end

-- The wait's sleep between polls: a resized terminal (SIGWINCH) is
-- redrawn at once, its lines made again for the new width (a name is cut
-- to fit, not the state after it), and the sleep goes on to its end.
-- false when another signal ended it (Ctrl-C).
function Live:sleep(seconds)
  local stop = core.monotime() + seconds
  while true do
    local left = stop - core.monotime()
    if left <= 0 then return true end
    local woke = core.sleep(left, true)
    if woke ~= "resize" then return woke end
    if self.remake then
      local noted = self.noted
      self:draw(self.remake())
      if noted then self:note(noted) end
    end
  end
end

-- The cursor shown again: the view is done (Ctrl-C's handler does the same).
function Live:finish()
  if self.hidden then
    self.out:write("\27[?25h")
    self.out:flush()
    self.hidden = false
    core.guard_terminal(false, self.guard)
  end
end

return M
