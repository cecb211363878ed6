-- How long a task still has, from bk-sops' record of how long its nodes
-- took before (get_node_execution_record, bk-sops master): for the live
-- view. A server without the record, or nodes without history, give no
-- estimate, and the view shows none.
local M = {}

-- at most this many nodes are asked about (one call each, once a wait)
M.MAX_NODES = 50

-- Seconds each top-level activity of the task took on average in its
-- template's past successful runs, by the task's node id; nil when the
-- server keeps no such record (an older bk-sops answers 404) or the task
-- is not from a project template. detail: get_task_detail's answer.
function M.load(c, detail)
  local tree = type(detail) == "table" and detail.pipeline_tree
  local template_id = type(detail) == "table" and tonumber(detail.template_id)
  if type(tree) ~= "table" or type(tree.activities) ~= "table" or not template_id then return nil end
  local ids = {}
  for id, act in pairs(tree.activities) do
    if type(act) == "table" and type(act.template_node_id) == "string" then ids[#ids + 1] = id end
  end
  table.sort(ids)
  -- a route without the call (ESB, the app-state twins) refuses it before
  -- sending, as a bad argument: no estimate there either
  if ids[1] and not pcall(c.prepare, c, "get_node_execution_record", {template_id = template_id,
    template_node_id = tree.activities[ids[1]].template_node_id}) then
    return nil
  end
  local means, any = {}, false
  for i, id in ipairs(ids) do
    if i > M.MAX_NODES then return nil end -- (a partial sum would mislead)
    local record = c:get_node_execution_record{template_id = template_id,
      template_node_id = tree.activities[id].template_node_id}
    if not record then return nil end -- (absent, refused or failing: the view goes on without)
    local sum, n = 0, 0
    for _, run in ipairs(type(record.execution_time) == "table" and record.execution_time or {}) do
      local t = type(run) == "table" and tonumber(run.elapsed_time)
      if t and t >= 0 then sum, n = sum + t, n + 1 end
    end
    if n == 0 then return nil end -- a node never run before: no honest estimate
    means[id], any = sum / n, true
  end
  return any and means or nil
end

local DONE = {FINISHED = true, SKIPPED = true}

-- Seconds left by the estimate for status (get_task_status's answer), or
-- nil: each activity not yet run counts its mean, a running one what its
-- mean has left (none once past it), a finished one nothing.
function M.remaining(means, status)
  if not means or type(status) ~= "table" then return nil end
  if status.state ~= "RUNNING" then return nil end
  local children = type(status.children) == "table" and status.children or {}
  local left = 0
  for id, mean in pairs(means) do
    local node = children[id]
    local state = type(node) == "table" and node.state
    if state == "RUNNING" then
      left = left + math.max(0, mean - (tonumber(node.elapsed_time) or 0))
    elseif state == "FAILED" then
      return nil -- it waits for someone: no estimate holds
    elseif not (node and (DONE[state] or node.skip)) then
      left = left + mean
    end
  end
  return left
end

return M
