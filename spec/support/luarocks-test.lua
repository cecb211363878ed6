-- `luarocks test [--lua-version=X.Y] lua-sops-scm-1.rockspec [-- FILE...]`:
-- the client rock's specs on the Lua LuaRocks runs this script with (its
-- test section's `script`; LuaRocks builds nothing first and names no Lua
-- but by running it). From the checkout, it
--   1. builds the core for this Lua into build/<runtime> (make all, which
--      installs nothing);
--   2. finds what the spec files need besides: the simulator (Lua 5.3 or
--      later with lua-cjson and luasocket, and its C helpers, built for it)
--      and tmux (the terminal specs);
--   3. runs, each in a busted process of its own on this Lua, the spec files
--      this machine can run, and names those it skipped and why.
-- It never installs a package: SOPS_NO_DEPS=1 turns `make deps` off in every
-- make the specs run. `make test` stays the whole suite, packages included.
-- FILE: spec files to run (default spec/*_spec.lua). SPEC_TIMEOUT: the
-- seconds one file may take (300).

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function succeeded(cmd)
  local ok, _, code = os.execute(cmd)
  if type(ok) == "number" then return ok == 0 end -- 5.1 and LuaJIT
  return ok == true and (code == nil or code == 0)
end

local function say(...) io.stdout:write("luarocks test: ", ...) io.stdout:write("\n") io.stdout:flush() end

-- this interpreter (the first word of the command line) and its runtime name
local n = 0
while arg[n - 1] do n = n - 1 end
local LUA = arg[n]
local jit = rawget(_G, "jit")
local RUNTIME = jit and "luajit" or "lua" .. _VERSION:match("%d+%.%d+")
local BUILD = "build/" .. RUNTIME
local ROOT = arg[0]:match("^(.*)/spec/support/[^/]*$") or "."
local IN_ROOT = "cd " .. quote(ROOT) .. " && export SOPS_NO_DEPS=1 && "
say(LUA, " (", jit and jit.version or _VERSION, ")")

for _, m in ipairs({{"busted.runner", "busted"}, {"cjson", "lua-cjson"}, {"socket", "luasocket"}}) do
  if not pcall(require, m[1]) then
    io.stderr:write("luarocks test: every spec needs ", m[2], ", which ", LUA, " cannot load\n")
    os.exit(1)
  end
end
if not succeeded(IN_ROOT .. "make --no-print-directory all LUA=" .. RUNTIME .. " BUILD=" .. BUILD) then
  io.stderr:write("luarocks test: the core did not build for ", RUNTIME, " (a C compiler, pkg-config and the ",
    "headers of libcurl and of ", RUNTIME, " are needed)\n")
  os.exit(1)
end

local files = {}
for i = 1, #arg do files[i] = arg[i] end
if #files == 0 then
  local p = assert(io.popen("cd " .. quote(ROOT) .. " && ls spec/*_spec.lua"))
  for line in p:lines() do files[#files + 1] = line end
  p:close()
end

-- what a spec file needs besides Lua, by what its text uses
local NEEDS = {
  {name = "the simulator", uses = {"start_sim(", "sim_env(", "use_sim(", "bin/bksops-sim"}},
  {name = "tmux", uses = {'require "support.tmux"'}},
}

-- why each need cannot be met here (nil: it can)
local lacking = {}
local sim_lua
for _, candidate in ipairs({RUNTIME, "lua5.4", "lua5.3"}) do
  if not sim_lua and candidate:find("^lua5%.[34]$")
    and succeeded(candidate .. " -e 'require \"cjson\" require \"socket\"' >/dev/null 2>&1")
    and succeeded(IN_ROOT .. "make --no-print-directory sim SIM_LUA=" .. candidate .. " >/dev/null") then
    sim_lua = candidate
  end
end
if not sim_lua then
  lacking["the simulator"] = "it needs lua5.4 or lua5.3 with lua-cjson and luasocket, and its C helpers built"
end
if not succeeded("command -v tmux >/dev/null 2>&1") then lacking.tmux = "tmux is not installed" end
say("the simulator: ", sim_lua or "none", "; tmux: ", lacking.tmux and "none" or "yes")

local run, skipped = {}, {}
for _, file in ipairs(files) do
  local f = assert(io.open(ROOT .. "/" .. file, "r"), "no spec file " .. file)
  local text = f:read("*a")
  f:close()
  local missing = {}
  for _, need in ipairs(NEEDS) do
    for _, use in ipairs(need.uses) do
      if text:find(use, 1, true) and lacking[need.name] then
        missing[#missing + 1] = need.name
        break
      end
    end
  end
  if #missing > 0 then
    skipped[#skipped + 1] = file .. " (needs " .. table.concat(missing, " and ") .. ")"
  else
    run[#run + 1] = quote(file)
  end
end

-- busted, run by this Lua whatever /usr/bin/busted's first line says
local runner = BUILD .. "/busted.lua"
local f = assert(io.open(ROOT .. "/" .. runner, "w"))
f:write('require "busted.runner"({standalone = false})\n')
f:close()
local ok = #run > 0 and succeeded(IN_ROOT .. "SOPS_SPEC_LUA=" .. quote(RUNTIME) .. " SOPS_SIM_LUA="
  .. quote(sim_lua or "lua5.4") .. " SIM_LUA=" .. quote(sim_lua or "lua5.4") .. " SOPS_SPEC_BUILD=" .. BUILD
  .. " bash spec/support/run-specs "
  .. quote(LUA .. " " .. runner) .. " " .. (tonumber(os.getenv("SPEC_TIMEOUT") or "") or 300) .. " "
  .. table.concat(run, " "))
if #skipped > 0 then
  print(("\nSkipped %d of %d spec files, for what this machine lacks:"):format(#skipped, #files))
  for _, need in ipairs(NEEDS) do
    if lacking[need.name] then print("  " .. need.name .. ": " .. lacking[need.name]) end
  end
  for _, line in ipairs(skipped) do print("  " .. line) end
end
if #run == 0 then print("no spec file can run here") end
os.exit(ok and 0 or 1)
