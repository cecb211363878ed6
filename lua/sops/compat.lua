-- The few things that differ between the runtimes lua-sops runs on (Lua
-- 5.1, 5.3, 5.4, LuaJIT), in one place: the rest of the library is written
-- against this and the subset of Lua they share (luacheck's std "min").
-- luacheck: push ignore 113 143
local M = {}

M.unpack = table.unpack or unpack

local math_type = math.type -- nil before 5.3: one number type

-- "integer", "float", or nil for a non-number; before 5.3, a number with
-- an integral value counts as "integer".
function M.number_type(v)
  if math_type then return math_type(v) end
  if type(v) ~= "number" then return nil end
  return (v == math.floor(v) and v - v == 0) and "integer" or "float"
end

-- Whether the running code may yield (5.1 has no coroutine.isyieldable:
-- there the main thread cannot, any coroutine can).
local isyieldable = coroutine.isyieldable
function M.can_yield()
  if isyieldable then return isyieldable() end
  return coroutine.running() ~= nil
end
-- luacheck: pop

-- The sleep to wait with: ngx.sleep where it may yield (OpenResty request
-- phases, which it does not block), else the core's real sleep.
function M.default_sleep()
  local ngx = rawget(_G, "ngx")
  if ngx and type(ngx.sleep) == "function" and M.can_yield() then
    return ngx.sleep
  end
  return require("sops.core").sleep
end

return M
