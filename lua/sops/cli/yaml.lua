-- YAML for `bksops -o yaml`: the values the JSON decoder makes (tables,
-- strings, numbers, booleans, sops.null) as one YAML document, in block
-- style, keys sorted, {} and [] for empty maps and lists. A string is
-- written plain only when YAML 1.1 and 1.2 readers both take it back as
-- that string (no number, date, boolean or null look-alike, no indicator);
-- else it is double-quoted, every control character escaped, so nothing a
-- terminal acts on is written as it is.
local core = require "sops.core"

local M = {}

-- what YAML 1.1 reads as a boolean or null, in lower case
local RESERVED = {}
for w in ("y n yes no on off true false null"):gmatch("%S+") do RESERVED[w] = true end

-- the longest key written as an implicit key (YAML allows 1024 characters)
local IMPLICIT_KEY = 1000

local ESCAPES = {["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ["\0"] = "\\0"}

local function hex(ch)
  return ESCAPES[ch] or ("\\x%02x"):format(ch:byte())
end

-- s double-quoted: C0 controls, DEL and C1 controls (U+0080 to U+009F) as
-- \xXX, the line and paragraph separators as \L and \P, a BOM as \uFEFF
local function quoted(s)
  s = s:gsub('[%z\1-\31\\"\127]', hex):gsub("\194([\128-\159])", hex)
  s = s:gsub("\226\128\168", "\\L"):gsub("\226\128\169", "\\P"):gsub("\239\187\191", "\\uFEFF")
  return '"' .. s .. '"'
end

-- Whether s reads back as itself, unquoted: it starts with a letter, _,
-- /, $, ( or a character beyond ASCII (not a digit, sign or dot that a
-- number, a date or .inf starts with, nor an indicator), holds no
-- character with a meaning in YAML (: # ' " \ [ ] ! & * | > ? ` ~ < ;),
-- no trailing space, no NBSP, C1 control, separator or BOM.
local function plain(s)
  if s == "" or RESERVED[s:lower()] then return false end
  if not s:find("^[%a_/%$%(\195-\244]") then return false end
  if s:find("[^%w _%./%-%+%(%)%$%{%}=%^,@%%\128-\244]") or s:find(" $") then return false end
  if s:find("\194[\128-\160]") or s:find("\226\128[\168\169]") or s:find("\239\187\191") then return false end
  return true
end

local function is_list(t)
  return getmetatable(t) == core.array_mt or t[1] ~= nil
end

local function string_text(s)
  -- (the strings JSON can write: valid UTF-8, else bad argument as sops.encode says)
  local ok, why = pcall(core.encode, s)
  if not ok then error(why, 0) end
  return plain(s) and s or quoted(s)
end

-- A scalar's text, or an empty table's ({} or []); nil for a table with
-- something in it.
local function scalar(v)
  local kind = type(v)
  if v == core.null or v == nil then return "null" end
  if kind == "boolean" then return tostring(v) end
  if kind == "number" then
    if v ~= v then return ".nan" end
    if v == math.huge then return ".inf" end
    if v == -math.huge then return "-.inf" end
    return core.encode(v)
  end
  if kind == "string" then return string_text(v) end
  if kind == "table" then
    if next(v) == nil then return is_list(v) and "[]" or "{}" end
    return nil
  end
  error("bad argument #1 to 'encode' (" .. kind .. " cannot be written as YAML)", 0)
end

local block

-- The entries of map t, its keys sorted, at `indent` spaces.
local function map(t, indent, out)
  local pad = string.rep(" ", indent)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    local key = string_text(tostring(k))
    local v = t[k]
    local text = scalar(v)
    if #key > IMPLICIT_KEY then
      -- an explicit key: "? KEY" and ": VALUE" on lines of their own
      out[#out + 1] = pad .. "? " .. key
      key = ""
    end
    if text then
      out[#out + 1] = pad .. key .. ": " .. text
    else
      out[#out + 1] = pad .. key .. ":"
      block(v, indent + 2, out)
    end
  end
end

-- The items of list t at `indent` spaces; an item that is a map or a list
-- starts on the line of its "- ".
local function list(t, indent, out)
  local pad = string.rep(" ", indent)
  for i = 1, #t do
    local v = t[i]
    local text = scalar(v)
    if text then
      out[#out + 1] = pad .. "- " .. text
    else
      local first = #out + 1
      block(v, indent + 2, out)
      out[first] = pad .. "- " .. out[first]:sub(indent + 3)
    end
  end
end

function block(v, indent, out)
  if is_list(v) then list(v, indent, out) else map(v, indent, out) end
end

-- encode(value) -> the YAML document, ending in a newline. Raises "bad
-- argument" for what YAML cannot hold (a string that is not UTF-8, a
-- function).
function M.encode(value)
  local text = scalar(value)
  if text then return text .. "\n" end
  local out = {}
  block(value, 0, out)
  return table.concat(out, "\n") .. "\n"
end

return M
