-- The README's first example runs as printed, pointed at sops-sim.
local h = require "helpers"

local function readme_example()
  local text = h.read("README.md")
  local section = text:match("## Using the client\n(.-)\n### ")
  return assert(section:match("```lua\n(.-)```"), "no lua block under 'Using the client'")
end

describe("README", function()
  local sim
  setup(function() sim = h.start_sim({"--speed", "50"}) end)
  teardown(function() sim:stop() end)

  it("opens with make demo and make test", function()
    local head = h.read("README.md"):sub(1, 800)
    assert.matches("make demo", head, 1, true)
    assert.matches("make test", head, 1, true)
  end)

  it("'Using the client' works as printed", function()
    local code = readme_example()
      :gsub('"https://bkapi.example.com/api/bk%-sops/prod"', '"' .. sim.url .. '/prod"')
      :gsub('"my%-app"', '"' .. h.APP_CODE .. '"')
      :gsub('os.getenv%("BK_APP_SECRET"%)', '"' .. h.APP_SECRET .. '"')
      -- the flaky template, so that the retry branch runs; quick polls
      :gsub("template_id = 1", "template_id = 2")
      :gsub("timeout = 600", "timeout = 60, interval = 0.05")
    local printed = {}
    local env = setmetatable({print = function(...) printed[#printed + 1] = table.concat({...}, " ") end},
      {__index = _G})
    local chunk
    if setfenv then -- luacheck: ignore 113 (Lua 5.1 and LuaJIT)
      chunk = assert(loadstring(code, "README")) -- luacheck: ignore 113
      setfenv(chunk, env) -- luacheck: ignore 113
    else
      chunk = assert(load(code, "README", "t", env))
    end
    chunk()
    assert.matches("^retrying deploy: job execution failed", printed[1])
    assert.equal("FINISHED", printed[#printed])
  end)
end)
