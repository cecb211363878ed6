-- How `bksops` prints what a command answers: its -o FORMAT (json, yaml,
-- wide, name, field=PATH), --json (-o json), --quiet and --no-headers. The
-- formats' words are read here; the writing is sops.cli.context's.
local core = require "sops.core"

local M = {}

-- the formats -o takes, as --help and README list them
M.FORMATS = "json, yaml, wide, name or field=PATH"
-- and as the shells complete them (field= waits for its PATH)
M.WORDS = {"json", "yaml", "wide", "name", "field="}

-- the formats whose output is one document on stdout (human text goes to stderr)
local DOCUMENT = {json = true, yaml = true, name = true, field = true}

-- "status.children[0].name" -> {"status", "children", 0, "name"}: keys as
-- strings, [n] indexes as numbers (0 the first, -1 the last); or nil, why.
function M.path(text)
  local s = text:gsub("^%.", "")
  local steps, i = {}, 1
  local function bad()
    return nil, "a path of keys and [n] indexes expected (task_id, status.state, [0].id), got '" .. text .. "'"
  end
  if s == "" then return bad() end
  while i <= #s do
    local key = s:match("^[^%.%[%]]+", i)
    if key then
      steps[#steps + 1] = key
      i = i + #key
    end
    while s:sub(i, i) == "[" do
      local n = s:match("^%[(%-?%d+)%]", i)
      if not n then return bad() end
      steps[#steps + 1] = tonumber(n)
      i = i + #n + 2
    end
    if not key and i == 1 then return bad() end
    if i <= #s then
      -- a dot, and a key after it
      if s:sub(i, i) ~= "." or not s:find("^[^%.%[%]]", i + 1) then return bad() end
      i = i + 1
    end
  end
  return steps
end

-- The -o word as the parser checks it: {format = ..., path = steps, text =
-- PATH}; or nil, why.
function M.parse(word)
  if word == "json" or word == "yaml" or word == "wide" or word == "name" then return {format = word} end
  local text = word:match("^field=(.*)$")
  if not text then return nil, "a format expected (" .. M.FORMATS .. "), got '" .. word .. "'" end
  local steps, why = M.path(text)
  if not steps then return nil, why end
  return {format = "field", path = steps, text = text}
end

-- The output the parsed arguments ask for: {format = "text" | "wide" |
-- "json" | "yaml" | "name" | "field", path, text, quiet, headers,
-- document}; or nil, why they cannot go together.
function M.choose(a)
  local o = a.output or {format = a.json and "json" or "text"}
  if a.json and o.format ~= "json" then return nil, "--json is -o json: give one format" end
  if a.quiet and (a.output or a.json) then return nil, "--quiet prints nothing: give it no -o or --json" end
  return {format = o.format, path = o.path, text = o.text, quiet = a.quiet or false,
    headers = not a.no_headers, document = DOCUMENT[o.format] or false}
end

local function is_list(v)
  return type(v) == "table" and (getmetatable(v) == core.array_mt or v[1] ~= nil)
end

-- What steps reach in value: the value, or nil and the path that is not
-- there and the keys there are.
local function at(value, steps)
  for i, step in ipairs(steps) do
    local next_value
    if type(step) == "number" then
      if is_list(value) then next_value = value[step >= 0 and step + 1 or #value + step + 1] end
    elseif type(value) == "table" and not is_list(value) then
      next_value = value[step]
    end
    if next_value == nil then
      local keys = {}
      if type(value) == "table" and not is_list(value) then
        for k in pairs(value) do keys[#keys + 1] = tostring(k) end
        table.sort(keys)
      end
      local where = {}
      for j = 1, i do where[j] = type(steps[j]) == "number" and ("[" .. steps[j] .. "]") or steps[j] end
      local shown = table.concat(where, "."):gsub("%.%[", "[")
      local has = #keys > 0 and (" (it has " .. table.concat(keys, ", ") .. ")")
        or is_list(value) and (" (a list of " .. #value .. ")") or ""
      return nil, shown, has
    end
    value = next_value
  end
  return value
end

-- A field's value as a line of text: a string as it is, null as nothing,
-- numbers, booleans, lists and objects as JSON.
local function text_of(v)
  if v == core.null then return "" end
  if type(v) == "string" then return v end
  return core.encode(v)
end

-- fields(value, o) -> the lines -o field=PATH prints: PATH's value, or,
-- in a list when PATH starts with a key, each item's; or nil, why.
function M.fields(value, o)
  local items = {value}
  if is_list(value) and type(o.path[1]) == "string" then items = value end
  local lines = {}
  for _, item in ipairs(items) do
    local v, where, has = at(item, o.path)
    if v == nil then return nil, string.format("-o field=%s: the answer has no %s%s", o.text, where, has) end
    local ok, text = pcall(text_of, v)
    if not ok then return nil, "-o field=" .. o.text .. ": " .. tostring(text) end
    lines[#lines + 1] = text
  end
  return lines
end

-- The id that names a value: its task_id, else its id.
local function id_of(v)
  if type(v) ~= "table" or is_list(v) then return nil end
  local id = v.task_id
  if id == nil or id == core.null then id = v.id end
  if type(id) == "number" or type(id) == "string" then return id end
  return nil
end

-- names(value, tasks) -> the ids -o name prints: a list's items' ids; an
-- object's task_id; else the tasks the command was given (a number or a
-- list), else the object's id. Empty when there are none.
function M.names(value, tasks)
  local ids = {}
  if is_list(value) then
    for _, item in ipairs(value) do ids[#ids + 1] = id_of(item) end
    return ids
  end
  if type(value) == "table" and value.task_id ~= nil and value.task_id ~= core.null then return {value.task_id} end
  if type(tasks) == "number" then return {tasks} end
  if type(tasks) == "table" then
    for i, id in ipairs(tasks) do ids[i] = id end
    return ids
  end
  ids[1] = id_of(value)
  return ids
end

return M
