-- The two rocks install every module, C source and command in the tree,
-- once; a released rockspec is never edited; at a release commit its
-- rockspecs are the scm ones with the version filled in, between releases
-- the tree says X.Y.Z-dev; every place that shows the version agrees with
-- lua/sops/version.lua.
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

-- X.Y.Z at a release commit; nil between releases (X.Y.Z-dev)
local released_version = version.number:match("^(%d+%.%d+%.%d+)$")

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

  it("install one command each; the client's completion, man page and reference go with it", function()
    assert.same({bksops = "bin/bksops"}, client.build.install.bin)
    assert.same({"share", "docs", "types"}, client.build.copy_directories)
    assert.same({["bksops-sim"] = "bin/bksops-sim"}, sim.build.install.bin)
  end)

  it("install commands that run from the tree they went into, from anywhere, with no environment", function()
    -- the runtime's own Lua version (LuaJIT's rocks are 5.1's); the
    -- simulator's rock needs 5.3 or later
    local lua_version = h.LUA == "luajit" and "5.1" or h.LUA:match("^lua(%d%.%d)$")
    local tree = os.tmpname()
    os.remove(tree)
    finally(function() os.execute("rm -rf " .. h.shell_quote(tree)) end)
    local rocks = {CLIENT}
    if lua_version >= "5.3" then rocks[2] = SIM end
    -- (built in a copy: luarocks make leaves its objects beside the sources)
    assert(os.execute("mkdir -p " .. tree .. "/src && cp -r csrc lua bin share docs types *.rockspec " .. tree .. "/src/"))
    for _, rockspec_file in ipairs(rocks) do
      local _, err, code = h.run("cd " .. tree .. "/src && env -u LD_PRELOAD luarocks --lua-version=" .. lua_version .. " --tree "
        .. tree .. " make --deps-mode=none " .. rockspec_file)
      assert.equal(0, code, err)
    end
    -- no bin/sops: that is getsops/sops' name
    assert.is_nil(io.open(tree .. "/bin/sops"))
    -- share/ in the rock's directory: the completion of each shell, the man page
    local rock = tree .. "/lib/luarocks/rocks-" .. lua_version .. "/lua-sops/scm-1/"
    for _, path in ipairs({"share/bash-completion/completions/bksops", "share/zsh/site-functions/_bksops",
      "share/fish/vendor_completions.d/bksops.fish", "share/man/man1/bksops.1"}) do
      assert.equal(read(path), read(rock .. path))
    end
    -- types/ in it too: the editor definition file workspace.library points at
    assert.equal(read("types/sops.lua"), read(rock .. "types/sops.lua"))
    local clean = "cd / && env -i PATH=/usr/bin:/bin "
    local out, err, code = h.run(clean .. tree .. "/bin/bksops --version")
    assert.equal(0, code, err)
    assert.matches("^bksops " .. version.number:gsub("[%.%-]", "%%%0") .. " %(lua%-sops, Lua " .. lua_version, out)
    -- through a symbolic link elsewhere too
    out, err, code = h.run("ln -s " .. tree .. "/bin/bksops " .. tree .. "/link && " .. clean .. tree .. "/link api --help")
    assert.equal(0, code, err)
    assert.matches("get_task_status", out, 1, true)
    if rocks[2] then
      out, err, code = h.run(clean .. tree .. "/bin/bksops-sim --version")
      assert.equal(0, code, err)
      assert.matches("^bksops%-sim ", out)
    end
    -- luarocks doc opens the reference (with no browser to hand it to, it
    -- prints the page)
    local config = tree .. "/luarocks-config.lua"
    local f = assert(io.open(config, "w"))
    f:write('web_browser = "false"\n')
    f:close()
    out, err, code = h.run("cd / && env -u LD_PRELOAD LUAROCKS_CONFIG=" .. config .. " luarocks --lua-version="
      .. lua_version .. " --tree " .. tree .. " doc lua-sops")
    assert.equal(0, code, err)
    assert.matches("Opening " .. tree:gsub("%p", "%%%0") .. "/lib/luarocks/rocks%-" .. lua_version:gsub("%.", "%%.")
      .. "/lua%-sops/[^/]+/docs/index%.md", out)
    assert.matches("\n# lua-sops reference\n", out, 1, true)
  end)

  it("luarocks test: the specs on the Lua given, skipping and naming those that need what is missing, "
    .. "installing nothing", function()
    local lua_version = h.LUA == "luajit" and "5.1" or h.LUA:match("^lua(%d%.%d)$")
    -- a machine with no Lua 5.3 or 5.4 (so no simulator), where apt-get only
    -- records that it was called
    local shim = os.tmpname()
    os.remove(shim)
    finally(function() os.execute("rm -rf " .. h.shell_quote(shim)) end)
    assert(os.execute("mkdir -p " .. shim))
    for _, name in ipairs({"apt-get", "apt", "dpkg"}) do
      local f = assert(io.open(shim .. "/" .. name, "w"))
      f:write("#!/bin/sh\necho \"$0 $*\" >> " .. shim .. "/called\nexit 1\n")
      f:close()
    end
    if lua_version ~= "5.3" and lua_version ~= "5.4" then
      for _, name in ipairs({"lua5.3", "lua5.4"}) do
        local f = assert(io.open(shim .. "/" .. name, "w"))
        f:write("#!/bin/sh\nexit 127\n")
        f:close()
      end
    end
    os.execute("chmod +x " .. shim .. "/*")
    local out, err, code = h.run("env -u LD_PRELOAD PATH=" .. shim .. ":$PATH luarocks test --lua-version="
      .. lua_version .. " " .. CLIENT .. " spec/10-core_json_spec.lua spec/12-calls_spec.lua")
    assert.equal(0, code, out .. err)
    assert.matches("luarocks test: /usr/bin/lua" .. lua_version .. " (Lua " .. lua_version .. ")", out, 1, true)
    assert.matches("passed, 0 failed[^\n]* in spec/10%-core_json_spec%.lua", out)
    if lua_version == "5.3" or lua_version == "5.4" then
      assert.matches("passed, 0 failed in spec/12-calls_spec.lua", out, 1, true)
    else
      assert.matches("Skipped 1 of 2 spec files, for what this machine lacks:\n  the simulator: it needs lua5.4 or "
        .. "lua5.3", out, 1, true)
      assert.matches("  spec/12-calls_spec.lua (needs the simulator)", out, 1, true)
    end
    assert.is_nil(io.open(shim .. "/called"), "a package tool was called")
  end)

  it("depend: the client on Lua and argparse (the command's parser), the simulator on Lua 5.3+, lua-sops, "
    .. "lua-cjson and luasocket", function()
    assert.same({"lua >= 5.1", "argparse >= 0.6"}, client.dependencies)
    assert.equal("lua >= 5.3", sim.dependencies[1])
    assert.matches("^lua%-sops >= %d+%.%d+%.%d+$", sim.dependencies[2])
    assert.same({"lua-cjson", "luasocket"}, {sim.dependencies[3], sim.dependencies[4]})
    assert.same({library = "curl"}, client.external_dependencies.CURL)
  end)
end)


describe("the released rockspecs", function()
  -- rockspecs/SHA256SUMS: "<sha256>  <file>" for each, in release order
  local function sums()
    local out = {}
    for line in read("rockspecs/SHA256SUMS"):gmatch("[^\n]+") do
      local sum, file = line:match("^(%x+)  (%S+)$")
      assert.is_string(file, "rockspecs/SHA256SUMS: " .. line)
      assert.is_nil(out[file], file .. " twice in rockspecs/SHA256SUMS")
      out[file] = sum
    end
    return out
  end

  it("are never edited: each is the file its release recorded in rockspecs/SHA256SUMS", function()
    local recorded = sums()
    local present = {}
    for _, path in ipairs(files("ls rockspecs/*.rockspec")) do
      local file = path:match("([^/]+)$")
      present[file] = true
      assert.is_string(recorded[file], file .. " is not recorded in rockspecs/SHA256SUMS (make release writes it)")
      local out = h.run("sha256sum " .. path)
      assert.equal(recorded[file], out:match("^(%x+)"), file .. " was edited after its release: "
        .. "restore it, and make a packaging fix a new revision (-2) or version")
    end
    for file in pairs(recorded) do assert.is_true(present[file], file .. " is recorded but missing") end
  end)

  it("each say their own version, and the client's and the simulator's go together", function()
    for file in pairs(sums()) do
      local rock, ver = file:match("^(lua%-sops%-?s?i?m?)%-(%d+%.%d+%.%d+%-%d+)%.rockspec$")
      assert.is_string(ver, file)
      local spec = rockspec("rockspecs/" .. file)
      assert.equal(rock, spec.package, file)
      assert.equal(ver, spec.version, file)
      assert.equal("v" .. ver:match("^(.*)%-%d+$"), spec.source.tag, file)
      local other = rock == "lua-sops" and "lua-sops-sim" or "lua-sops"
      assert.is_true(io.open("rockspecs/" .. other .. "-" .. ver .. ".rockspec") ~= nil, file .. " alone")
    end
  end)

  it("of 0.2.0 are what 0.2.0 shipped (f2c21c6): no argparse, none of the later modules", function()
    local c = rockspec("rockspecs/lua-sops-0.2.0-1.rockspec")
    assert.same({"lua >= 5.1"}, c.dependencies)
    assert.same({sops = "bin/sops"}, c.build.install.bin)
    assert.equal("lua/sops/cli/args.lua", c.build.modules["sops.cli.args"])
    assert.is_nil(c.build.modules["sops.callbacks"])
    assert.is_nil(c.build.modules["sops.cosocket"])
  end)

  it("of this release, at a release commit, are the scm rockspecs with the version and tag filled in",
    function()
    if not released_version then
      assert.matches("^%d+%.%d+%.%d+%-dev$", version.number)
      return
    end
    for _, name in ipairs({"lua-sops", "lua-sops-sim"}) do
      local scm = read(name .. "-scm-1.rockspec")
      local released = read("rockspecs/" .. name .. "-" .. version.number .. "-1.rockspec")
      local want = scm:gsub('\nversion = "scm%-1"\n', '\nversion = "' .. version.number .. '-1"\n')
        :gsub('(\n  url = "git%+https://github.com/lua%-sops/lua%-sops.git",\n)',
          '%1  tag = "v' .. version.number .. '",\n')
        :gsub('\n  "lua%-sops >= [%d.]+",\n', '\n  "lua-sops >= ' .. version.number .. '",\n')
      assert.equal(want, released, name .. ": the release's rockspec is not the scm one of its commit")
    end
  end)

end)

describe("make release", function()
  it("writes the version, the CHANGELOG heading, the rockspecs and their sums; make dev opens the next",
    function()
    local dir = os.tmpname()
    os.remove(dir)
    local function sh(cmd) return h.run("cd " .. dir .. " && " .. cmd) end
    assert(os.execute("mkdir -p " .. dir .. "/lua/sops " .. dir .. "/scripts && cp -r scripts/release "
      .. dir .. "/scripts/ && cp lua/sops/version.lua " .. dir .. "/lua/sops/ && cp -r CHANGELOG.md *.rockspec "
      .. "rockspecs " .. dir .. "/"))
    finally(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)
    local next_version = version.number:match("^(%d+%.%d+%.%d+)") or "9.9.9"
    if released_version then
      -- (at a release commit: open 9.9.9 first)
      next_version = "9.9.9"
      assert.equal(0, select(3, sh("bash scripts/release --dev 9.9.9")))
    end
    -- a version already released, or another than the tree's -dev, is refused
    local _, err, code = sh("bash scripts/release 0.2.0")
    assert.equal(1, code)
    assert.matches("0.2.0 is released", err, 1, true)
    _, err, code = sh("bash scripts/release 8.8.8")
    assert.equal(1, code)
    assert.matches("not 8.8.8-dev", err, 1, true)
    _, err, code = sh("bash scripts/release 1.2")
    assert.equal(2, code)
    assert.matches("usage: make release VERSION=X.Y.Z", err, 1, true)
    local out
    out, err, code = sh("bash scripts/release " .. next_version)
    assert.equal(0, code, err)
    assert.matches("released " .. next_version, out, 1, true)
    assert.matches('number = "' .. next_version .. '"', read(dir .. "/lua/sops/version.lua"), 1, true)
    local changelog = read(dir .. "/CHANGELOG.md")
    assert.matches("\n## %[" .. next_version:gsub("%.", "%%.") .. "%] %- %d%d%d%d%-%d%d%-%d%d\n", changelog)
    assert.is_nil(changelog:find("## [Unreleased]", 1, true))
    assert.matches("\n%[" .. next_version:gsub("%.", "%%.") .. "%]: https://github%.com/lua%-sops/lua%-sops/compare/v"
      .. "[%d.]+%.%.%.v" .. next_version:gsub("%.", "%%.") .. "\n", changelog)
    assert.is_nil(changelog:find("[Unreleased]:", 1, true))
    for _, rock in ipairs({"lua-sops", "lua-sops-sim"}) do
      local file = rock .. "-" .. next_version .. "-1.rockspec"
      local spec = rockspec(dir .. "/rockspecs/" .. file)
      assert.equal(next_version .. "-1", spec.version)
      assert.equal("v" .. next_version, spec.source.tag)
      assert.matches(file, read(dir .. "/rockspecs/SHA256SUMS"), 1, true)
      assert.equal(0, select(3, h.run("luarocks lint " .. dir .. "/rockspecs/" .. file)))
    end
    assert.equal("lua-sops >= " .. next_version, rockspec(dir .. "/rockspecs/lua-sops-sim-" .. next_version
      .. "-1.rockspec").dependencies[2])
    assert.equal(0, select(3, sh("cd rockspecs && sha256sum -c --quiet SHA256SUMS")))
    -- twice is refused; make dev opens the next version
    assert.equal(1, select(3, sh("bash scripts/release " .. next_version)))
    out, err, code = sh("bash scripts/release --dev 10.0.0")
    assert.equal(0, code, err)
    assert.equal("the tree is 10.0.0-dev\n", out)
    assert.matches('number = "10.0.0-dev"', read(dir .. "/lua/sops/version.lua"), 1, true)
    changelog = read(dir .. "/CHANGELOG.md")
    assert.matches("\n## %[Unreleased%]\n\n## %[" .. next_version:gsub("%.", "%%.") .. "%]", changelog)
    assert.matches("\n%[Unreleased%]: https://github%.com/lua%-sops/lua%-sops/compare/v"
      .. next_version:gsub("%.", "%%.") .. "%.%.%.HEAD\n%[" .. next_version:gsub("%.", "%%.") .. "%]: ", changelog)
  end)
end)

describe("every rockspec", function()
  it("passes luarocks lint", function()
    for _, path in ipairs(files("ls *.rockspec rockspecs/*.rockspec")) do
      local _, err, code = h.run("luarocks lint " .. path)
      assert.equal(0, code, path .. ": " .. err)
    end
  end)
end)

describe("the version", function()
  local sops = require "sops"

  it("is the same in sops.VERSION, _VERSION, the changelog and both commands", function()
    assert.equal(version.number, sops.VERSION)
    assert.equal("lua-sops " .. version.number, sops._VERSION)
    local changelog = read("CHANGELOG.md")
    local top = changelog:match("\n## %[([^%]]*)%]")
    if released_version then
      -- a release commit: its rockspecs are there, and it is CHANGELOG's newest
      assert.equal(version.number, top)
      assert.matches("\n## %[" .. version.number:gsub("%.", "%%.") .. "%] %- %d%d%d%d%-%d%d%-%d%d\n", changelog)
      assert.is_truthy(io.open("rockspecs/lua-sops-" .. version.number .. "-1.rockspec"))
    else
      -- between releases: the next version's -dev, never the last release's number, and its changes
      -- under Unreleased
      local next_version = assert(version.number:match("^(%d+%.%d+%.%d+)%-dev$"), version.number)
      assert.equal("Unreleased", top)
      assert.is_nil(io.open("rockspecs/lua-sops-" .. next_version .. "-1.rockspec"))
      assert.is_nil(changelog:find("\n## [" .. next_version .. "]", 1, true))
    end
    local out, err, code = h.run(h.LUA_ENV .. " " .. h.LUA .. " bin/bksops --version")
    assert.equal(0, code, err)
    assert.matches("^bksops " .. version.number:gsub("[%.%-]", "%%%0") .. " %(lua%-sops, ", out)
    out, err, code = h.run(h.SIM_LUA .. " bin/bksops-sim --version")
    assert.equal(0, code, err)
    assert.matches("^bksops%-sim " .. version.number:gsub("[%.%-]", "%%%0") .. " ", out)
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
