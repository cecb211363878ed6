-- The two rocks install every module, C source and command in the tree,
-- once; the released rockspecs are the scm ones with the version filled in;
-- every place that shows the version agrees with lua/sops/version.lua.
local h = require "helpers"
local version = require "sops.version"

local function rockspec(path)
  local env = {}
  local chunk
  if setfenv then -- luacheck: ignore 113 (Lua 5.1 and LuaJIT)
    chunk = assert(loadfile(path))
    setfenv(chunk, env) -- luacheck: ignore 113
  else
    chunk = assert(loadfile(path, "t", env))
  end
  chunk()
  return env
end

local read = h.read

local function files(cmd)
  local p = assert(io.popen(cmd))
  local list = {}
  for line in p:lines() do list[#list + 1] = line end
  p:close()
  assert.is_true(#list > 0, cmd .. " listed nothing")
  return list
end

local CLIENT, SIM = "lua-sops-scm-1.rockspec", "lua-sops-sim-scm-1.rockspec"

describe("the rocks", function()
  local client, sim = rockspec(CLIENT), rockspec(SIM)

  it("install every Lua module under lua/, each in one rock: the simulator's in lua-sops-sim", function()
    local listed = {}
    for _, spec in ipairs({client, sim}) do
      for name, path in pairs(spec.build.modules) do
        if type(path) == "string" then
          assert.is_nil(listed[path], path .. " is in both rocks")
          listed[path] = {name = name, rock = spec.package}
        end
      end
    end
    for _, path in ipairs(files("find lua -name '*.lua' | sort")) do
      local name = path:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
      assert.is_table(listed[path], path .. " is in no rock")
      assert.equal(name, listed[path].name, path)
      local want = name:find("^sops%.sim") and "lua-sops-sim" or "lua-sops"
      assert.equal(want, listed[path].rock, path)
    end
  end)

  it("build the core from every C source of csrc/, the simulator's helpers from csrc/sim/", function()
    local sources = {}
    for _, s in ipairs(client.build.modules["sops.core"].sources) do sources[s] = true end
    for _, path in ipairs(files("ls csrc/*.c")) do
      assert.is_true(sources[path], path)
    end
    -- one module a file: csrc/sim/NAME.c is sops.sim.NAME
    for _, path in ipairs(files("ls csrc/sim/*.c")) do
      local name = "sops.sim." .. path:match("([%w_]+)%.c$")
      assert.same({path}, sim.build.modules[name] and sim.build.modules[name].sources, path)
    end
  end)

  it("install one command each; the client's completion and man page go with it", function()
    assert.same({sops = "bin/bksops"}, client.build.install.bin)
    assert.same({"share"}, client.build.copy_directories)
    assert.same({["bksops-sim"] = "bin/bksops-sim"}, sim.build.install.bin)
  end)

  it("depend: the client on Lua and argparse (the command's parser), the simulator on Lua 5.3+, lua-sops, "
    .. "lua-cjson and luasocket", function()
    assert.same({"lua >= 5.1", "argparse >= 0.6"}, client.dependencies)
    assert.same({"lua >= 5.3", "lua-sops >= " .. version.number, "lua-cjson", "luasocket"}, sim.dependencies)
    assert.same({library = "curl"}, client.external_dependencies.CURL)
  end)

  it("are released as the scm rockspecs with the version and its tag filled in", function()
    for _, name in ipairs({"lua-sops", "lua-sops-sim"}) do
      local scm = read(name .. "-scm-1.rockspec")
      local released = read("rockspecs/" .. name .. "-" .. version.number .. "-1.rockspec")
      local want = scm:gsub('\nversion = "scm%-1"\n', '\nversion = "' .. version.number .. '-1"\n')
        :gsub('(\n  url = "git%+https://github.com/lua%-sops/lua%-sops.git",\n)',
          '%1  tag = "v' .. version.number .. '",\n')
      assert.equal(want, released, name .. ": run make rockspecs")
      assert.equal(version.number .. "-1", rockspec("rockspecs/" .. name .. "-" .. version.number .. "-1.rockspec")
        .version)
    end
  end)

  it("pass luarocks lint", function()
    for _, path in ipairs(files("ls *.rockspec rockspecs/*.rockspec")) do
      local _, err, code = h.run("luarocks lint " .. path)
      assert.equal(0, code, path .. ": " .. err)
    end
  end)
end)

describe("the version", function()
  local sops = require "sops"

  it("is the same in sops.VERSION, _VERSION, the changelog and both commands", function()
    assert.matches("^%d+%.%d+%.%d+$", version.number)
    assert.equal(version.number, sops.VERSION)
    assert.equal("lua-sops " .. version.number, sops._VERSION)
    -- the newest release in CHANGELOG.md is this one
    local newest = read("CHANGELOG.md"):match("\n## %[(%d[^%]]*)%] %- %d%d%d%d%-%d%d%-%d%d\n")
    assert.equal(version.number, newest)
    local out, err, code = h.run(h.LUA_ENV .. " " .. h.LUA .. " bin/bksops --version")
    assert.equal(0, code, err)
    assert.matches("^bksops " .. version.number:gsub("%.", "%%.") .. " %(lua%-sops, ", out)
    out, err, code = h.run(h.SIM_LUA .. " bin/bksops-sim --version")
    assert.equal(0, code, err)
    assert.matches("^bksops%-sim " .. version.number:gsub("%.", "%%.") .. " ", out)
  end)

  it("is in the User-Agent, with the runtime", function()
    local s = h.start_sim({"--speed", "0"})
    finally(function() s:stop() end)
    local c = s:client()
    assert(c:get_template_list{})
    local jit = rawget(_G, "jit")
    local runtime = jit and jit.version or _VERSION
    assert.equal("lua-sops/" .. version.number .. " (" .. runtime .. ")", s:last_request().headers["user-agent"])
    c:close()
    s:stop()
  end)
end)
