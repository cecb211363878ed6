-- The reference in docs/: the pages `make docs` makes are what the tools
-- make from lua/sops/api.lua, lua/sops/shapes.lua and tools/about.lua; the
-- index names every method of the client and every function of the
-- module; every link of README and docs/ leads to a page and a heading that
-- exist; README stays short, and every section the single README had is a
-- click away from it.
local h = require "helpers"
local api = require "sops.api"
local sops = require "sops"
local reference = require "tools.reference"
local about = require "tools.about"

local function sorted(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- GitHub's anchor of a heading: lower case, punctuation but - and _ left
-- out, spaces as -
local function anchor(heading)
  return (heading:lower():gsub("[^%w%s_%-]", ""):gsub("%s", "-"))
end

-- the anchors of a Markdown page: its headings' (outside code blocks)
local function anchors(text)
  local out, fenced = {}, false
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("^```") then fenced = not fenced end
    local heading = not fenced and line:match("^#+%s+(.-)%s*$")
    if heading then out[anchor(heading)] = true end
  end
  return out
end

-- the pages: README.md and every .md under docs/
local function pages()
  local list = {"README.md", "CONTRIBUTING.md"}
  local p = assert(io.popen("find docs -name '*.md' | sort"))
  for path in p:lines() do list[#list + 1] = path end
  p:close()
  return list
end

describe("the reference's generated pages", function()
  it("are what make docs makes: each call's entry, the shared shapes", function()
    for _, page in ipairs(reference.pages()) do
      assert.equal(page[2], h.read(page[1]), page[1] .. " differs from what make docs makes: run make docs")
    end
  end)

  it("include the index of methods make docs makes", function()
    local text = h.read("docs/index.md")
    assert.equal(text, assert(reference.rewrite(text)), "docs/index.md's methods differ: run make docs")
  end)

  it("give every call of sops.api an entry: a syntax line, its fields, what it returns", function()
    for name, call in pairs(api.CALLS) do
      local page = h.read(reference.group_path(api.BY_NAME[call.api].group))
      local entry = page:match("\n## " .. name:gsub("_", "%%_") .. "\n(.-)\n## ") or
        page:match("\n## " .. name:gsub("_", "%%_") .. "\n(.*)$")
      assert.is_string(entry, name .. " has no entry")
      assert.matches("`syntax: value, message, err = client:" .. name .. "{", entry, 1, true)
      assert.matches("**Fields**", entry, 1, true)
      assert.matches("**Returns**", entry, 1, true)
      for field in pairs(call.fields) do
        if not (call.fixed and call.fixed[field]) then
          assert.matches("| `" .. field .. "` |", entry, 1, true)
        end
      end
    end
  end)

  it("say what each call does: tools/about.lua has a sentence for every call, and for no other name", function()
    assert.same(sorted(api.CALLS), sorted(about))
  end)
end)

describe("the index of methods", function()
  it("names each of the client's methods that is not a call, and no other", function()
    local c = sops.new{url = "http://127.0.0.1:1/prod", app_code = "a", app_secret = "b", username = "u"}
    local methods = {}
    for name in pairs(getmetatable(c).__index) do
      if not api.CALLS[name] then methods[name] = true end
    end
    c:close()
    local listed = {}
    for _, m in ipairs(reference.METHODS) do listed[m[1]] = true end
    assert.same(sorted(methods), sorted(listed))
  end)

  it("names each of the module's functions that is not a call, and no other", function()
    local functions = {}
    for name, v in pairs(sops) do
      if not api.CALLS[name] and (type(v) == "function" or name == "callbacks" or name == "states") then
        functions[name] = true
      end
    end
    local listed = {}
    for _, m in ipairs(reference.FUNCTIONS) do listed[m[1]] = true end
    assert.same(sorted(functions), sorted(listed))
  end)
end)

describe("the links of README and docs/", function()
  it("lead to pages that exist, and to headings they have", function()
    local broken = {}
    for _, path in ipairs(pages()) do
      local dir = path:match("^(.*/)") or ""
      local text, fenced = h.read(path), false
      for line in (text .. "\n"):gmatch("([^\n]*)\n") do
        if line:match("^```") then fenced = not fenced end
        if not fenced then
          for target in line:gmatch("%]%(([^)%s]+)%)") do
            if not target:match("^%a+:") then
              local file, frag = target:match("^([^#]*)#?(.*)$")
              local full = file == "" and path or (dir .. file)
              if not exists(full) then
                broken[#broken + 1] = path .. ": " .. target .. " (no such file)"
              elseif frag ~= "" and full:match("%.md$") and not anchors(h.read(full))[frag] then
                broken[#broken + 1] = path .. ": " .. target .. " (no such heading)"
              end
            end
          end
        end
      end
    end
    assert.same({}, broken)
  end)
end)

describe("README", function()
  it("is read in five minutes: under 250 lines", function()
    local _, lines = h.read("README.md"):gsub("\n", "")
    assert.is_true(lines < 250, lines .. " lines")
  end)

  it("reaches every section the single README had in one click", function()
    -- the headings of README before docs/ (0.4.0), and where each went
    local WENT = {
      ["Installing with LuaRocks"] = "docs/install.md", ["Versions and runtimes"] = "docs/install.md",
      ["Using the client"] = "README.md", ["`sops.new(options)`"] = "docs/client.md", ["Calls"] = "docs/calls.md",
      ["Tasks"] = "docs/calls/tasks.md", ["Nodes"] = "docs/calls/nodes.md",
      ["Templates"] = "docs/calls/templates.md", ["Periodic and clocked tasks"] = "docs/calls/periodic.md",
      ["Plugins"] = "docs/calls/plugins.md", ["Projects"] = "docs/calls/projects.md",
      ["Results and errors"] = "docs/errors.md", ["Never twice"] = "docs/errors.md",
      ["Once per key"] = "docs/errors.md", ["Retries"] = "docs/errors.md",
      ["Hooks, trace context and dry runs"] = "docs/client.md", ["Waiting for tasks"] = "docs/waiting.md",
      ["As bk-sops behaves"] = "docs/waiting.md", ["Tree helpers"] = "docs/waiting.md",
      ["OpenResty"] = "docs/openresty.md", ["Completion callbacks"] = "docs/callbacks.md",
      ["In a plain Lua process"] = "docs/callbacks.md", ["In OpenResty"] = "docs/callbacks.md",
      ["The `bksops` command"] = "docs/command.md", ["Demo and examples"] = "docs/examples.md",
      ["Performance"] = "docs/performance.md", ["Simulator"] = "docs/simulator.md",
      ["Routes"] = "docs/simulator.md", ["Endpoints"] = "docs/simulator.md",
      ["Control API"] = "docs/simulator.md", ["The completion callbacks it sends"] = "docs/simulator.md",
      ["Known differences from a real server"] = "docs/simulator.md",
      ["Multi-tenant BlueKing and app-state calls"] = "docs/multi-tenant.md",
    }
    local readme = h.read("README.md")
    local linked = {}
    for target in readme:gmatch("%]%(([^)%s#]+)[^)%s]*%)") do linked[target] = true end
    for heading, page in pairs(WENT) do
      if page ~= "README.md" then
        assert.is_true(linked[page], heading .. ": README has no link to " .. page)
        -- (a page's own title stands for a section that became the page)
        local words = heading:gsub("`", ""):gsub("^The ", ""):lower()
        assert.matches(words, h.read(page):lower():gsub("`", ""), 1, true)
      end
    end
    -- the page titles are the sections' names, or what README links them as
    assert.matches("[Calls](docs/calls.md)", readme, 1, true)
  end)
end)

describe("docs/fidelity.md", function()
  -- its last column names the specs that hold each behaviour: NN "test
  -- name" (a trailing "..." cuts a long name), then more names of NN
  it("names tests that exist, in the spec files it numbers", function()
    local specs = {}
    local p = assert(io.popen("ls spec/*_spec.lua"))
    for f in p:lines() do specs[f:match("^spec/(%d+)%-")] = h.read(f) end
    p:close()
    local missing, seen = {}, 0
    for line in h.read("docs/fidelity.md"):gmatch("[^\n]+") do
      local last = line:match("^|.*|%s*([^|]*)|%s*$")
      local number
      for n, name in (last or ""):gmatch('(%d*)%s*"([^"]*)"') do
        if n ~= "" then number = n end
        if number then
          seen = seen + 1
          local text = name:gsub(",? ?%.%.%.$", "")
          if not (specs[number] and specs[number]:find(text, 1, true)) then
            missing[#missing + 1] = number .. ' "' .. name .. '"'
          end
        end
      end
    end
    assert.is_true(seen > 50, seen .. " references")
    assert.same({}, missing)
  end)
end)
