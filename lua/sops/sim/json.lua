-- JSON for the simulator: decoding through lua-sops' decoder where it is
-- built (numbers as written, every array told from an object), else
-- lua-cjson with integer fidelity restored; an order-keeping decoder for
-- what must be printed as Python holds it; and writers that keep key
-- order, empty arrays and integers: bk-sops' own two, byte for byte
-- (encode_django, encode_drf: the simulator's C helper sops.sim.pyjson
-- where it is built, else in Lua), and a compact one for everything that
-- is not bk-sops' (the control API, the gateway's and ESB's answers:
-- through lua-sops' C encoder where it is built, else in Lua).
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
-- Such a metatable is __fixed: its list never changes (the C writer keeps
-- its keys' text there). A layout of decode_ordered's is the object's own
-- and may change.
local LAYOUT = {}
local LAYOUTS = {}

-- An object whose keys are written in the order given: obj("a", 1, "b", 2).
-- A nil value leaves its key out; use M.null for an explicit null.
-- (The general form, for more pairs than the fast one below takes.)
local function obj_any(...)
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
    mt = {__order = keys, __fixed = true}
    node[LAYOUT] = mt
  end
  return setmetatable(t, mt)
end

-- The fast form, for fewer than FAST_PAIRS pairs: the keys (and which of
-- them have a value) lead through a trie of their own to the metatable of
-- their layout, and the object is one table constructor of the pairs,
-- sized at once (a nil value leaves its key out there too). Its objects
-- share the metatable obj_any gives the same keys. (Walking a vararg list
-- pair by pair costs a select() a pair, each going over the list: most of
-- what a status tree cost to build.)
local FAST_PAIRS = 40
local MT, ABSENT = {}, {}
local FAST = {}

-- the metatable at trie node `node` for the pairs given (their values only
-- tell which keys are left out)
local function layout_of(node, ...)
  local layout = LAYOUTS
  local present = {}
  for i = 1, select("#", ...), 2 do
    local k, v = select(i, ...)
    if v ~= nil then
      present[#present + 1] = k
      local nx = layout[k]
      if not nx then
        nx = {}
        layout[k] = nx
      end
      layout = nx
    end
  end
  local mt = layout[LAYOUT]
  if not mt then
    mt = {__order = present, __fixed = true}
    layout[LAYOUT] = mt
  end
  node[MT] = mt
  return mt
end

-- the fast obj, written out: a step of the walk for each pair, and a way
-- out after each
local function fast_obj_source()
  local params, lines = {}, {}
  for i = 1, FAST_PAIRS do params[#params + 1] = string.format("k%d, v%d", i, i) end
  local given, fields = {}, {}
  for i = 1, FAST_PAIRS do
    lines[#lines + 1] = string.format([[
if k%d == nil then
  return setmetatable({%s}, node[MT] or layout_of(node%s))
end
]], i, table.concat(fields, ", "), #given > 0 and (", " .. table.concat(given, ", ")) or "")
    if i == FAST_PAIRS then break end
    lines[#lines + 1] = string.format([[
do
  local t = node
  if v%d == nil then
    t = node[ABSENT]
    if not t then t = {} node[ABSENT] = t end
  end
  node = t[k%d]
  if not node then node = {} t[k%d] = node end
end
]], i, i, i)
    given[#given + 1] = string.format("k%d, v%d", i, i)
    fields[#fields + 1] = string.format("[k%d] = v%d", i, i)
  end
  return "local FAST, MT, ABSENT, layout_of, setmetatable = ...\n"
    .. "return function(" .. table.concat(params, ", ") .. ")\n"
    .. "local node = FAST\n" .. table.concat(lines)
    .. "error('json.obj: " .. FAST_PAIRS .. " pairs or more; json.obj_any takes them', 2)\nend\n"
end

M.obj = assert(load(fast_obj_source(), "=json.obj", "t"))(FAST, MT, ABSENT, layout_of, setmetatable)
M.obj_any = obj_any

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

-- An object's keys in the order the writers write them: those its layout
-- lists, then any others sorted (for a table made otherwise, all sorted).
function M.keys(t)
  local listed = order_of(t)
  local keys, seen = {}, {}
  if listed then
    for _, k in ipairs(listed) do
      if t[k] ~= nil and not seen[k] then
        keys[#keys + 1] = k
        seen[k] = true
      end
    end
  end
  local extra = {}
  for k in pairs(t) do
    if not seen[k] then extra[#extra + 1] = k end
  end
  table.sort(extra, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(extra) do keys[#keys + 1] = k end
  return keys
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

---------------------------------------------------------------------------
-- bk-sops' own writers, byte for byte: Django's JsonResponse (json.dumps'
-- defaults: ensure_ascii, ", " and ": ") for the answers of its views,
-- decorators and middleware, and DRF's JSONRenderer (compact, UTF-8 as it
-- is, U+2028 and U+2029 escaped) for the views that answer a DRF Response.
-- Numbers as Python writes them (a float by repr(): 1.0, 1e-05). Through
-- the simulator's C helper (sops.sim.pyjson) where it is built, else in Lua
-- (the same bytes).

-- repr() of a float
local function py_float(v)
  if v ~= v then return "NaN" end
  if v == math.huge then return "Infinity" end
  if v == -math.huge then return "-Infinity" end
  if v == 0 then return 1 / v < 0 and "-0.0" or "0.0" end
  local text
  for prec = 0, 16 do
    text = string.format("%." .. prec .. "e", v)
    if tonumber(text) == v then break end
  end
  local sign, int, frac, exp = text:match("^(%-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = (int .. frac):gsub("0+$", "")
  if digits == "" then digits = "0" end
  local e = tonumber(exp)
  local decpt = e + 1
  if decpt > -4 and decpt <= 16 then
    if decpt <= 0 then return sign .. "0." .. string.rep("0", -decpt) .. digits end
    if decpt >= #digits then return sign .. digits .. string.rep("0", decpt - #digits) .. ".0" end
    return sign .. digits:sub(1, decpt) .. "." .. digits:sub(decpt + 1)
  end
  local mant = digits:sub(1, 1) .. (#digits > 1 and ("." .. digits:sub(2)) or "")
  return string.format("%s%se%s%02d", sign, mant, e < 0 and "-" or "+", math.abs(e))
end
M.py_float = py_float

local function py_number(v)
  if math.type(v) == "integer" then return string.format("%d", v) end
  return py_float(v)
end

local SHORT = {['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\b"] = "\\b",
  ["\f"] = "\\f"}

local function u_escape(cp)
  if cp >= 0x10000 then
    cp = cp - 0x10000
    return string.format("\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF))
  end
  return string.format("\\u%04x", cp)
end

-- the code point of the UTF-8 sequence `seq` (surrogates in their 3-byte
-- form taken), or nil when it is none
local function code_point(seq)
  local c, n = seq:byte(1), #seq
  local want = c >= 0xF0 and 4 or c >= 0xE0 and 3 or 2
  if c < 0xC2 or c > 0xF4 or n ~= want then return nil end
  local v = c & (want == 2 and 0x1F or want == 3 and 0x0F or 0x07)
  for i = 2, n do v = (v << 6) | (seq:byte(i) & 0x3F) end
  local min = want == 2 and 0x80 or want == 3 and 0x800 or 0x10000
  if v < min or v > 0x10FFFF then return nil end
  return v
end

local function py_string(s, ascii)
  s = s:gsub('[%c"\\]', function(c)
    if c == "\127" then return ascii and "\\u007f" or c end
    return SHORT[c] or string.format("\\u%04x", c:byte())
  end)
  if s:find("[\128-\255]") then
    -- a lead byte and its continuation bytes, or a stray byte
    s = s:gsub("[\128-\255][\128-\191]*", function(seq)
      local out = {}
      local i = 1
      while i <= #seq do
        local c = seq:byte(i)
        local want = c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC2 and 2 or 1
        local piece = seq:sub(i, i + want - 1)
        local cp = want > 1 and code_point(piece)
        if not cp then
          out[#out + 1] = ascii and string.format("\\u%04x", c) or seq:sub(i, i)
          i = i + 1
        else
          if ascii or cp == 0x2028 or cp == 0x2029 or (cp >= 0xD800 and cp <= 0xDFFF) then
            out[#out + 1] = u_escape(cp)
          else
            out[#out + 1] = piece
          end
          i = i + want
        end
      end
      return table.concat(out)
    end)
  end
  return '"' .. s .. '"'
end
M.py_string = py_string

local py_value

local function py_table(t, out, depth, ascii)
  if depth > 1000 then error("nesting too deep to encode") end
  local item_sep, key_sep = ascii and ", " or ",", ascii and ": " or ":"
  if looks_like_array(t) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = item_sep end
      py_value(t[i], out, depth + 1, ascii)
    end
    out[#out + 1] = "]"
    return
  end
  out[#out + 1] = "{"
  local first = true
  for _, k in ipairs(M.keys(t)) do
    if type(k) ~= "string" then error("object keys must be strings") end
    if not first then out[#out + 1] = item_sep end
    first = false
    out[#out + 1] = py_string(k, ascii)
    out[#out + 1] = key_sep
    py_value(t[k], out, depth + 1, ascii)
  end
  out[#out + 1] = "}"
end

py_value = function(v, out, depth, ascii)
  local tv = type(v)
  if tv == "string" then
    out[#out + 1] = py_string(v, ascii)
  elseif tv == "number" then
    out[#out + 1] = py_number(v)
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif tv == "table" then
    py_table(v, out, depth, ascii)
  elseif v == nil or v == cjson.null then
    out[#out + 1] = "null"
  else
    error("cannot encode a " .. tv)
  end
end

-- the Lua writers of the two styles (what the C helper writes, the same)
function M.lua_encode_django(v)
  local out = {}
  py_value(v, out, 0, true)
  return table.concat(out)
end
function M.lua_encode_drf(v)
  local out = {}
  py_value(v, out, 0, false)
  return table.concat(out)
end

local has_pyjson, pyjson = pcall(require, "sops.sim.pyjson")
if not (has_pyjson and type(pyjson) == "table" and pyjson.encode) then pyjson = nil end
M.fast_py = pyjson ~= nil -- (whether the C helper writes them)

-- JSON as Django's JsonResponse writes it.
function M.encode_django(v)
  if pyjson then
    local text = pyjson.encode(v, "django", ARRAY_MT)
    if text then return text end
  end
  return M.lua_encode_django(v)
end

-- JSON as DRF's JSONRenderer writes it (bk-sops' settings).
function M.encode_drf(v)
  if pyjson then
    local text = pyjson.encode(v, "drf", ARRAY_MT)
    if text then return text end
  end
  return M.lua_encode_drf(v)
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

-- lua-sops' decoder (core.decode) gives every number as written (1 an
-- integer, 1.0 a float, as Python reads them), lone surrogates in their
-- 3-byte form, and marks the empty arrays; the others are marked here, so
-- that an array, empty or not, is never taken for an object.
local function mark_arrays(v, depth)
  if depth > 1100 then return end
  for _, x in pairs(v) do
    if type(x) == "table" then mark_arrays(x, depth + 1) end
  end
  if rawlen(v) > 0 and getmetatable(v) == nil then setmetatable(v, ARRAY_MT) end
end

-- whether decode tells an empty array from an empty object everywhere
M.exact_arrays = core ~= nil and core.decode ~= nil

-- Returns the value, or nil and a message. (Without lua-sops' core, through
-- lua-cjson: there an empty array inside the text reads as an object.)
function M.decode(s)
  if type(s) ~= "string" then return nil, "not a string" end
  if core and core.decode then
    local v, err = core.decode(s)
    if v == nil and err then return nil, err end
    if type(v) == "table" then mark_arrays(v, 0) end
    return v
  end
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

-- A decoder that keeps what Python's json.loads keeps and the others lose:
-- each object's keys in the order written (a key given twice keeps its
-- first place and its last value, as a dict does), in its layout, so that
-- the writers and M.keys give them back in that order. Arrays are marked,
-- numbers as written (an integer, or a float for a fraction or an
-- exponent). For the few answers that print what was sent (jsonschema's
-- messages); slow. Returns the value, or nil and a message.
local ESC = {['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t"}

local function utf8_char(cp)
  if cp >= 0xD800 and cp <= 0xDFFF then
    return string.char(0xED, 0x80 + (cp >> 6) % 64, 0x80 + cp % 64)
  end
  return utf8.char(cp)
end

function M.decode_ordered(s)
  local pos = 1
  local function fail(what) error({what .. " at " .. pos}, 0) end
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local stop = s:find('["\\]', pos)
      if not stop then fail("unterminated string") end
      local run = s:sub(pos, stop - 1)
      if run:find("[%z\1-\31]") then fail("control character in a string") end
      out[#out + 1] = run
      if s:sub(stop, stop) == '"' then
        pos = stop + 1
        return table.concat(out)
      end
      local c = s:sub(stop + 1, stop + 1)
      if c == "u" then
        local hex = s:match("^%x%x%x%x", stop + 2)
        if not hex then fail("bad \\u escape") end
        local cp = tonumber(hex, 16)
        pos = stop + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local low = s:match("^\\u([dD][c-fC-F]%x%x)", pos)
          if low then
            cp = 0x10000 + ((cp - 0xD800) << 10) + (tonumber(low, 16) - 0xDC00)
            pos = pos + 6
          end
        end
        out[#out + 1] = utf8_char(cp)
      elseif ESC[c] then
        out[#out + 1] = ESC[c]
        pos = stop + 2
      else
        fail("bad escape")
      end
    end
  end
  value = function(depth)
    if depth > 1000 then fail("nesting too deep") end
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      pos = pos + 1
      local t, keys, seen = {}, {}, {}
      ws()
      if s:sub(pos, pos) == "}" then
        pos = pos + 1
        return setmetatable(t, {__order = keys})
      end
      while true do
        ws()
        if s:sub(pos, pos) ~= '"' then fail("expected a key") end
        local k = str()
        ws()
        if s:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        local v = value(depth + 1)
        if not seen[k] then
          seen[k] = true
          keys[#keys + 1] = k
        end
        t[k] = v
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "}" then return setmetatable(t, {__order = keys}) end
        if d ~= "," then fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      pos = pos + 1
      local t = setmetatable({}, ARRAY_MT)
      ws()
      if s:sub(pos, pos) == "]" then
        pos = pos + 1
        return t
      end
      while true do
        t[#t + 1] = value(depth + 1)
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "]" then return t end
        if d ~= "," then fail("expected ',' or ']'") end
      end
    elseif c == '"' then
      return str()
    end
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if num and num ~= "" and num ~= "-" then
      pos = pos + #num
      if num:find("[.eE]") then return tonumber(num) end
      return math.tointeger(tonumber(num)) or tonumber(num)
    end
    for word, v in pairs({["true"] = true, ["false"] = false, null = cjson.null}) do
      if s:sub(pos, pos + #word - 1) == word then
        pos = pos + #word
        return v
      end
    end
    fail("unexpected character")
  end
  local ok, v = pcall(function()
    local result = value(0)
    ws()
    if pos <= #s then fail("trailing text") end
    return result
  end)
  if not ok then return nil, type(v) == "table" and v[1] or tostring(v) end
  return v
end

return M
