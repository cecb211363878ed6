-- Turns successive status trees of a task into change events (kind
-- "change"): one per task or node whose state, retry count or version
-- changed since the last look. wait's other events (kind "auto_retry",
-- "auto_retry_unknown", "stall_warning") carry a message instead.
local tree = require "sops.tree"
local unpack = require("sops.compat").unpack

local M = {}

-- A snapshot remembers what each node looked like: id -> {state, retry, version}.
-- The task itself is filed under the key M.TASK.
M.TASK = "\0task"

-- Returns the list of events between `snap` (nil at first) and `status`, and
-- the new snapshot. at: the time the status was seen.
function M.diff(task_id, snap, status, at)
  snap = snap or {}
  local new, events = {}, {}
  local function consider(key, node, node_id, path)
    local was = snap[key]
    local now = {state = node.state, retry = node.retry, version = node.version}
    new[key] = now
    if was and was.state == now.state and was.retry == now.retry and was.version == now.version then
      return
    end
    events[#events + 1] = {
      kind = "change", task_id = task_id, node_id = node_id, name = node.name, path = path,
      from = was and was.state or nil, to = node.state, node = node, at = at,
    }
  end
  local paths = {}
  tree.walk(status, function(node, id, depth, parent)
    if depth == 0 then
      consider(M.TASK, node, nil, {})
      paths[node] = {}
      return
    end
    local path = {unpack(paths[parent])}
    path[#path + 1] = id
    paths[node] = path
    consider(id, node, id, path)
  end)
  return events, new
end

return M
