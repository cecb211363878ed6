-- The release of lua-sops, written here and nowhere else: sops.VERSION,
-- sops._VERSION, the User-Agent and `bksops --version` read it, and
-- spec/00-package_spec.lua checks that the rockspecs and CHANGELOG.md agree.
local M = {number = "0.4.0-dev"}

-- "Lua 5.4", or "LuaJIT 2.1.0-beta3" under LuaJIT
local jit = rawget(_G, "jit")
M.runtime = type(jit) == "table" and jit.version or _VERSION

M.user_agent = "lua-sops/" .. M.number .. " (" .. M.runtime .. ")"

return M
