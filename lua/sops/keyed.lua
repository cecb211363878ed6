-- create_task{..., key = K} and create_and_start_task{..., key = K}: a
-- task made once per key the caller chooses (README: "Once per key").
-- bk-sops keeps no such key and no API returns a task's description, so
-- the key travels at the end of the task's name, as the marker " [key:K]";
-- get_task_list finds it there (its keyword is a substring of the name,
-- matched here exactly, as the end of the name).
local core = require "sops.core"
local check = require "sops.check"

local M = {}

-- bk-sops' bound on a task's name, in characters (gcloud/constants.py
-- TASK_NAME_MAX_LENGTH, in the create views' JSON schema)
M.NAME_MAX = 100
-- a key's own bound, in characters, so that a name keeps room
M.KEY_MAX = 64

-- The characters of UTF-8 text s, or nil when s is not UTF-8.
local function length(s)
  local n, i, len = 0, 1, #s
  while i <= len do
    local b = s:byte(i)
    local size = (b < 0x80 and 1) or (b >= 0xC2 and b < 0xE0 and 2) or (b >= 0xE0 and b < 0xF0 and 3)
      or (b >= 0xF0 and b < 0xF5 and 4) or nil
    if not size then return nil end
    for j = i + 1, i + size - 1 do
      local c = s:byte(j)
      if not c or c < 0x80 or c > 0xBF then return nil end
    end
    i, n = i + size, n + 1
  end
  return n
end

-- The marker a key puts at the end of a task's name.
function M.marker(key)
  return " [key:" .. key .. "]"
end

-- Checks args.key (and the name it lengthens) of call `name`, raising
-- "bad argument" at the caller's line. A key is 1 to KEY_MAX characters
-- of UTF-8 without control characters, [ or ] (so that no key's marker
-- can end another's); the name with its marker at most NAME_MAX.
function M.check(name, args)
  local call, key = "sops." .. name, args.key
  local n = length(key)
  if not n then check.fail(call, "key", "UTF-8 text expected") end
  if n == 0 then check.fail(call, "key", "a non-empty string expected") end
  if n > M.KEY_MAX then check.fail(call, "key", "at most " .. M.KEY_MAX .. " characters expected, got " .. n) end
  if key:find("[%z\1-\31\127]") or key:find("\194[\128-\159]") then
    check.fail(call, "key", "no control characters expected")
  end
  if key:find("[%[%]]") then check.fail(call, "key", "no [ or ] expected (the name's marker holds the key)") end
  local total = (length(args.name) or #args.name) + length(M.marker(key))
  if total > M.NAME_MAX then
    check.fail(call, "name", string.format("with the key's marker '%s' it has %d characters; bk-sops takes at most %d",
      M.marker(key), total, M.NAME_MAX))
  end
end

-- The name a task with `key` is created with.
function M.name(args)
  return args.name .. M.marker(args.key)
end

-- Whether a template_source makes a task of a project's template (else a
-- common one): as the task list records it, and as each call reads it
-- (create_task.py: project or business; create_and_start_task.py: business).
local function common_recorded(source)
  return source ~= "project" and source ~= "business"
end
local function common_asked(name, source)
  if source == nil or source == "business" then return false end
  return name == "create_and_start_task" or source ~= "project"
end

-- The ids of the tasks that carry args.key, from the same project and
-- template, ascending; or nil, message, err. Every page is read (the
-- keyword narrows the list to names holding the marker).
local function carrying(c, name, args)
  local template_id, marker = check.id(args.template_id), M.marker(args.key)
  local common = common_asked(name, args.template_source)
  local next_item, pager = c:pages("get_task_list", {bk_biz_id = args.bk_biz_id, scope = args.scope,
    template_id = string.format("%d", template_id), keyword = marker:sub(2), traceparent = args.traceparent})
  local seen, ids = {}, {}
  for item in next_item do
    local id = type(item) == "table" and check.id(item.id)
    if id and not seen[id] and type(item.name) == "string" and #item.name > #marker
        and item.name:sub(-#marker) == marker and check.id(item.template_id) == template_id
        and (item.template_source == nil or common_recorded(item.template_source) == common)
        and item.is_child_taskflow ~= true then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
  if pager.message then return nil, pager.message, pager.err end
  table.sort(ids)
  return ids
end

-- value.duplicates (the ids of the other tasks with the key) and value.keep
-- (the lowest id of all, the one every caller agrees on), when ids, the
-- tasks carrying the key, are more than value's own.
local function note_duplicates(value, ids)
  local others = {}
  for _, id in ipairs(ids) do
    if id ~= value.task_id then others[#others + 1] = id end
  end
  if #others == 0 then return end
  value.duplicates = setmetatable(others, core.array_mt)
  local own = value.task_id
  value.keep = type(own) == "number" and own < ids[1] and own or ids[1]
end

-- Runs call `name` with args.key: returns the task that carries the key
-- when there is one, else makes it with create(params) (params.name
-- marked) and looks again. send(c, call, api, params, timeout,
-- traceparent) is the client's sender. value, nil, response | nil,
-- message, err.
function M.run(c, name, args, params, send, create)
  M.check(name, args)
  local call = "sops." .. name
  local ids, message, err = carrying(c, name, args)
  if not ids then return nil, message, err end
  local where = {bk_biz_id = args.bk_biz_id, scope = args.scope}
  if #ids > 0 then
    local id = ids[1]
    local detail, m1, e1 = send(c, call, "get_task_detail", {task_id = id, bk_biz_id = where.bk_biz_id,
      scope = where.scope}, nil, args.traceparent)
    if not detail then return nil, m1, e1 end
    local status, m2, e2 = send(c, call, "get_task_status", {task_id = id, bk_biz_id = where.bk_biz_id,
      scope = where.scope}, nil, args.traceparent)
    if not status then return nil, m2, e2 end
    local value = {task_id = id, task_url = detail.task_url, pipeline_tree = detail.pipeline_tree,
      name = detail.name, existing = true, state = status.state}
    note_duplicates(value, ids)
    return value, nil, e2
  end
  params.name = M.name(args)
  local value, cmessage, response = create(params)
  if type(value) ~= "table" then return value, cmessage, response end
  value.existing = false
  value.task_id = check.id(value.task_id) or value.task_id
  -- the window: a caller that looked before this task was made may be
  -- making its own; whichever is made later sees both now
  local again = carrying(c, name, args)
  value.rechecked = again ~= nil
  if again then note_duplicates(value, again) end
  return value, nil, response
end

return M
