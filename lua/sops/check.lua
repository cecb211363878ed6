-- Argument checks that raise like Lua's own "bad argument" errors, naming
-- the call and the field, at the line of the caller's call.
local core = require "sops.core"
local compat = require "sops.compat"

local M = {}

-- M.id(v) -> the id as an integer | nil, reason. An id is a positive
-- integer, a float holding one exactly (up to 2^53 - 1) or a string of
-- decimal digits, as lua-cjson and the seed docs give them; the core
-- defines it once (csrc/ids.c) for every caller, Lua or C.
local id_of = core.id
M.id = id_of

local function tname(v)
  local t = type(v)
  if t == "number" and compat.number_type(v) == "float" then return "float" end
  return t
end

-- Where an argument mistake is reported: at the first stack frame outside
-- the library's own chunks, whose sources all begin where this file's
-- does (".../sops/"), tail-call marks skipped; the caller's line, however
-- the call went through the library. The C core finds its frame the same
-- way (core.set_root). A method of the core's passing its call to the
-- Lua layer (csrc/method.c) is the library's too. The walk runs only on
-- the error path.
local ROOT = debug.getinfo(1, "S").source:match("^(.*[/\\])") or "@sops/"
core.set_root(ROOT)
local getinfo, sub, is_method = debug.getinfo, string.sub, core.is_method

-- Raises message at the caller's line (see ROOT).
function M.raise(message)
  local level = 2 -- (1 is raise itself)
  while true do
    local info = getinfo(level, "Sf")
    if not info then
      level = 0 -- (the whole stack is the library's: no position)
      break
    end
    if info.what == "C" then
      if not is_method(info.func) then break end
    elseif info.what ~= "tail" and sub(info.source, 1, #ROOT) ~= ROOT then
      break
    end
    level = level + 1
  end
  error(message, level)
end
local raise = M.raise

-- Raises "bad argument #1 to 'call' (field 'name': what)".
function M.fail(call, field, what)
  local where = field and ("field '" .. field .. "': ") or ""
  raise(string.format("bad argument #1 to '%s' (%s%s)", call, where, what))
end

local function is_int(v)
  return compat.number_type(v) == "integer"
end
M.is_int = is_int

-- A W3C trace context: version-traceid-parentid-flags in lowercase hex,
-- neither id all zeros, version ff invalid.
local function is_traceparent(v)
  local version, trace, parent = v:match("^(%x%x)%-(%x+)%-(%x+)%-%x%x$")
  return version ~= nil and #trace == 32 and #parent == 16 and not v:find("%u") and trace:find("[^0]") ~= nil
    and parent:find("[^0]") ~= nil and version ~= "ff"
end

-- Whether v is a completion-callback receiver (sops.callbacks).
function M.is_receiver(v)
  local mt = type(v) == "table" and getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__receiver") == true
end

-- kind: "id" (see M.id), "receiver" (see M.is_receiver), "count" (a positive integer number), "integer"
-- (an integer number from 0), "string",
-- "traceparent" (see is_traceparent), "boolean", "object", "list",
-- "number", "any". Returns nil when v fits, else a description.
function M.mismatch(kind, v)
  if kind == "id" then
    local _, why = id_of(v)
    return why
  elseif kind == "count" then
    if not is_int(v) then return "positive integer expected, got " .. tname(v) end
    if v <= 0 then return "positive integer expected, got " .. tostring(v) end
  elseif kind == "integer" then
    if not is_int(v) then return "integer expected, got " .. tname(v) end
    if v < 0 then return "integer from 0 expected, got " .. tostring(v) end
  elseif kind == "string" then
    if type(v) ~= "string" then return "string expected, got " .. tname(v) end
  elseif kind == "traceparent" then
    if type(v) ~= "string" then return "string expected, got " .. tname(v) end
    if not is_traceparent(v) then return "W3C traceparent expected (00-<32 hex>-<16 hex>-<2 hex>)" end
  elseif kind == "boolean" then
    if type(v) ~= "boolean" then return "boolean expected, got " .. tname(v) end
  elseif kind == "number" then
    if type(v) ~= "number" then return "number expected, got " .. tname(v) end
    if v ~= v then return "number expected, got NaN" end
  elseif kind == "object" then
    if type(v) ~= "table" then return "table expected, got " .. tname(v) end
  elseif kind == "receiver" then
    if not M.is_receiver(v) then
      return "callback receiver expected (sops.callbacks.listen or .shared), got " .. tname(v)
    end
  elseif kind == "list" or kind == "ids" then
    if type(v) ~= "table" then return "table expected, got " .. tname(v) end
    if not M.is_sequence(v) then return "list expected (a table with keys 1 to n only)" end
  end
  return nil
end

-- Whether t holds exactly the keys 1..#t, so that nothing of it is left out
-- when it is sent as a JSON array.
function M.is_sequence(t)
  local n, count = #t, 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

-- what a required field of a kind is, when it is missing
local MISSING = {id = "positive integer", ids = "list of ids"}

-- Checks `args` against `fields` ({name = {kind, required}}). Unknown
-- fields are refused, so a typo does not silently send nothing.
function M.fields(call, args, fields)
  if type(args) ~= "table" then
    raise(string.format("bad argument #1 to '%s' (table expected, got %s)", call, tname(args)))
  end
  for k in pairs(args) do
    if fields[k] == nil then
      raise(string.format("bad argument #1 to '%s' (unknown field '%s')", call, tostring(k)))
    end
  end
  for name, f in pairs(fields) do
    local v = args[name]
    if v == nil then
      if f[2] then
        raise(string.format("bad argument #1 to '%s' (field '%s': %s expected, got nil)", call, name,
          MISSING[f[1]] or f[1]))
      end
    else
      local bad = M.mismatch(f[1], v)
      if bad then
        raise(string.format("bad argument #1 to '%s' (field '%s': %s)", call, name, bad))
      end
    end
  end
end

return M
