-- README and the reference in docs/: README opens with the set-up
-- commands, its first script runs as printed pointed at bksops-sim, and so
-- do the examples of docs/; the tables `make docs` makes (sops.new's
-- options in docs/client.md, the calls in docs/calls.md) are what the tools
-- make, and the prose states the numbers the code holds.
local h = require "helpers"

-- README, then every page of docs/
local function all_pages()
  local texts = {h.read("README.md")}
  local p = assert(io.popen("find docs -name '*.md' | sort"))
  for path in p:lines() do texts[#texts + 1] = h.read(path) end
  p:close()
  return table.concat(texts, "\n")
end

local function readme_example()
  local text = h.read("README.md")
  local section = assert(text:match("\n## A first script\n(.-)\n## "), "no '## A first script' in README")
  return assert(section:match("```lua\n(.-)```"), "no lua block under 'A first script'")
end

-- The rows of the table in docs/calls.md: {names, api, required, optional}.
local function call_rows(text)
  local section = assert(text:match("<!%-%- calls:.-<!%-%- end of calls %-%->"), "no calls table in docs/calls.md")
  local rows = {}
  for line in section:gmatch("[^\n]+") do
    local names, api, fields = line:match("^| (%[?`[^|]+) | ([%w_]+)[^|]* | [^|]+ | ([^|]+) |$")
    if names then
      fields = fields:gsub("%b()", "")
      local required, optional = fields:match("^([^;]*);(.*)$")
      if not required then required, optional = fields, "" end
      local row = {names = {}, api = api, required = {}, optional = {}}
      for n in names:gmatch("`([%w_]+)`") do row.names[#row.names + 1] = n end
      for n in required:gmatch("`([%w_]+)`") do row.required[n] = true end
      for n in optional:gmatch("`([%w_]+)`") do row.optional[n] = true end
      rows[#rows + 1] = row
    end
  end
  return rows
end

describe("docs/client.md's table of sops.new's options", function()
  it("is the one `make docs` makes from sops.options", function()
    local options_md = require "tools.options"
    local text = h.read("docs/client.md")
    assert.equal(text, assert(options_md.rewrite(text)), "docs/client.md's options differ from sops.options: run make docs")
  end)

  it("names every option sops.new takes, and nothing else", function()
    local options = require "sops.options"
    local text = h.read("docs/client.md")
    local section = assert(text:match("<!%-%- options:.-<!%-%- end of options %-%->"))
    local named = {}
    for name in section:gmatch("\n| `([%w_]+)` |") do named[#named + 1] = name end
    local want = {}
    for i, row in ipairs(options.LIST) do want[i] = row.name end
    assert.same(want, named)
    -- and sops.new refuses what is not a row
    assert.matches("unknown option 'timeout_ms'", select(2, pcall(require("sops").new, {timeout_ms = 1})), 1, true)
  end)
end)

describe("README's and docs/' prose", function()
  it("states the numbers the code holds (each written once, in its table)", function()
    local text = all_pages()
    local api = require "sops.api"
    local core = require "sops.core"
    local protocol = require "sops.callbacks.protocol"
    local listener = require "sops.callbacks.listener"
    for _, want in ipairs({
      ("`args.limit` items, at most %d, the server's cap"):format(api.BY_NAME.get_task_list.pages.max),
      ("in batches of at most %d ids per business"):format(api.BY_NAME.get_tasks_status.fields.task_id_list.max),
      ("`ngx.thread`s, %d at a time"):format(core.MAX_PARALLEL),
      ("max_pending = %d, ttl = %d"):format(listener.DEFAULTS.max_pending, protocol.TTL),
    }) do
      assert.matches(want, (text:gsub("%s+", " ")), 1, true)
    end
  end)
end)

describe("docs/calls.md's table of calls", function()
  it("is the one `make docs` makes from sops.api", function()
    local calls = require "tools.calls"
    local text = h.read("docs/calls.md")
    assert.equal(text, assert(calls.rewrite(text)), "docs/calls.md's calls differ from sops.api: run make docs")
  end)

  it("lists every call of sops.api, with its api and its fields, and nothing else", function()
    local api = require "sops.api"
    local rows = call_rows(h.read("docs/calls.md"))
    assert.is_true(#rows >= 75)
    local listed = {}
    local COMMON = {traceparent = true}
    for _, row in ipairs(rows) do
      for _, name in ipairs(row.names) do
        local call = api.CALLS[name]
        assert.is_table(call, name .. " is in docs/calls.md but not in sops.api")
        assert.is_nil(listed[name], name .. " is listed twice")
        listed[name] = true
        assert.equal(call.api, row.api, name)
        local required, optional = {}, {}
        for field, f in pairs(call.fields) do
          if not COMMON[field] and not (call.scoped and (field == "bk_biz_id" or field == "scope")) then
            if f[2] then required[field] = true else optional[field] = true end
          end
        end
        if call.fixed then
          for field in pairs(call.fixed) do required[field], optional[field] = nil, nil end
        end
        assert.same(required, row.required, name .. ": required fields")
        assert.same(optional, row.optional, name .. ": optional fields")
      end
    end
    for name in pairs(api.CALLS) do assert.is_true(listed[name], name .. " is missing from docs/calls.md") end
  end)
end)

describe("README and docs/, run", function()
  local sim
  h.use_sim({"--speed", "50"}, false, function(s) sim = s end, true)

  it("opens with make demo and make test", function()
    local head = h.read("README.md"):sub(1, 800)
    assert.matches("make demo", head, 1, true)
    assert.matches("make test", head, 1, true)
  end)

  it("README's 'A first script' works as printed", function()
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
    h.load_in(code, "README", env)()
    assert.matches("^retrying deploy: job execution failed", printed[1])
    assert.equal("FINISHED", printed[#printed])
  end)

  it("docs/errors.md's 'Results and errors' works as printed", function()
    local section = assert(h.read("docs/errors.md"):match("\n## Results and errors\n(.-)\n## "))
    local code = assert(section:match("```lua\n(.-)```"))
    local printed = {}
    local env = setmetatable({print = function(...) printed[#printed + 1] = table.concat({...}, " ") end,
      client = sim:client()}, {__index = _G})
    h.load_in(code, "README", env)()
    env.client:close()
    assert.equal(1, #printed)
    assert.matches("^no such task %(sops: get_task_status: api error 3540400: ", printed[1])
  end)

  -- the lua block that starts with `first`, run with a client of the
  -- simulator's and print captured; returns what it printed
  local function run_block(first, client)
    local text = all_pages()
    local code
    for block in text:gmatch("```lua\n(.-)```") do
      if block:sub(1, #first) == first then code = block end
    end
    assert(code, "no lua block starting with " .. first)
    local printed = {}
    local env = setmetatable({print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      printed[#printed + 1] = table.concat(parts, " ")
    end, client = client, sops = require "sops"}, {__index = _G})
    h.load_in(code, "README", env)()
    return printed
  end

  it("docs/client.md's 'Listings that page' works as printed", function()
    local client = sim:client()
    local t = sim:task({template_id = 1, name = "listed"})
    local printed = run_block("local tasks, pager = client:pages", client)
    local found = false
    for _, line in ipairs(printed) do found = found or line == t.task_id .. " listed" end
    assert.is_true(found)
    -- and a failure ends in error(pager.message), a string
    sim:fault({kind = "status", status = 502, match = "/get_task_list/", count = 1})
    local ok, raised = pcall(run_block, "local tasks, pager = client:pages", client)
    assert.is_false(ok)
    assert.matches("sops: get_task_list: http error", raised, 1, true)
    client:close()
  end)

  it("docs/waiting.md's 'As bk-sops behaves' works as printed: through the automatic retry to the outputs; a node",
    function()
    local client = sim:client()
    -- (whether a poll falls in the 5 s the node reads FAILED is the clock's
    -- affair: spec 33 asserts the retry note on a stepped clock)
    local printed = run_block("local task = assert(client:create_and_start_task{template_id = 8", client)
    assert.equal("${version} 1.0.1", printed[#printed])
    for i = 1, #printed - 1 do assert.matches("^auto_retry bk%-sops will retry node deploy %(", printed[i]) end
    printed = run_block("local approval = assert(client:create_and_start_task{template_id = 3", client)
    assert.matches("^RUNNING n%x+$", printed[1])
    client:close()
  end)

  it("docs/waiting.md's wait_all example works as printed", function()
    local client = sim:client()
    local printed = run_block("local results = client:wait_all{", client)
    table.sort(printed)
    assert.equal(4, #printed)
    -- the simulator has no such tasks: each line is the task and the error's message
    assert.matches("^10 sops: get_tasks_status: api error 3540400: task 10 not found in business 2", printed[1])
    assert.matches("^13 sops: get_tasks_status: ", printed[4])
    client:close()
  end)
end)
