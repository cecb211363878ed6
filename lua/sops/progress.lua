-- sops.progress(status[, tree]): how far a task has got, in activities
-- (the steps a person sees; events and gateways are left out): how many
-- finished, run and failed, of how many in all.
local core = require "sops.core"
local check = require "sops.check"
local tree_helpers = require "sops.tree"

local M = {}

-- The ids of a pipeline_tree's activities, subprocesses' included (a
-- subprocess itself is not one: its activities are), into set; the count.
local function activity_ids(pipeline_tree, set)
  local n = 0
  tree_helpers.each_activity(pipeline_tree, function(id, act)
    if act.type ~= "SubProcess" then
      set[id] = true
      n = n + 1
    end
  end)
  return n
end

-- Whether a node of a status, seen without the pipeline tree, is an
-- activity: a leaf with a name. bk-sops names events and gateways "" (engine
-- v2) or by their Python class (engine v1: "<class 'pipeline.core.flow...'>").
local function looks_like_activity(node)
  if type(node.children) == "table" and next(node.children) ~= nil then return false end
  local name = node.name
  return type(name) == "string" and name ~= "" and name:sub(1, 8) ~= "<class '"
end

-- progress(status[, tree]) -> {finished, running, failed, total}: status is
-- what get_task_status returns (or a status of get_tasks_status with its
-- children), tree get_task_detail's pipeline_tree. Running counts RUNNING
-- and READY activities. total is the tree's number of activities when it is
-- given, else the number of activities the status shows (it shows those
-- that have started).
function M.progress(status, tree)
  if type(status) ~= "table" then
    check.raise("bad argument #1 to 'sops.progress' (a task status (table) expected, got " .. type(status) .. ")")
  end
  if tree == core.null then tree = nil end
  if tree ~= nil and type(tree) ~= "table" then
    check.raise("bad argument #2 to 'sops.progress' (a pipeline_tree (table) expected, got " .. type(tree) .. ")")
  end
  local ids, total = {}, 0
  if tree then total = activity_ids(tree, ids) end
  local p = {finished = 0, running = 0, failed = 0, total = total}
  local seen = 0
  tree_helpers.walk(status, function(node, id, depth)
    if depth == 0 then return end
    if tree then
      if not ids[id] then return end
    elseif not looks_like_activity(node) then
      return
    end
    seen = seen + 1
    if node.state == "FINISHED" then
      p.finished = p.finished + 1
    elseif node.state == "RUNNING" or node.state == "READY" then
      p.running = p.running + 1
    elseif node.state == "FAILED" then
      p.failed = p.failed + 1
    end
  end)
  if not tree then p.total = seen end
  return p
end

return M
