-- Shell completion: the scripts `bksops completion bash|zsh|fish` prints,
-- made from the command table, and the candidates `bksops __complete` gets
-- from bk-sops (here bksops-sim) for them: template names, recent task ids,
-- a task's nodes; nothing at all, at once, when it cannot have them. The
-- scripts run in the real shells where they are installed.
local h = require "helpers"
local commands = require "sops.cli.commands"
local completion = require "sops.cli.completion"

local sim

local function sops(args, env)
  return h.run(sim:env(env) .. " " .. h.LUA .. " bin/bksops " .. args)
end

local function lines(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

local function write(path, text, mode)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  if mode then assert(os.execute("chmod " .. mode .. " " .. h.shell_quote(path))) end
end

local function has(command)
  return h.run("command -v " .. command) ~= ""
end

-- the shell words of a Lua list
local function words(list)
  local out = {}
  for i, w in ipairs(list) do out[i] = h.shell_quote(w) end
  return table.concat(out, " ")
end

-- What bash's completion offers for `line` (a list of words, the last one
-- being completed), as COMPREPLY holds it: one entry a line. bksops runs
-- from this checkout against the simulator.
local function bash_complete(line, env)
  local script = string.format("bksops() { %s bin/bksops \"$@\"; }; source <(bksops completion bash); "
    .. "COMP_WORDS=(%s); COMP_CWORD=%d; _bksops; printf '%%s\\n' \"${COMPREPLY[@]}\"", h.LUA, words(line), #line - 1)
  local out, err, code = h.run(sim:env(env) .. " bash -c " .. h.shell_quote(script))
  assert.equal(0, code, err)
  assert.equal("", err)
  return lines(out)
end

local function sorted(list)
  table.sort(list)
  return list
end

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

describe("bksops __complete", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("lists the business's template names, one a line, with the id as their description", function()
    local out, err, code = sops("__complete template")
    assert.equal(0, code, err)
    assert.equal("", err)
    local names = {}
    for _, line in ipairs(lines(out)) do
      local name, about = line:match("^([^\t]+)\t(.+)$")
      assert.truthy(name, line)
      assert.matches("^template %d+$", about)
      names[#names + 1] = name
    end
    assert.is_true(contains(names, "Deploy web app"))
    assert.is_true(contains(names, "Deploy with flaky step"))
    assert.equal(1, #sim:requests_to("/get_template_list/")) -- one request
    -- the start typed so far keeps those that start so
    out = sops("__complete template 'Deploy w'")
    assert.same({"Deploy web app\ttemplate 1", "Deploy with automatic retry\ttemplate 8",
      "Deploy with flaky step\ttemplate 2"}, sorted(lines(out)))
  end)

  it("lists the newest task ids with their names, newest first", function()
    local first = sim:task({template_id = 1, name = "first task"})
    local second = sim:task({template_id = 2, name = "second task"})
    local out, err, code = sops("__complete task")
    assert.equal(0, code, err)
    assert.same({second.task_id .. "\tsecond task", first.task_id .. "\tfirst task"}, lines(out))
    assert.equal("20", sim:requests_to("/get_task_list/")[1].args.limit)
    assert.same({tostring(second.task_id) .. "\tsecond task"}, lines((sops("__complete task " .. second.task_id))))
  end)

  it("lists a task's nodes by the word that names each: its name, else its path, else its short id", function()
    local t = sim:task({template_id = 6, start = true})
    sim:advance(10)
    local out, err, code = sops("__complete node " .. t.task_id)
    assert.equal(0, code, err)
    local by = {}
    for _, line in ipairs(lines(out)) do
      local word, about = line:match("^([^\t]+)\t(.+)$")
      by[word] = about
    end
    assert.matches("^n%x+ %u+$", by.outer)
    assert.matches("^outer/outer step n%x+ %u+$", by["outer step"])
    assert.matches("^outer/inner/inner step n%x+ FAILED$", by["inner step"])
    -- each word names its node for `bksops node`
    for word in pairs(by) do
      local _, nerr, ncode = sops("node " .. t.task_id .. " " .. h.shell_quote(word))
      assert.equal(0, ncode, nerr)
    end
    assert.same({"inner\touter/inner " .. by.inner:match(" (n%x+) ") .. " FAILED",
      "inner step\t" .. by["inner step"]}, lines((sops("__complete node " .. t.task_id .. " inner"))))
  end)

  it("lists the config file's profiles without asking bk-sops", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/bksops"))
    finally(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)
    write(dir .. "/bksops/config", "[default]\nbiz = 2\n\n[staging]\nbiz = 3\n", "600")
    local out, err, code = sops("__complete profile", {BKSOPS_CONFIG = dir .. "/bksops/config"})
    assert.equal(0, code, err)
    assert.same({"default\tprofile", "staging\tprofile"}, lines(out))
    assert.equal(0, #sim:requests())
  end)

  it("asks with the connection options it is given", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(1)
    assert.equal("", (sops("__complete --biz 9 -- node " .. t.task_id)))
    local out = sops("__complete --biz 2 -- node " .. t.task_id)
    assert.matches("^precheck\t", out)
  end)

  describe("prints nothing and exits 0", function()
    local function quiet(args, env)
      local out, err, code = sops(args, env)
      assert.equal(0, code, err)
      assert.equal("", out)
      assert.equal("", err)
    end

    it("offline, unconfigured, refused, or asked what it does not know", function()
      local t = sim:task({template_id = 1})
      local dead = "http://127.0.0.1:" .. h.dead_port() .. "/prod"
      quiet("__complete template", {BK_SOPS_URL = dead})
      quiet("__complete node " .. t.task_id, {BK_SOPS_URL = dead})
      quiet("__complete task", {BK_SOPS_URL = false})
      quiet("__complete task", {BK_BIZ_ID = false})
      quiet("__complete task", {BK_APP_SECRET = "wrong-secret-9"})
      quiet("__complete task", {BKSOPS_PROFILE = "nosuch"})
      quiet("__complete node 999999")
      quiet("__complete node abc")
      quiet("__complete node")
      quiet("__complete nothing")
      quiet("__complete")
      quiet("__complete task --bogus")
      quiet("__complete task --app-secret " .. h.APP_SECRET)
    end)

    it("when bk-sops is slow: it waits 2 s at most, whatever --request-timeout says", function()
      -- The answer is held for a minute, and the request's own timeout
      -- would wait 10: had it waited, the tasks would be listed. (timeout:
      -- a bound on the spec, not a measure.)
      sim:task({template_id = 1})
      sim:fault({kind = "delay", seconds = 60, match = "/get_task_list/"})
      local out, err, code = h.run(sim:env() .. " timeout 20 " .. h.LUA .. " bin/bksops __complete task "
        .. "--request-timeout 600")
      assert.equal(0, code, err)
      assert.equal("", out)
      assert.equal("", err)
      assert.equal(1, #sim:requests_to("/get_task_list/")) -- asked, and not answered in time
    end)
  end)

  it("is no command of --help, README's table or the man page", function()
    assert.is_true(commands.BY_NAME.__complete.hidden)
    local help = sops("--help")
    assert.is_nil(help:find("__complete", 1, true))
    -- (the reference's text tells of it; its table of commands does not)
    local readme = h.read("docs/command.md")
    local table_md = readme:sub(readme:find(require("tools.commands").BEGIN, 1, true),
      readme:find(require("tools.commands").END, 1, true))
    assert.matches("| `bksops completion SHELL` |", table_md, 1, true)
    assert.is_nil(table_md:find("__complete", 1, true))
    assert.is_nil(h.read("share/man/man1/bksops.1"):find("__complete", 1, true))
    for _, shell in ipairs(completion.SHELLS) do
      local script = completion.script(shell)
      -- (the scripts call it, but never offer it)
      for _, line in ipairs(lines(script)) do
        if line:find("__complete", 1, true) then
          assert.is_nil(line:find("'__complete'", 1, true), line)
          assert.is_nil(line:find("__complete)", 1, true), line)
        end
      end
    end
  end)
end)

describe("bksops completion", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("prints the script of bash, zsh and fish; refuses other shells", function()
    for _, shell in ipairs({"bash", "zsh", "fish"}) do
      local out, err, code = sops("completion " .. shell)
      assert.equal(0, code, err)
      assert.equal(completion.script(shell), out)
      -- never the hidden option, never a secret
      assert.is_nil(out:find("--app-secret ", 1, true), shell)
      assert.is_nil(out:find("app-secret'", 1, true), shell)
      assert.is_nil(out:find("-l app-secret ", 1, true), shell)
      assert.is_nil(out:find(h.APP_SECRET, 1, true), shell)
    end
    local _, err, code = sops("completion tcsh")
    assert.equal(2, code)
    assert.matches("SHELL", err, 1, true)
  end)

  describe("in bash", function()
    it("completes commands, options (never --app-secret) and their words", function()
      assert.same({"run"}, bash_complete({"bksops", "ru"}))
      assert.same({"rerun", "resume", "retry", "revoke", "run"}, sorted(bash_complete({"bksops", "r"})))
      assert.is_false(contains(bash_complete({"bksops", ""}), "__complete"))
      assert.same({"--help", "--version"}, sorted(bash_complete({"bksops", "--"})))
      local opts = bash_complete({"bksops", "status", "--"})
      assert.is_true(contains(opts, "--app-secret-file"))
      assert.is_true(contains(opts, "--subprocess"))
      assert.is_false(contains(opts, "--app-secret"))
      assert.same({"--app-secret-file"}, bash_complete({"bksops", "retry", "1", "--app-sec"}))
      assert.same({"json", "yaml", "wide", "name", "field="}, bash_complete({"bksops", "status", "1", "-o", ""}))
      assert.same({"field="}, bash_complete({"bksops", "tasks", "--output", "fi"}))
      assert.same({"apigw", "esb", "system"}, bash_complete({"bksops", "tasks", "--route", ""}))
      -- --option=value, which bash splits at the "="
      assert.same({"apigw"}, bash_complete({"bksops", "tasks", "--route", "=", "ap"}))
      assert.same({"cmdb_biz", "project"}, bash_complete({"bksops", "run", "x", "--scope", ""}))
      assert.same({"revoke"}, bash_complete({"bksops", "wait", "1", "--on-timeout", "r"}))
      assert.same({"failed", "finished"}, bash_complete({"bksops", "tasks", "--state", "f"}))
      assert.same({"bash", "fish", "zsh"}, sorted(bash_complete({"bksops", "completion", ""})))
      assert.same({"list", "show", "use"}, bash_complete({"bksops", "config", ""}))
      assert.same({"get_task_status"}, bash_complete({"bksops", "api", "get_task_st"}))
      assert.same({}, bash_complete({"bksops", "nosuch", ""}))
      assert.equal(0, #sim:requests()) -- none of these asked bk-sops
    end)

    it("completes template names from bk-sops, each one candidate, quoted as it is typed", function()
      sim:control("POST", "templates", {id = 91, name = "Deploy it's $HOME `now`", steps = {{name = "x", duration = 1}}})
      local bare = bash_complete({"bksops", "run", "Deploy\\ w"})
      assert.same({"Deploy\\ web\\ app", "Deploy\\ with\\ automatic\\ retry", "Deploy\\ with\\ flaky\\ step"},
        sorted(bare))
      -- in quotes, as readline completes inside them
      assert.same({"Deploy web app", "Deploy with automatic retry", "Deploy with flaky step"},
        sorted(bash_complete({"bksops", "run", "'Deploy w"})))
      assert.same({"Deploy web app", "Deploy with automatic retry", "Deploy with flaky step"},
        sorted(bash_complete({"bksops", "create", "\"Deploy w"})))
      -- what the shell reads back is the name: the candidate, typed as it is
      local odd = bash_complete({"bksops", "run", "Deploy\\ it"})
      assert.equal(1, #odd)
      local back = h.run("bash -c " .. h.shell_quote("printf '%s' " .. odd[1]))
      assert.equal("Deploy it's $HOME `now`", back)
      odd = bash_complete({"bksops", "run", "\"Deploy it"})
      back = h.run("bash -c " .. h.shell_quote("printf '%s' \"" .. odd[1] .. "\""))
      assert.equal("Deploy it's $HOME `now`", back)
      assert.same({"Deploy\\ web\\ app"}, bash_complete({"bksops", "tasks", "--template", "Deploy\\ we"}))
    end)

    it("completes task ids and a task's node names from bk-sops", function()
      local t = sim:task({template_id = 6, start = true})
      local other = sim:task({template_id = 1})
      sim:advance(10)
      assert.same({tostring(other.task_id), tostring(t.task_id)}, bash_complete({"bksops", "status", ""}))
      assert.same({tostring(other.task_id), tostring(t.task_id)}, bash_complete({"bksops", "wait", "1", ""}))
      local nodes = bash_complete({"bksops", "node", tostring(t.task_id), ""})
      assert.is_true(contains(nodes, "outer\\ step"), table.concat(nodes, ","))
      assert.same({"outer\\ step"}, bash_complete({"bksops", "retry", tostring(t.task_id), "outer\\ s"}))
      assert.same({"outer step"}, bash_complete({"bksops", "logs", tostring(t.task_id), "'outer s"}))
      assert.same({"outer\\ step"}, bash_complete({"bksops", "wait", tostring(t.task_id), "--node", "outer\\ s"}))
      assert.same({"outer\\ step"}, bash_complete({"bksops", "status", tostring(t.task_id), "--subprocess",
        "outer\\ s"}))
      -- the connection options on the line go with the question
      assert.same({}, bash_complete({"bksops", "node", "--biz", "9", tostring(t.task_id), "outer\\ s"}))
      assert.same({"outer\\ step"}, bash_complete({"bksops", "node", "--biz", "=", "2", tostring(t.task_id),
        "outer\\ s"}))
    end)

    it("offers nothing, and says nothing, when bk-sops cannot be reached", function()
      local dead = {BK_SOPS_URL = "http://127.0.0.1:" .. h.dead_port() .. "/prod"}
      assert.same({}, bash_complete({"bksops", "run", ""}, dead))
      assert.same({}, bash_complete({"bksops", "node", "1", ""}, dead))
      assert.same({"run"}, bash_complete({"bksops", "ru"}, dead))
    end)
  end)

  describe("in zsh", function()
    local script = completion.script("zsh")

    it("is a completion function for bksops, loaded from fpath or sourced", function()
      assert.matches("^#compdef bksops\n", script)
      assert.matches("\n  compdef _bksops bksops\n", script, 1, true)
      for _, c in ipairs(commands.LIST) do
        if not c.hidden then
          assert.matches("\n_bksops_command_" .. c.name:gsub("%-", "_") .. "() {", script, 1, true)
          assert.matches("\n    '" .. c.name .. ":", script, 1, true)
        end
      end
      assert.matches("'1:TEMPLATE: _bksops_server template'", script, 1, true)
      assert.matches("'2:NODE: _bksops_server node 1'", script, 1, true)
      assert.matches("'*:TASK: _bksops_server task'", script, 1, true)
      assert.matches("--route=[the route]:ROUTE:(apigw esb system)", script, 1, true)
      assert.is_nil(script:find("--app-secret[=[]"))
    end)

    it("parses, and completes commands, options and names from bk-sops", function()
      if not has("zsh") then return pending("zsh is not installed: its script was checked as text only") end
      local path = os.tmpname()
      write(path, script)
      finally(function() os.remove(path) end)
      local _, err, code = h.run("zsh -n " .. path)
      assert.equal(0, code, err)
      local function complete(line)
        local out, zerr, zcode = h.run(sim:env() .. " timeout 60 zsh -f spec/support/zsh-complete.zsh " .. path
          .. " " .. h.shell_quote("bksops() { " .. h.LUA .. " bin/bksops \"$@\" }") .. " " .. h.shell_quote(line))
        assert.equal(0, zcode, zerr)
        return lines(out)
      end
      assert.same({"run"}, complete("bksops ru"))
      assert.same({"--route"}, complete("bksops run --ro"))
      assert.same({"apigw", "esb", "system"}, sorted(complete("bksops run --route ")))
      local opts = complete("bksops status 1 --app-")
      assert.same({"--app-code", "--app-secret-file"}, sorted(opts))
      assert.same({"Deploy\\ web\\ app", "Deploy\\ with\\ automatic\\ retry", "Deploy\\ with\\ flaky\\ step"},
        sorted(complete("bksops run Deploy\\ w")))
      local t = sim:task({template_id = 6, start = true})
      sim:advance(10)
      assert.same({tostring(t.task_id)}, complete("bksops show "))
      assert.is_true(contains(complete("bksops node " .. t.task_id .. " "), "outer\\ step"))
    end)
  end)

  describe("in fish", function()
    local script = completion.script("fish")

    it("is a list of complete commands for bksops", function()
      assert.matches("\ncomplete %-c bksops %-f\n", script)
      for _, c in ipairs(commands.LIST) do
        if not c.hidden then
          assert.matches("\ncomplete -c bksops -n 'not __bksops_is' -a '" .. c.name .. "' -d ", script, 1, true)
        end
      end
      assert.matches("-n '__bksops_at run 1' -x -a '(__bksops_server template)'", script, 1, true)
      assert.matches("-n '__bksops_at node 2' -k -x -a '(__bksops_server node 1)'", script, 1, true)
      assert.matches(" -l route -x -a 'apigw esb system' ", script, 1, true)
      assert.is_nil(script:find("-l app-secret ", 1, true))
    end)

    it("parses, and completes commands, options and names from bk-sops", function()
      if not has("fish") then return pending("fish is not installed: its script was checked as text only") end
      local path = os.tmpname()
      write(path, script)
      finally(function() os.remove(path) end)
      local _, err, code = h.run("fish -n " .. path)
      assert.equal(0, code, err)
      -- fish's own completion of the line: a candidate, a tab, its description
      local function complete(line)
        local cmd = string.format("function bksops; %s bin/bksops $argv; end; source %s; complete -C %s", h.LUA,
          path, h.shell_quote(line))
        local out, ferr, fcode = h.run(sim:env() .. " fish --no-config -c " .. h.shell_quote(cmd))
        assert.equal(0, fcode, ferr)
        local got = {}
        for _, l in ipairs(lines(out)) do got[#got + 1] = l:match("^[^\t]*") end
        return got
      end
      assert.same({"run"}, complete("bksops ru"))
      assert.same({"--route"}, complete("bksops run --ro"))
      assert.same({"apigw", "esb", "system"}, sorted(complete("bksops run --route ")))
      assert.same({"--app-code", "--app-secret-file"}, sorted(complete("bksops status 1 --app-")))
      assert.same({"Deploy web app", "Deploy with automatic retry", "Deploy with flaky step"},
        sorted(complete("bksops run Deploy\\ w")))
      local t = sim:task({template_id = 6, start = true})
      sim:advance(10)
      assert.same({tostring(t.task_id)}, complete("bksops show "))
      assert.is_true(contains(complete("bksops node " .. t.task_id .. " "), "outer step"))
    end)
  end)
end)
