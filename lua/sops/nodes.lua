-- The nodes of a task's status tree as a person names them: by id, by a
-- unique prefix of it, by name, or by a path of names ("per region/sync");
-- and the short ids `bksops status` shows beside the names. wait{node = ...}
-- and the command name nodes alike through it.
local tree = require "sops.tree"

local M = {}

local SHORT = 8 -- a short id's length, longer where two ids share more

-- Every node below status: {id, name, path, stack, node} (path: the names
-- from the top, joined with "/"; stack: the ids of the subprocesses it is
-- in, outermost first), parents first.
local function nodes_of(status)
  local out = {}
  local function visit(node, prefix, stack)
    for _, id in ipairs(tree.child_ids(node)) do
      local child = node.children[id]
      local name = type(child.name) == "string" and child.name or ""
      local path = prefix and (prefix .. "/" .. name) or name
      out[#out + 1] = {id = id, name = name, path = path, stack = stack, node = child}
      local inner = {}
      for i, s in ipairs(stack) do inner[i] = s end
      inner[#inner + 1] = id
      visit(child, path, inner)
    end
  end
  visit(status, nil, {})
  return out
end

-- id -> its shortest prefix of at least 8 characters that no other node's
-- id starts with.
function M.short_ids(status)
  local ids = {}
  for _, n in ipairs(nodes_of(status)) do ids[#ids + 1] = n.id end
  table.sort(ids)
  local function common(a, b)
    local n = 0
    while n < #a and n < #b and a:byte(n + 1) == b:byte(n + 1) do n = n + 1 end
    return n
  end
  local short = {}
  for i, id in ipairs(ids) do
    local need = SHORT
    if ids[i - 1] then need = math.max(need, common(id, ids[i - 1]) + 1) end
    if ids[i + 1] then need = math.max(need, common(id, ids[i + 1]) + 1) end
    short[id] = id:sub(1, need)
  end
  return short
end

local function describe(matches, short)
  local list = {}
  for _, n in ipairs(matches) do list[#list + 1] = string.format("%s (%s)", n.path, short[n.id]) end
  return table.concat(list, ", ")
end

-- Whether word has the form of a node id as bk-sops makes them: "n" and
-- 31 hex digits (a template's node ids, uuid4 hex with its first letter
-- replaced), or 32 hex digits as older templates have.
function M.is_id(word)
  return type(word) == "string" and #word == 32 and word:find("^[%l%d]%x+$") ~= nil
end

-- The id of the node `word` names in status and {id, name, path, stack,
-- node}; or nil and why (the candidates, and true, when it is ambiguous).
function M.resolve(status, word)
  local all, short = nodes_of(status), M.short_ids(status)
  local by_id, by_prefix, by_name, by_path = {}, {}, {}, {}
  for _, n in ipairs(all) do
    if n.id == word then by_id[#by_id + 1] = n end
    if #word >= 4 and n.id:sub(1, #word) == word then by_prefix[#by_prefix + 1] = n end
    if n.name == word then by_name[#by_name + 1] = n end
    if n.path == word then by_path[#by_path + 1] = n end
  end
  -- a word with a "/" is a path; one without, a name (both nodes named
  -- "sync", at the top and in a subprocess, make "sync" ambiguous)
  for _, matches in ipairs({by_id, word:find("/", 1, true) and by_path or by_name, by_prefix}) do
    if #matches == 1 then return matches[1].id, matches[1] end
    if #matches > 1 then
      return nil, string.format("'%s' names %d nodes: %s; give one of their ids", word, #matches,
        describe(matches, short)), true
    end
  end
  return nil, string.format("task has no node '%s' (an id, a unique id prefix, a name or a path of names)", word)
end

-- The nodes a person would name, each with the word that names it and
-- nothing else (its name, else its path of names, else its short id: the
-- word resolve takes back to it), for the shells to complete: {word, id,
-- short, name, path, state}, parents first. Unnamed nodes (events, gateways) only
-- when FAILED, as a failed gateway is what skip-exg names.
function M.words(status)
  local all, short = nodes_of(status), M.short_ids(status)
  local ids, names, paths = {}, {}, {}
  for _, n in ipairs(all) do
    ids[n.id] = true
    names[n.name] = (names[n.name] or 0) + 1
    paths[n.path] = (paths[n.path] or 0) + 1
  end
  -- (as resolve reads a word: one with a "/" is a path, else a name)
  local function names_only(n, w)
    if w == "" or ids[w] then return false end
    if w:find("/", 1, true) then return n.path == w and paths[w] == 1 end
    return n.name == w and names[w] == 1
  end
  local out = {}
  for _, n in ipairs(all) do
    local state = type(n.node.state) == "string" and n.node.state or ""
    if n.name ~= "" or state == "FAILED" then
      local word = short[n.id]
      if names_only(n, n.name) then word = n.name elseif names_only(n, n.path) then word = n.path end
      out[#out + 1] = {word = word, id = n.id, short = short[n.id], name = n.name, path = n.path, state = state}
    end
  end
  return out
end

return M
