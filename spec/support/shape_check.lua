-- Holds a value to a result shape of sops.shapes: what spec 43 checks every
-- successful answer of bksops-sim with.
--   local checker = shape_check.new()
--   checker:check(value, shape, "get_task_detail")  -> list of problems
--   checker.seen["task_status.ex_data"] == true       fields met so far
-- Field paths are written from the nearest named shape ("task_status.ex_data",
-- "node_status.children.*") or else from the call ("get_task_detail.outputs[].key");
-- shape_check.declared(api) lists every path the shapes declare, the same way.
local shapes = require "sops.shapes"
local compat = require "sops.compat"
local core = require "sops.core"

local M = {}

local function is_list(v)
  if type(v) ~= "table" then return false end
  if getmetatable(v) == core.array_mt then return true end
  local n = 0
  for k in pairs(v) do
    if type(k) ~= "number" then return false end
    n = n + 1
  end
  return n > 0 and n == #v
end

local function is_object(v)
  if type(v) ~= "table" or getmetatable(v) == core.array_mt then return false end
  for k in pairs(v) do
    if type(k) ~= "string" then return false end
  end
  return true
end

local KIND = {
  string = function(v) return type(v) == "string" end,
  integer = function(v) return compat.number_type(v) == "integer" end,
  number = function(v) return type(v) == "number" end,
  boolean = function(v) return type(v) == "boolean" end,
  null = function(v) return v == core.null end,
  any = function(v) return v ~= nil end,
  object = is_object,
  list = is_list,
  none = function(v) return v == true end,
}

local function describe_value(v)
  if v == core.null then return "null" end
  if is_list(v) then return "a list" end
  if is_object(v) then return "an object" end
  return type(v) .. " " .. tostring(v)
end

local Checker = {}
Checker.__index = Checker

function M.new()
  return setmetatable({seen = {}}, Checker)
end

-- problems with v against shape at `path` (base: the named shape or call the
-- path starts from), appended to out
function Checker:walk(v, shape, path, out)
  if type(shape) == "string" then
    local alts = shapes.alternatives(shape)
    -- the first alternative v fits; a named one is walked for its fields
    for _, alt in ipairs(alts) do
      local named = shapes.named(alt)
      if named then
        local probe = {}
        self:walk(v, named, alt, probe)
        if #probe == 0 or #alts == 1 then
          for _, p in ipairs(probe) do out[#out + 1] = p end
          return
        end
      elseif KIND[alt](v) then
        return
      end
    end
    out[#out + 1] = string.format("%s: %s expected, got %s", path, shape, describe_value(v))
    return
  end
  local kind = shape.kind
  if kind == "object" then
    if not is_object(v) then
      out[#out + 1] = string.format("%s: an object expected, got %s", path, describe_value(v))
      return
    end
    local fields, optional = shapes.object_fields(shape)
    for name, f in pairs(fields) do
      -- (a field an `extends` brings is the extended shape's)
      local owner, s = path, shape
      while not (s.fields and s.fields[name] ~= nil) and s.extends do
        owner, s = s.extends, shapes.named(s.extends)
      end
      local fpath = owner .. "." .. name
      if v[name] == nil then
        if not optional[name] then out[#out + 1] = fpath .. ": missing" end
      else
        self.seen[fpath] = true
        self:walk(v[name], f, fpath, out)
      end
    end
    if shape.closed then
      for name in pairs(v) do
        if fields[name] == nil then
          out[#out + 1] = string.format("%s.%s: not in the shape, which is closed", path, tostring(name))
        end
      end
    end
  elseif kind == "list" then
    if not is_list(v) then
      out[#out + 1] = string.format("%s: a list expected, got %s", path, describe_value(v))
      return
    end
    if shape.items then
      for _, item in ipairs(v) do
        self.seen[path .. "[]"] = true
        self:walk(item, shape.items, path .. "[]", out)
      end
    end
  elseif kind == "map" then
    if not is_object(v) then
      out[#out + 1] = string.format("%s: an object (a map) expected, got %s", path, describe_value(v))
      return
    end
    for _, item in pairs(v) do
      self.seen[path .. ".*"] = true
      self:walk(item, shape.values or "any", path .. ".*", out)
    end
  else
    self:walk(v, kind, path, out)
  end
end

-- The problems of value (and response, the envelope) against a call's
-- returns shape; `name` starts the paths.
function Checker:check(value, returns, name, response)
  local out = {}
  self:walk(value, returns, name, out)
  for i, p in ipairs(out) do
    if p:sub(1, #name) ~= name then out[i] = name .. ": " .. p end
  end
  if type(returns) == "table" and returns.envelope then
    for field, f in pairs(returns.envelope) do
      local v = response and response[field]
      if v == nil then
        out[#out + 1] = string.format("%s (envelope).%s: missing", name, field)
      else
        self.seen[name .. " (envelope)." .. field] = true
        self:walk(v, f, name .. " (envelope)." .. field, out)
      end
    end
  end
  return out
end

-- Every field path the shapes declare: those of each endpoint's returns
-- (up to a named shape) and those of each named shape. A set.
function M.declared(api)
  local out = {}
  local function walk(shape, path)
    if type(shape) == "string" then return end -- a kind, or a named shape (walked on its own)
    local kind = shape.kind
    if kind == "object" then
      for name, f in pairs(shape.fields or {}) do
        out[path .. "." .. name] = true
        walk(f, path .. "." .. name)
      end
    elseif kind == "list" then
      if shape.items then
        if type(shape.items) == "table" or shapes.named(shape.items) then out[path .. "[]"] = true end
        walk(shape.items, path .. "[]")
      end
    elseif kind == "map" then
      if type(shape.values) == "table" or shapes.named(shape.values or "") then out[path .. ".*"] = true end
      walk(shape.values or "any", path .. ".*")
    end
    for field in pairs(shape.envelope or {}) do out[path .. " (envelope)." .. field] = true end
  end
  for _, e in ipairs(api.ENDPOINTS) do walk(e.returns, e.name) end
  for name, s in pairs(shapes.NAMED) do walk(s, name) end
  return out
end

return M
