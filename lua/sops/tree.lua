-- Helpers over get_task_status trees: state names, terminal states,
-- walking every node, finding failed nodes.
local unpack = require("sops.compat").unpack
local M = {}

M.states = {
  CREATED = "CREATED", READY = "READY", RUNNING = "RUNNING", SUSPENDED = "SUSPENDED",
  NODE_SUSPENDED = "NODE_SUSPENDED", FAILED = "FAILED", FINISHED = "FINISHED",
  REVOKED = "REVOKED", EXPIRED = "EXPIRED",
}

-- FAILED is not terminal: the task waits for a retry, a skip or a revoke.
local TERMINAL = {FINISHED = true, REVOKED = true, EXPIRED = true}

function M.is_terminal(state)
  return TERMINAL[state] == true
end

-- Child ids in a stable order: by start time (unstarted last), then id.
-- (A child that is not an object, as a broken answer might hold, is left
-- out: helpers never raise on what a server sent.)
function M.child_ids(node)
  local ids = {}
  local children = type(node) == "table" and type(node.children) == "table" and node.children or {}
  for id, child in pairs(children) do
    if type(id) == "string" and type(child) == "table" then ids[#ids + 1] = id end
  end
  table.sort(ids, function(a, b)
    local sa, sb = children[a].start_time, children[b].start_time
    sa = type(sa) == "string" and sa or "~"
    sb = type(sb) == "string" and sb or "~"
    if sa ~= sb then return sa < sb end
    return a < b
  end)
  return ids
end

-- Calls fn(node, id, depth, parent) for the root (depth 0, id may be nil for
-- a CREATED task) and then every node, parents before children.
function M.walk(status, fn)
  local function visit(node, id, depth, parent)
    fn(node, id, depth, parent)
    for _, cid in ipairs(M.child_ids(node)) do
      visit(node.children[cid], cid, depth + 1, node)
    end
  end
  if type(status) == "table" then visit(status, status.id, 0, nil) end
end

-- Calls fn(id, activity) for every activity of a pipeline_tree
-- (get_task_detail's), those inside subprocesses too (after the
-- subprocess itself), in no set order.
function M.each_activity(pipeline_tree, fn)
  local activities = type(pipeline_tree) == "table" and pipeline_tree.activities
  for id, act in pairs(type(activities) == "table" and activities or {}) do
    if type(act) == "table" then
      fn(id, act)
      M.each_activity(act.pipeline, fn)
    end
  end
end

-- The failed leaf nodes: {id = node id, path = {ids from the top level down},
-- node = the node's status table}, in walk order.
function M.failed_nodes(status)
  local out = {}
  local function visit(node, path)
    for _, cid in ipairs(M.child_ids(node)) do
      local child = node.children[cid]
      local p = {unpack(path)}
      p[#p + 1] = cid
      if child.state == "FAILED" then
        local before = #out
        visit(child, p)
        if #out == before then out[#out + 1] = {id = cid, path = p, node = child} end
      else
        visit(child, p)
      end
    end
  end
  if type(status) == "table" then visit(status, {}) end
  return out
end

return M
