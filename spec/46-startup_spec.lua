-- Start-up (issue 27): `require "sops"` loads the core and what every call
-- needs, and no more; waiting, progress, the receivers of callbacks,
-- cosockets, keyed creates and pages load on first use, and work then;
-- `bksops --version` and `--help` load neither the client nor any
-- command's module, and a command loads its own. Each case runs in a fresh
-- process of the runtime under test (package.loaded before and after).
-- `make bench-startup` measures what it saves.
local h = require "helpers"
local parser = require "sops.cli.parser"
local commands = require "sops.cli.commands"
local unpack = require("sops.compat").unpack

local sim

-- what `require "sops"` loads: a module added here must be one every call
-- needs (else require it where it is used)
local LIBRARY = {"sops", "sops.api", "sops.attempts", "sops.callbacks", "sops.check", "sops.client",
  "sops.compat", "sops.core", "sops.options", "sops.tree", "sops.version"}

-- what `bksops --version` and `bksops --help` load: the parser and the
-- output, not the client
local COMMAND = {"argparse", "sops.check", "sops.cli", "sops.cli.commands", "sops.cli.context", "sops.cli.output",
  "sops.cli.parser", "sops.cli.render", "sops.cli.times", "sops.compat", "sops.core", "sops.options", "sops.tree",
  "sops.version"}

-- the modules of the commands, each loaded by its commands alone
local COMMAND_MODULES = {"sops.cli.read", "sops.cli.act", "sops.cli.watch", "sops.cli.logs", "sops.cli.tasks",
  "sops.cli.doctor", "sops.cli.config", "sops.cli.completion", "sops.cli.candidates", "sops.cli.yaml",
  "sops.cli.live", "sops.cli.template"}

-- lua-sops' modules (and argparse) among package.loaded's names, sorted
local function ours(names)
  local out = {}
  for _, n in ipairs(names) do
    if n == "argparse" or n == "sops" or n:find("^sops%.") then out[#out + 1] = n end
  end
  table.sort(out)
  return out
end

local function set(list)
  local s = {}
  for _, n in ipairs(list) do s[n] = true end
  return s
end

-- (in the child) the names of package.loaded, space-separated
local LOADED = [[
local function loaded_names()
  local l = {}
  for k in pairs(package.loaded) do l[#l + 1] = k end
  table.sort(l)
  return table.concat(l, " ")
end
]]

local function words_of(line)
  local out = {}
  for w in (line or ""):gmatch("%S+") do out[#out + 1] = w end
  return out
end

-- Runs chunk `code` in a fresh process of the runtime under test, with
-- `url` (the simulator's) and `sops` (required) in scope. The chunk prints
-- what it reports; returns its stdout, stderr and exit code.
local function child(code)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(LOADED, "local url = ...\n", code, "\n")
  f:close()
  local out, err, status = h.run(h.LUA_ENV .. " " .. h.LUA .. " " .. path .. " " .. h.shell_quote(sim and sim.url or ""))
  os.remove(path)
  return out, err, status
end

-- bksops ARGS in a fresh process: stdout, stderr (without the report),
-- exit code, and the modules it had loaded when it exited.
local function bksops(args, env)
  local wrapper = LOADED .. [[
local exit = os.exit
os.exit = function(code) io.stderr:write("\nLOADED ", loaded_names(), "\n") exit(code) end
]]
  local out, err, code = h.run((env or "") .. " " .. h.LUA .. " -e " .. h.shell_quote(wrapper) .. " bin/bksops " .. args)
  local list = err:match("\nLOADED ([^\n]*)\n$")
  assert(list, "no report of the loaded modules: " .. err)
  return out, err:gsub("\nLOADED [^\n]*\n$", ""), code, ours(words_of(list))
end

describe("start-up", function()
  h.use_sim({"--speed", "1000"}, false, function(s) sim = s end, true)

  describe("require \"sops\"", function()
    it("loads the core and what every call needs, and nothing more", function()
      local out, err, code = child([[
local before = loaded_names()
require "sops"
print(before)
print(loaded_names())]])
      assert.equal(0, code, err)
      local before, after = out:match("^([^\n]*)\n([^\n]*)\n$")
      local was = set(words_of(before))
      local new = {}
      for _, n in ipairs(words_of(after)) do
        if not was[n] then new[#new + 1] = n end
      end
      assert.same(LIBRARY, ours(new))
      -- (nothing of lua-sops' was there before)
      assert.same({}, ours(words_of(before)))
    end)

    it("inside nginx (an ngx table) loads the rest too, in init_by_lua and not during a request", function()
      local out, err, code = child([[
ngx = {} -- luacheck: ignore 111
require "sops"
print(loaded_names())]])
      assert.equal(0, code, err)
      local has = set(words_of(out))
      for _, m in ipairs(LIBRARY) do assert.is_true(has[m], m) end
      for _, m in ipairs({"sops.cosocket", "sops.wait", "sops.progress", "sops.keyed", "sops.pages",
          "sops.callbacks.shared"}) do
        assert.is_true(has[m], m)
      end
    end)

    it("and a client's calls load nothing more", function()
      local out, err, code = child([[
local sops = require "sops"
local before = loaded_names()
local c = sops.new{url = url .. "/prod", app_code = "spec-app", app_secret = "spec-secret-0123", username = "admin",
  bk_biz_id = 2}
assert(c:get_template_list{})
assert(c:prepare("create_task", {template_id = 1, name = "x"}).curl)
c:close()
print(before == loaded_names())]])
      assert.equal(0, code, err)
      assert.equal("true\n", out)
    end)
  end)

  describe("what loads on first use, and works then:", function()
    -- a chunk that makes client c and a started task `id` of template 1
    -- (5 simulated seconds), then checks `module` is not loaded, runs
    -- `use`, and prints whether it is loaded after
    local function first_use(module, use)
      local out, err, code = child([[
local sops = require "sops"
local c = sops.new{url = url .. "/prod", app_code = "spec-app", app_secret = "spec-secret-0123", username = "admin",
  bk_biz_id = 2}
local id = assert(c:create_task{template_id = 1, name = "startup"}).task_id
assert(c:start_task{task_id = id})
local module = ]] .. string.format("%q", module) .. [[

assert(package.loaded[module] == nil, module .. " was loaded before its first use")
]] .. use .. [[

print(package.loaded[module] ~= nil and "loaded" or "not loaded")]])
      assert.equal(0, code, err)
      return out
    end

    it("client:wait", function()
      assert.equal("FINISHED\nloaded\n", first_use("sops.wait", [[
local status = assert(c:wait{task_id = id, interval = 0.05})
print(status.state)]]))
    end)

    it("client:wait_all", function()
      assert.equal("FINISHED\nloaded\n", first_use("sops.wait", [[
local results = c:wait_all{task_ids = {id}, interval = 0.05}
print(results[id][1].state)]]))
    end)

    it("sops.wait and sops.wait_all", function()
      assert.equal("FINISHED\nFINISHED\nloaded\n", first_use("sops.wait", [[
local d = sops.configure{url = url .. "/prod", app_code = "spec-app", app_secret = "spec-secret-0123",
  username = "admin", bk_biz_id = 2}
print(assert(sops.wait{task_id = id, interval = 0.05}).state)
print(sops.wait_all{task_ids = {id}, interval = 0.05}[id][1].state)
d:close()]]))
    end)

    it("sops.progress", function()
      assert.equal("true\nloaded\n", first_use("sops.progress", [[
local status = assert(c:get_task_status{task_id = id})
local p = sops.progress(status)
local q = require("sops.progress").progress(status)
print(p.total == q.total and p.finished == q.finished and p.running == q.running and p.total >= 1)]]))
    end)

    it("client:pages", function()
      assert.equal("2\t1\nloaded\n", first_use("sops.pages", [[
local n = 0
local items, pager = c:pages("get_task_list", {limit = 1, max_items = 2})
for _ in items do n = n + 1 end
print(n .. "\t" .. (pager.requests - 1))]]))
    end)

    it("a create with a key, and its prepare", function()
      assert.equal("true\nloaded\n", first_use("sops.keyed", [[
local a = assert(c:create_task{template_id = 1, name = "keyed", key = "startup-1"})
local b = assert(c:create_task{template_id = 1, name = "keyed", key = "startup-1"})
print(a.task_id == b.task_id)]]))
      assert.equal("true\nloaded\n", first_use("sops.keyed", [[
local r = c:prepare("create_task", {template_id = 1, name = "n", key = "k"})
print(r.body:find("n [key:k]", 1, true) ~= nil)]]))
    end)

    it("sops.callbacks.listen", function()
      assert.equal("true\nloaded\n", first_use("sops.callbacks.listener", [[
local r = assert(sops.callbacks.listen{host = "127.0.0.1", port = 0})
print(r:port() > 0)]]))
    end)

    it("sops.callbacks.shared (refused outside nginx, as before)", function()
      assert.equal("true\nloaded\n", first_use("sops.callbacks.shared", [[
local ok, err = pcall(sops.callbacks.shared, {public_url = "http://127.0.0.1:1/cb"})
local ok2, err2 = pcall(require("sops.callbacks.shared").shared, {public_url = "http://127.0.0.1:1/cb"})
local function bare(e) return (tostring(e):gsub("^[^\n]-:%d+: ", "")) end
print(not ok and not ok2 and bare(err) == bare(err2) and bare(err):find("sops.callbacks.shared", 1, true) ~= nil)]]))
    end)

    it("the cosocket transport, when a client asks for it", function()
      assert.equal("true\nloaded\n", first_use("sops.cosocket", [[
local ok, err = pcall(sops.new, {url = url .. "/prod", app_code = "a", app_secret = "b", username = "u",
  transport = "ngx"})
print(not ok and tostring(err):find("'ngx' needs OpenResty", 1, true) ~= nil)]]))
      assert.equal("true\nloaded\n", first_use("sops.cosocket", [[
local d = sops.new{url = url .. "/prod", app_code = "spec-app", app_secret = "spec-secret-0123", username = "admin",
  bk_biz_id = 2, transport = "curl"}
print(d:get_task_status{task_id = id} ~= nil)
d:close()]]))
    end)
  end)

  describe("bksops", function()
    it("--version and --help load the parser, not the client nor any command's module", function()
      for _, args in ipairs({"--version", "--help", "-h", ""}) do
        local out, err, code, loaded = bksops(args)
        assert.same(COMMAND, loaded, args)
        assert.equal(args == "" and 2 or 0, code, args)
        assert.is_true(#out + #err > 0, args)
      end
      -- (libcurl's version from curl_version_info, the number alone: not
      -- curl_version()'s text, which starts LDAP and SASL to write it)
      assert.matches("^%d+%.%d+%.%d+$", require("sops.core").curl_version)
      assert.matches("libcurl " .. require("sops.core").curl_version:gsub("%.", "%%.") .. "%)\n$", (bksops("--version")))
    end)

    it("a command loads its own module, and the client, and not the others'", function()
      local t = sim:task({template_id = 1})
      local out, err, code, loaded = bksops("status " .. t.task_id, sim:env())
      assert.equal(0, code, err)
      assert.matches("CREATED", out)
      local has = set(loaded)
      assert.is_true(has["sops.cli.read"] and has["sops.client"] and has["sops.config"])
      for _, m in ipairs(COMMAND_MODULES) do
        if m ~= "sops.cli.read" then assert.is_nil(has[m], m) end
      end
      assert.is_nil(has["sops.wait"])
      assert.is_nil(has["sops.callbacks.listener"])
      -- and a usage error, the client neither
      local _, uerr, ucode, uloaded = bksops("status abc")
      assert.equal(2, ucode)
      assert.matches("TASK: positive integer expected", uerr)
      assert.is_nil(set(uloaded)["sops.client"])
      assert.is_nil(set(uloaded)["sops.cli.read"])
    end)
  end)

  describe("the parser, made in part", function()
    -- (the whole parser is the reference: what bksops parsed before)
    it("gives every help the whole parser gives", function()
      assert.equal(parser.help(nil, true), parser.help())
      for _, c in ipairs(commands.LIST) do
        assert.equal(parser.help(c.name, true), parser.help(c.name), c.name)
      end
    end)

    it("parses every command line as the whole parser does", function()
      local lines = {{}, {"--version"}, {"--help"}, {"-h"}, {"--help", "status"}, {"status", "--help"},
        {"status", "--version", "1"}, {"--version", "status", "1"}, {"explode", "1"}, {"stat"}, {"--bogus"},
        {"--version=1"}, {"-hv"}, {"--", "status", "1"}, {"-", "status"}, {"status", "-"}, {"status", "1", "2"},
        {"status", "1", "--bogus"}, {"wait", "1", "2", "--timeout", "10m"}, {"wait", "1", "--timeout", "0"},
        {"tasks", "--since", "2h", "--state", "failed"}, {"run", "1", "-c", "a=1", "--wait"},
        {"retry", "1", "n", "--inputs", '{"a": 1}'}, {"completion", "zsh"}, {"completion", "tcsh"},
        {"config", "use", "x"}, {"__complete", "node", "1"}, {"api", "get_task_list", "-p", "limit=3"},
        {"logs", "1", "n", "--follow"}}
      for _, c in ipairs(commands.LIST) do
        lines[#lines + 1] = {c.name}
        lines[#lines + 1] = {c.name, "--help"}
        lines[#lines + 1] = {"--help", c.name, "1"}
      end
      for _, argv in ipairs(lines) do
        local function copy() return {unpack(argv)} end
        assert.same({parser.parse(copy(), true)}, {parser.parse(copy())}, table.concat(argv, " "))
      end
    end)
  end)
end)
