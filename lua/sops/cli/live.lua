-- The live view of `sops wait` on a terminal: redrawn in place after every
-- poll, with state, elapsed time, a progress bar, running and failed nodes.
local tree = require "sops.tree"
local render = require "sops.cli.render"

local M = {}
local Live = {}
Live.__index = Live

-- total: the number of activities in the task (nil: count what is seen).
function M.new(out, paint, total)
  return setmetatable({out = out, paint = paint, total = total, drawn = 0}, Live)
end

-- Counts the activities of a pipeline_tree, subprocesses included.
function M.count_activities(pipeline_tree)
  local n = 0
  for _, act in pairs(type(pipeline_tree) == "table" and pipeline_tree.activities or {}) do
    if act.type == "SubProcess" then
      n = n + M.count_activities(act.pipeline)
    else
      n = n + 1
    end
  end
  return n
end

local function leaves(status)
  local running, failed, finished, seen = {}, {}, 0, 0
  tree.walk(status, function(node, id, depth)
    if depth == 0 or not node.name or node.name == "" or next(node.children or {}) ~= nil then return end
    seen = seen + 1
    if node.state == "FINISHED" then
      finished = finished + 1
    elseif node.state == "RUNNING" or node.state == "READY" then
      running[#running + 1] = string.format("%s (%s)", node.name, render.duration(node.elapsed_time))
    elseif node.state == "FAILED" then
      local ex = type(status.ex_data) == "table" and status.ex_data[id]
      failed[#failed + 1] = node.name .. (ex and ex ~= "" and (": " .. render.one_line(ex)) or "")
    end
  end)
  return running, failed, finished, seen
end

function M.bar(done, total, width)
  width = width or 30
  local fill = total > 0 and math.floor(width * math.min(done, total) / total + 0.5) or 0
  return "[" .. string.rep("#", fill) .. string.rep("-", width - fill) .. "]"
end

function Live:lines(task_id, status)
  local p = self.paint
  local running, failed, finished, seen = leaves(status)
  local total = math.max(self.total or seen, seen)
  return {
    string.format("task %d  %s  %s  %s", task_id, p("bold", tostring(status.name)), p(status.state, status.state),
      render.duration(status.elapsed_time)),
    string.format("%s %d/%d nodes finished", M.bar(finished, total), finished, total),
    "running: " .. (#running > 0 and table.concat(running, ", ") or "-"),
    "failed:  " .. (#failed > 0 and p("FAILED", table.concat(failed, "; ")) or "-"),
  }
end

-- Lines for many tasks: one a task.
function Live:many_lines(statuses, ids)
  local p = self.paint
  local lines = {}
  for _, id in ipairs(ids) do
    local st = statuses[id]
    if st then
      lines[#lines + 1] = string.format("task %-8d %-30s %s  %s", id, tostring(st.name), p(st.state, st.state),
        render.duration(st.elapsed_time))
    else
      lines[#lines + 1] = string.format("task %-8d %s", id, p("dim", "waiting for its first status"))
    end
  end
  return lines
end

-- The last lines drawn, with a note under them (a wait's retries).
function Live:note(text)
  local lines = {}
  for i, l in ipairs(self.last or {}) do lines[i] = l end
  lines[#lines + 1] = text
  self:draw(lines, true)
end

function Live:draw(lines, keep)
  if self.drawn > 0 then
    self.out:write("\27[" .. self.drawn .. "F\27[J") -- back to the first line, clear below
  end
  self.out:write(table.concat(lines, "\n"), "\n")
  self.out:flush()
  self.drawn = #lines
  if not keep then self.last = lines end
end

return M
