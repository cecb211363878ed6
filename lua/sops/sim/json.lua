-- JSON for the simulator: decoding through lua-cjson with integer fidelity
-- restored, encoding so that key order, empty arrays and integers come out
-- exactly as the real server writes them (through lua-sops' C encoder where
-- it is built, else in Lua).
local cjson = require "cjson"

local M = {}

M.null = cjson.null

-- An object's key order lives in its metatable, {__order = keys}, shared by
-- every object with the same keys; an array is marked by lua-sops' array
-- metatable (sops.array) where the core is built, else by one of its own.
-- (Weak tables keyed by every object would do it too, but a collector that
-- walks hundreds of thousands of ephemerons made each answer slower the
-- more tasks there were.)
local has_core, core = pcall(require, "sops.core")
if not (has_core and type(core) == "table" and core.encode and core.array_mt) then core = nil end
local ARRAY_MT = core and core.array_mt or {}
-- The layouts, in a trie by key: LAYOUTS[k1][k2]...[LAYOUT] is the
-- metatable of objects with keys k1, k2, ...; found without allocating.
local LAYOUT = {}
local LAYOUTS = {}

-- An object whose keys are written in the order given: obj("a", 1, "b", 2).
-- A nil value leaves its key out; use M.null for an explicit null.
function M.obj(...)
  local t, node = {}, LAYOUTS
  for i = 1, select("#", ...), 2 do
    local k, v = select(i, ...)
    if v ~= nil then
      t[k] = v
      local next_node = node[k]
      if not next_node then
        next_node = {}
        node[k] = next_node
      end
      node = next_node
    end
  end
  local mt = node[LAYOUT]
  if not mt then
    local keys = {}
    for i = 1, select("#", ...), 2 do
      local k, v = select(i, ...)
      if v ~= nil then keys[#keys + 1] = k end
    end
    mt = {__order = keys}
    node[LAYOUT] = mt
  end
  return setmetatable(t, mt)
end

-- Marks a table (possibly empty) as a JSON array.
function M.array(t)
  return setmetatable(t or {}, ARRAY_MT)
end

function M.is_array(t)
  return getmetatable(t) == ARRAY_MT
end

-- the listed keys of an object made by obj, nil for any other table
local function order_of(t)
  local mt = getmetatable(t)
  return mt and mt ~= ARRAY_MT and mt.__order or nil
end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}
local function escape_char(c)
  return escapes[c] or string.format("\\u%04x", c:byte())
end

-- a surrogate in its 3-byte form (WTF-8: a lone \ud800..\udfff escape
-- decoded), written back as that escape, as lua-sops' C encoder writes it
local function escape_surrogate(seq)
  local b2, b3 = seq:byte(2, 3)
  return string.format("\\u%04x", 0xD000 + (b2 - 0x80) * 64 + (b3 - 0x80))
end

local function encode_string(s)
  s = s:gsub('[%c"\\]', escape_char)
  if s:find("\237", 1, true) then
    s = s:gsub("\237[\160-\191][\128-\191]", escape_surrogate)
  end
  return '"' .. s .. '"'
end

local function encode_number(v)
  if math.type(v) == "integer" then
    return string.format("%d", v)
  end
  if v ~= v or v == math.huge or v == -math.huge then
    error("cannot encode non-finite number")
  end
  if v == math.floor(v) and v >= -2^53 and v <= 2^53 then
    return string.format("%d", math.tointeger(v))
  end
  return string.format("%.17g", v)
end

local encode_value

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

local function looks_like_array(t)
  if getmetatable(t) == ARRAY_MT then return true end
  if order_of(t) then return false end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function encode_table(t, out, depth)
  if depth > 1000 then error("nesting too deep to encode") end
  if looks_like_array(t) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], out, depth + 1)
    end
    out[#out + 1] = "]"
    return
  end
  local keys = order_of(t)
  if keys then
    -- keys added after construction still get written, sorted, at the end
    local seen, extra = {}, {}
    for _, k in ipairs(keys) do seen[k] = true end
    for k in pairs(t) do
      if not seen[k] then extra[#extra + 1] = k end
    end
    if #extra > 0 then
      table.sort(extra, function(a, b) return tostring(a) < tostring(b) end)
      local all = {}
      for _, k in ipairs(keys) do all[#all + 1] = k end
      for _, k in ipairs(extra) do all[#all + 1] = k end
      keys = all
    end
  else
    keys = sorted_keys(t)
  end
  out[#out + 1] = "{"
  local first = true
  for _, k in ipairs(keys) do
    local v = t[k]
    if v ~= nil then
      if not first then out[#out + 1] = "," end
      first = false
      out[#out + 1] = encode_string(tostring(k))
      out[#out + 1] = ":"
      encode_value(v, out, depth + 1)
    end
  end
  out[#out + 1] = "}"
end

encode_value = function(v, out, depth)
  local tv = type(v)
  if tv == "string" then
    out[#out + 1] = encode_string(v)
  elseif tv == "number" then
    out[#out + 1] = encode_number(v)
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif tv == "table" then
    encode_table(v, out, depth)
  elseif v == nil or v == cjson.null then
    out[#out + 1] = "null"
  else
    error("cannot encode a " .. tv)
  end
end

local function lua_encode(v)
  local out = {}
  encode_value(v, out, 0)
  return table.concat(out)
end
M.lua_encode = lua_encode

-- Through lua-sops' C encoder where it is built for this Lua, given the
-- same layout (the key order and the arrays above): six times faster. What
-- it refuses (invalid UTF-8, keys that are not strings) the Lua encoder
-- writes as before.
local ORDERED = {order_key = "__order"}
M.fast = core ~= nil -- (whether the C encoder is in use)

function M.encode(v)
  if core then
    local ok, text = pcall(core.encode, v, ORDERED)
    if ok then return text end
  end
  return lua_encode(v)
end

-- cjson 2.1.0 under Lua 5.4 turns every number into a float; numbers that
-- were written without a fraction or exponent come back as integers here.
local function restore(v, depth)
  if depth > 1100 then return v end
  local tv = type(v)
  if tv == "number" then
    return math.tointeger(v) or v
  elseif tv == "table" then
    local is_arr = #v > 0 or next(v) == nil
    for k, x in pairs(v) do
      v[k] = restore(x, depth + 1)
    end
    if is_arr and #v > 0 then setmetatable(v, ARRAY_MT) end
    return v
  end
  return v
end

-- lua-cjson refuses a lone surrogate escape (\ud800 without its low half,
-- or \udc00 alone), which is valid JSON and which bk-sops (Python) takes.
-- The text with each lone one put in as its 3-byte form (WTF-8), raw bytes
-- that lua-cjson lets through: the string lua-sops' decoder gives, and
-- that encode writes back as the escape. nil when there is none.
local function lone_surrogates(s)
  local out, from, at = {}, 1, 1
  while true do
    local bs = s:find("\\", at, true)
    if not bs then break end
    local hex = s:match("^u([dD][89a-fA-F]%x%x)", bs + 1)
    if not hex then
      at = bs + 2 -- another escape (\\ among them): its byte is not a 'u' to look at
    else
      local cp = tonumber(hex, 16)
      if cp < 0xDC00 and s:find("^\\u[dD][c-fC-F]%x%x", bs + 6) then
        at = bs + 12 -- a pair, lua-cjson's to decode
      else
        out[#out + 1] = s:sub(from, bs - 1)
        out[#out + 1] = string.char(0xED, 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
        from, at = bs + 6, bs + 6
      end
    end
  end
  if from == 1 then return nil end
  out[#out + 1] = s:sub(from)
  return table.concat(out)
end

-- Returns the value, or nil and a message.
function M.decode(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local ok, v = pcall(cjson.decode, s)
  if not ok then
    local with_lone = s:find("\\u[dD][89a-fA-F]") and lone_surrogates(s)
    local ok2, v2
    if with_lone then ok2, v2 = pcall(cjson.decode, with_lone) end
    if not ok2 then return nil, tostring(v) end
    v = v2
  end
  -- an empty JSON array and an empty object both decode to {}; find out
  -- which by looking at the text for a top-level "[]"
  if type(v) == "table" and next(v) == nil and s:match("^%s*%[") then
    setmetatable(v, ARRAY_MT)
  end
  return restore(v, 0)
end

return M
