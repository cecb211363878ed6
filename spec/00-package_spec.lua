-- The rockspec installs every module, C source and command in the tree.
local function rockspec()
  local env = {}
  local chunk = assert(loadfile("lua-sops-scm-1.rockspec", "t", env))
  chunk()
  return env
end

local function files(cmd)
  local p = assert(io.popen(cmd))
  local list = {}
  for line in p:lines() do list[#list + 1] = line end
  p:close()
  return list
end

describe("lua-sops-scm-1.rockspec", function()
  local spec = rockspec()

  it("lists every Lua module under lua/", function()
    local listed = {}
    for name, path in pairs(spec.build.modules) do
      if type(path) == "string" then listed[path] = name end
    end
    for _, path in ipairs(files("find lua -name '*.lua' | sort")) do
      local name = path:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
      assert.equal(name, listed[path], path)
    end
  end)

  it("builds the core from every C source", function()
    local sources = {}
    for _, s in ipairs(spec.build.modules["sops.core"].sources) do sources[s] = true end
    for _, path in ipairs(files("ls csrc/*.c")) do
      assert.is_true(sources[path], path)
    end
  end)

  it("installs both commands and declares its dependencies", function()
    assert.equal("bin/sops", spec.build.install.bin.sops)
    assert.equal("bin/sops-sim", spec.build.install.bin["sops-sim"])
    local deps = table.concat(spec.dependencies, " ")
    assert.matches("lua%-cjson", deps)
    assert.matches("luasocket", deps)
    assert.equal("curl/curl.h", spec.external_dependencies.CURL.header)
  end)
end)
