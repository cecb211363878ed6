-- The everyday job with the bksops command alone, as a person and as a
-- script: find a template, run it with constants, watch it, see which
-- node failed and why, retry it by name with new inputs, wait for the end.
-- And where the command finds its connection: profiles, secret files.
local h = require "helpers"

local sim

local function sops(args, env)
  return h.run(sim:env(env) .. " " .. h.LUA .. " bin/bksops " .. args)
end

-- the state-changing requests the simulator saw
local function sent(name)
  local out = {}
  for _, r in ipairs(sim:requests()) do
    if r.path:find("/" .. name .. "/", 1, true) then out[#out + 1] = r end
  end
  return out
end

local function write(path, text, mode)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  if mode then assert(os.execute("chmod " .. mode .. " " .. h.shell_quote(path))) end
end

describe("bksops, the whole job", function()
  h.use_sim({"--speed", "50"}, false, function(s) sim = s end)

  it("a person: find, run with constants, watch, see why, retry by name with new inputs, wait", function()
    local out, err, code = sops("templates --keyword flaky --no-headers")
    assert.equal(0, code, err)
    assert.matches("^2%s+OpsTools%s+Deploy with flaky step\n$", out)

    out, err, code = sops("run 'Deploy with flaky step' -c version=2.0.0 --wait --interval 0.05")
    assert.equal(1, code, err)
    local id = tonumber(out:match("^task (%d+) created: Deploy with flaky step_%d+\n"))
    assert.is_number(id, out)
    assert.matches("failed node deploy %(n%x+%): job execution failed: step%[1%] exit code 1 on 10%.0%.0%.12\n", out)
    assert.matches("task " .. id .. " ended FAILED\n$", out)
    local create = sent("create_task")
    assert.equal(1, #create)
    local body = h.decode(create[1].body)
    assert.same({["${version}"] = "2.0.0"}, body.constants)
    assert.equal("/prod/create_task/2/2/", create[1].path)
    assert.equal(1, #sent("start_task"))

    out = sops("show " .. id)
    assert.matches("^task " .. id .. "  Deploy with flaky step_%d+  FAILED  ", out)
    assert.matches("\nconstants:\n  ${version}%s+version%s+2%.0%.0\n", out)

    out, err, code = sops("node " .. id .. " deploy")
    assert.equal(0, code, err)
    assert.matches("^node deploy %(n%x+%)  FAILED", out)
    assert.matches("\ninputs:\n  version%s+2%.0%.0\n", out)
    assert.matches("\nerror:\n  job execution failed: step%[1%] exit code 1 on 10%.0%.0%.12\n", out)

    out, err, code = sops("retry " .. id .. " deploy --inputs '{\"version\": \"2.0.1\"}'")
    assert.equal(0, code, err)
    assert.matches("^task " .. id .. ": node deploy %(n%x+%) retried with new inputs\n$", out)
    local retry = sent("operate_node")
    assert.equal(1, #retry)
    assert.same({version = "2.0.1"}, h.decode(retry[1].body).inputs)

    out, err, code = sops("wait " .. id .. " --interval 0.05")
    assert.equal(0, code, err)
    assert.matches("task " .. id .. " ended FINISHED\n$", out)
    out = sops("node " .. id .. " deploy")
    assert.matches("\nhistory:\n  #1 FAILED  ", out) -- the failed attempt, kept
  end)

  it("a script: the same with --json, --events and exit codes", function()
    local out, _, code = sops("templates --keyword flaky --json")
    assert.equal(0, code)
    local template = h.decode(out)[1]
    assert.equal("Deploy with flaky step", template.name)

    out, _, code = sops(string.format("run %d --constants '{\"${version}\": \"3\"}' --name 'nightly 3' --json",
      template.id))
    assert.equal(0, code)
    local task = h.decode(out)
    assert.equal("nightly 3", task.name)
    assert.is_number(task.task_id)
    assert.matches("instance_id=" .. task.task_id, task.task_url, 1, true)

    local err
    out, err, code = sops("wait " .. task.task_id .. " --interval 0.05 --json --events")
    assert.equal(1, code)
    assert.equal("FAILED", h.decode(out).state) -- one document, nothing after it
    -- stderr: a JSON object a line for each change, then the human line
    local events, human = {}, {}
    for line in err:gmatch("[^\n]+") do
      if line:sub(1, 1) == "{" then events[#events + 1] = h.decode(line) else human[#human + 1] = line end
    end
    assert.is_true(#events >= 4, err)
    local last_task, deploy_failed
    for _, ev in ipairs(events) do
      assert.equal(task.task_id, ev.task_id)
      assert.is_number(ev.at)
      if not ev.node_id then last_task = ev.to end
      if ev.name == "deploy" and ev.to == "FAILED" then deploy_failed = ev end
    end
    assert.equal("FAILED", last_task)
    assert.truthy(deploy_failed)
    assert.same({"task " .. task.task_id .. " ended FAILED"}, human)

    out, _, code = sops("retry " .. task.task_id .. " --failed --json")
    assert.equal(0, code)
    assert.same({task_id = task.task_id, retried = {deploy_failed.node_id}}, h.decode(out))
    out, _, code = sops("wait " .. task.task_id .. " --interval 0.05 --json")
    assert.equal(0, code)
    assert.equal("FINISHED", h.decode(out).state)

    -- run --wait --json: the task and its final status in one document
    out, _, code = sops("run 1 --wait --interval 0.05 --json")
    assert.equal(0, code)
    local doc = h.decode(out)
    assert.is_number(doc.task_id)
    assert.equal("FINISHED", doc.status.state)
  end)

  it("create: a task not started; a template by a name two share, or none has, is refused", function()
    local out, err, code = sops("create 1 --name 'by id'")
    assert.equal(0, code, err)
    assert.matches("^task %d+ created: by id\n", out)
    assert.equal(0, #sent("start_task"))
    assert.equal("by id", h.decode(sent("create_task")[1].body).name)
    sim:control("POST", "templates", {id = 90, name = "Deploy web app", steps = {{name = "x", duration = 1}}})
    local _, amb, code2 = sops("run 'Deploy web app'")
    assert.equal(2, code2)
    assert.matches("2 templates are named 'Deploy web app' (ids 90, 1): give the id", amb, 1, true)
    local _, none, code3 = sops("run 'no such template'")
    assert.equal(2, code3)
    assert.matches("no template named 'no such template'", none, 1, true)
    local _, bad, code4 = sops("run 1 -c novalue")
    assert.equal(2, code4)
    assert.matches("-c takes KEY=VALUE, got 'novalue'", bad, 1, true)
    assert.equal(1, #sent("create_task")) -- only the first
  end)

  it("run --key: twice gives one task, the second run finds the first and does not start it again", function()
    local out, err, code = sops("run 1 --key deploy-1.2.3 --name 'deploy 1.2.3'")
    assert.equal(0, code, err)
    local id = tonumber(out:match("^task (%d+) created: deploy 1%.2%.3 %[key:deploy%-1%.2%.3%]\n"))
    assert.is_number(id, out)
    out, err, code = sops("run 1 --key deploy-1.2.3 --name 'deploy 1.2.3, re-run'")
    assert.equal(0, code, err)
    assert.matches("^task " .. id .. " found: deploy 1%.2%.3 %[key:deploy%-1%.2%.3%] %(it is %u+%)\n", out)
    assert.matches("task " .. id .. ": not started again", out, 1, true)
    out, err, code = sops("run 1 --key deploy-1.2.3 --json")
    assert.equal(0, code, err)
    local doc = h.decode(out)
    assert.equal(id, doc.task_id)
    assert.is_true(doc.existing)
    assert.equal("deploy-1.2.3", doc.key)
    assert.matches("task " .. id .. " found", err, 1, true)
    assert.equal(1, #sent("create_task"))
    assert.equal(1, #sent("start_task"))
    -- a task made with the key but never started is started by the next run
    out, err, code = sops("create 1 --key k2")
    assert.equal(0, code, err)
    local made = tonumber(out:match("^task (%d+) created: "))
    out, err, code = sops("run 1 --key k2")
    assert.equal(0, code, err)
    assert.matches("^task " .. made .. " found: .* %(it is CREATED%)\ntask " .. made .. ": start queued", out)
    assert.equal(2, #sent("create_task"))
    assert.equal(2, #sent("start_task"))
    local _, bad, code2 = sops("run 1 --key 'a]'")
    assert.equal(2, code2)
    assert.matches("field 'key': no [ or ] expected", bad, 1, true)
  end)

  it("retry --failed: every failed node; --inputs for one; nothing to retry is said", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(10)
    local _, err, code = sops("retry " .. t.task_id .. " --failed")
    assert.equal(2, code)
    assert.matches("task " .. t.task_id .. " has no failed node (it is FINISHED)", err, 1, true)
    local _, both, code2 = sops("retry " .. t.task_id .. " deploy --failed")
    assert.equal(2, code2)
    assert.matches("give a NODE or --failed, not both", both, 1, true)
    local f = sim:task({template_id = 2, start = true})
    sim:advance(10)
    local out, err3, code3 = sops("retry " .. f.task_id .. " --failed --inputs '{\"version\": \"9\"}'")
    assert.equal(0, code3, err3)
    assert.matches("task " .. f.task_id .. ": deploy (" .. f.node_ids.deploy:sub(1, 8) .. ") retried", out, 1, true)
    local r = sent("operate_node")
    assert.equal(1, #r)
    assert.same({action = "retry", node_id = f.node_ids.deploy, inputs = {version = "9"}, scope = "cmdb_biz"},
      h.decode(r[1].body))
  end)

  describe("configuration", function()
    local dir
    before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir .. "/bksops " .. dir .. "/sops"))
    end)
    after_each(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)

    -- the environment without the connection, the config in XDG_CONFIG_HOME
    local function bare(extra) return h.bare_env(dir, extra) end

    it("reads profiles: --profile before the environment, the environment before [default]", function()
      write(dir .. "/secret", h.APP_SECRET .. "\n", "600")
      write(dir .. "/bksops/config", table.concat({
        "# the simulator", "[default]", "url = " .. sim.url .. "/prod", "app_code = " .. h.APP_CODE,
        "app_secret_file = " .. dir .. "/secret", "username = admin", "biz = 2", "",
        "[bob]", "username = bob", "request-timeout = 5"}, "\n"))
      local t = sim:task({template_id = 1})
      local out, err, code = sops("status " .. t.task_id, bare())
      assert.equal(0, code, err)
      assert.matches("CREATED", out)
      assert.equal("admin", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
      -- the environment beats [default]
      sops("status " .. t.task_id, bare({BK_USERNAME = "carol"}))
      assert.equal("carol", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
      -- a named profile beats the environment, [default] fills in the rest
      local _, err_bob, code_bob = sops("status " .. t.task_id .. " --profile bob", bare({BK_USERNAME = "carol"}))
      assert.equal(0, code_bob, err_bob)
      assert.equal("bob", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
      sops("status " .. t.task_id, bare({BKSOPS_PROFILE = "bob"}))
      assert.equal("bob", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
      -- and a flag beats them all
      sops("status " .. t.task_id .. " --profile bob --username dave", bare())
      assert.equal("dave", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
      local _, none, code2 = sops("status " .. t.task_id .. " --profile nobody", bare())
      assert.equal(2, code2)
      assert.matches("no profile 'nobody' in " .. dir .. "/bksops/config", none, 1, true)
    end)

    it("reads 0.2's names (~/.config/sops/config, SOPS_CONFIG, SOPS_PROFILE) with a one-line notice", function()
      write(dir .. "/secret", h.APP_SECRET .. "\n", "600")
      write(dir .. "/sops/config", table.concat({"[default]", "url = " .. sim.url .. "/prod", "app_code = "
        .. h.APP_CODE, "app_secret_file = " .. dir .. "/secret", "username = admin", "biz = 2", "",
        "[bob]", "username = bob"}, "\n"))
      local t = sim:task({template_id = 1})
      local out, err, code = sops("status " .. t.task_id, bare())
      local _
      assert.equal(0, code, err)
      assert.matches("CREATED", out)
      assert.equal("bksops: reading " .. dir .. "/sops/config until lua-sops 0.4.0: move it to " .. dir
        .. "/bksops/config\n", err)
      _, err = sops("status " .. t.task_id, bare({SOPS_PROFILE = "bob"}))
      assert.equal("bob", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
      assert.matches("^bksops: SOPS_PROFILE is read until lua%-sops 0%.4%.0: rename it BKSOPS_PROFILE\n", err)
      -- the new place wins, silently
      os.execute("cp " .. dir .. "/sops/config " .. dir .. "/bksops/config")
      _, err, code = sops("status " .. t.task_id, bare())
      assert.equal(0, code)
      assert.equal("", err)
      -- SOPS_CONFIG names a file, as BKSOPS_CONFIG does
      os.execute("mv " .. dir .. "/bksops/config " .. dir .. "/elsewhere")
      os.remove(dir .. "/sops/config")
      _, err, code = sops("status " .. t.task_id, bare({SOPS_CONFIG = dir .. "/elsewhere"}))
      assert.equal(0, code, err)
      assert.equal("bksops: SOPS_CONFIG is read until lua-sops 0.4.0: rename it BKSOPS_CONFIG\n", err)
    end)

    it("refuses a config file others can change or do not own, as OpenSSH does, before anything is sent", function()
      write(dir .. "/secret", h.APP_SECRET .. "\n", "600")
      local config = dir .. "/bksops/config"
      write(config, "[default]\nurl = " .. sim.url .. "/prod\napp_code = " .. h.APP_CODE .. "\napp_secret_file = "
        .. dir .. "/secret\nusername = admin\nbiz = 2\n")
      local t = sim:task({template_id = 1})
      local before = #sim:requests()
      for _, mode in ipairs({"666", "620", "602"}) do
        os.execute("chmod " .. mode .. " " .. config)
        local _, err, code = sops("status " .. t.task_id, bare())
        assert.equal(2, code, mode)
        assert.matches("the config file " .. config .. " can be changed by others (mode 0" .. mode
          .. "): run 'chmod go-w " .. config .. "'", err, 1, true)
      end
      assert.equal(before, #sim:requests())
      os.execute("chmod 644 " .. config)
      assert.equal(0, select(3, sops("status " .. t.task_id, bare())))
      -- owned by someone else (root, running the specs in CI, can give it away)
      if h.run("id -u"):match("^0%s*$") then
        os.execute("chown nobody " .. config)
        local _, err, code = sops("status " .. t.task_id, bare())
        assert.equal(2, code)
        assert.matches("the config file " .. config .. " is not owned by you or root", err, 1, true)
        os.execute("chown 0 " .. config .. "; chown nobody " .. dir .. "/secret")
        _, err, code = sops("status " .. t.task_id, bare())
        assert.equal(2, code)
        assert.matches("the app secret file " .. dir .. "/secret is not owned by you or root", err, 1, true)
      end
    end)

    it("refuses a secret file others can read, and secrets in the config file", function()
      local t = sim:task({template_id = 1})
      write(dir .. "/secret", h.APP_SECRET .. "\n", "644")
      local before = #sim:requests()
      local _, err, code = sops("status " .. t.task_id .. " --app-secret-file " .. dir .. "/secret",
        {BK_APP_SECRET = false})
      assert.equal(2, code)
      assert.matches("the app secret file " .. dir .. "/secret can be read by others (mode 0644): run 'chmod 600 "
        .. dir .. "/secret'", err, 1, true)
      assert.equal(before, #sim:requests())
      assert.is_nil(err:find(h.APP_SECRET, 1, true))
      os.execute("chmod 640 " .. dir .. "/secret")
      assert.equal(2, select(3, sops("status " .. t.task_id .. " --app-secret-file " .. dir .. "/secret",
        {BK_APP_SECRET = false})))
      os.execute("chmod 600 " .. dir .. "/secret")
      assert.equal(0, select(3, sops("status " .. t.task_id .. " --app-secret-file " .. dir .. "/secret",
        {BK_APP_SECRET = false})))
      write(dir .. "/bksops/config", "[default]\nurl = " .. sim.url .. "/prod\napp_secret = " .. h.APP_SECRET .. "\n")
      local _, err2, code2 = sops("status " .. t.task_id, bare())
      assert.equal(2, code2)
      assert.matches("config:3: 'app_secret' is a secret and stays out of the config file", err2, 1, true)
      assert.is_nil(err2:find(h.APP_SECRET, 1, true))
      write(dir .. "/bksops/config", "[default]\nurl: nope\n")
      local _, err3, code3 = sops("status " .. t.task_id, bare())
      assert.equal(2, code3)
      assert.matches("config:2: '[profile]' or 'key = value' expected", err3, 1, true)
    end)
  end)

  describe("completion and the man page", function()
    it("bksops completion bash completes commands and options", function()
      local out, _, code = sops("completion bash")
      assert.equal(0, code)
      local path = os.tmpname()
      write(path, out)
      -- the words bash offers after `line` (its last word being completed), sorted
      local function complete(line)
        local words = {}
        for w in line:gmatch("%S+") do words[#words + 1] = w end
        local cmd = string.format("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _bksops; echo \"${COMPREPLY[*]}\"",
          path, line, #words - 1)
        local offered = {}
        for w in h.run("bash -c " .. h.shell_quote(cmd)):gmatch("%S+") do offered[#offered + 1] = w end
        table.sort(offered)
        return offered
      end
      assert.same({"rerun", "resume", "retry", "revoke", "run"}, complete("bksops r"))
      assert.same({"--failed"}, complete("bksops retry 1 --f"))
      assert.same({"--interval"}, complete("bksops wait 1 --in"))
      os.remove(path)
    end)

    it("docs/command.md's table of commands and exit codes is what make docs makes", function()
      local readme = h.read("docs/command.md")
      local commands_md = require "tools.commands"
      assert.equal(readme, commands_md.rewrite(readme), "run make docs")
      for _, c in ipairs(require("sops.cli.commands").LIST) do
        -- (hidden: __complete, the completion scripts' own)
        if not c.hidden then assert.matches("\n| `bksops " .. c.name:gsub("%-", "%%-") .. "[ `]", readme) end
      end
    end)

    it("share/ holds what make share makes from the help", function()
      package.path = "./lua/?.lua;./lua/?/init.lua;" .. package.path
      local share = require "tools.share"
      -- bash's, zsh's and fish's completion, each where its loader looks
      for _, shell in ipairs({"bash", "zsh", "fish"}) do
        assert.equal(share.completion(shell), h.read("share/" .. share.COMPLETIONS[shell]), "run make share")
      end
      assert.equal(share.man(), h.read("share/" .. share.MAN), "run make share")
      for _, c in ipairs(require("sops.cli.commands").LIST) do
        if not c.hidden then assert.matches('\n.SS ' .. c.name:gsub("%-", "\\%%-") .. '\n', share.man()) end
      end
      for _, section in ipairs({"EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"}) do
        assert.matches("\n.SH " .. section .. "\n", share.man(), 1, true)
      end
      -- FILES: the config file, the secret file it or the flag names, and
      -- where make install-completion and install-man put theirs
      local files = share.man():match("\n%.SH FILES\n(.-)\n%.SH ")
      assert.matches("\\fI~/.config/bksops/config\\fR", files, 1, true)
      assert.matches("\\fB\\-\\-app\\-secret\\-file\\fR or a profile's \\fBapp_secret_file\\fR", files, 1, true)
      for _, path in pairs(share.COMPLETIONS) do
        assert.matches("\\fI/usr/local/share/" .. path:gsub("%-", "\\-") .. "\\fR", files, 1, true)
      end
      assert.matches("\\fI/usr/local/share/" .. share.MAN .. "\\fR", files, 1, true)
    end)

    it("the man page's ENVIRONMENT names every variable the command reads, and only those", function()
      local listed = {}
      for _, e in ipairs(require("sops.cli.commands").ENVIRONMENT) do listed[e[1]] = true end
      local read = {}
      for _, file in ipairs({"lua/sops/config.lua", "lua/sops/cli/init.lua", "lua/sops/cli/render.lua"}) do
        for name in h.read(file):gmatch('"([A-Z][A-Z_]+)"') do
          if name:find("^BK") or name == "NO_COLOR" or name == "XDG_CONFIG_HOME" then read[name] = true end
        end
      end
      -- (the old names, read with a notice until 0.4.0, and the second names of two)
      for _, alias in ipairs({"BKPAAS_APP_ID", "BKPAAS_APP_SECRET"}) do read[alias] = nil end
      for name in pairs(read) do assert.is_true(listed[name], name .. " is read but not in ENVIRONMENT") end
      for name in pairs(listed) do assert.is_true(read[name], name .. " is in ENVIRONMENT but not read") end
    end)

    it("make install-man puts the page where man finds it", function()
      local dir = os.tmpname()
      os.remove(dir)
      finally(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)
      local _, err, code = h.run("make -s install-man PREFIX=" .. h.shell_quote(dir))
      assert.equal(0, code, err)
      assert.equal(h.read("share/man/man1/bksops.1"), h.read(dir .. "/share/man/man1/bksops.1"))
    end)

    it("make install-completion puts the scripts where bash-completion, zsh and fish look", function()
      local dir = os.tmpname()
      os.remove(dir)
      finally(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)
      local _, err, code = h.run("make -s install-completion PREFIX=" .. h.shell_quote(dir))
      assert.equal(0, code, err)
      for _, path in ipairs({"bash-completion/completions/bksops", "zsh/site-functions/_bksops",
        "fish/vendor_completions.d/bksops.fish"}) do
        assert.equal(h.read("share/" .. path), h.read(dir .. "/share/" .. path))
      end
    end)
  end)
end)

-- Why a task failed, with its log; the whole log of a node, followed while
-- it runs; the task run again with one constant changed, watched to the end.
describe("bksops why, logs and rerun", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("why: each failed node, inside subprocesses too, with its path, error, retries and the end of its log",
    function()
    local t = sim:task({template_id = 2, start = true, constants = {["${version}"] = "2.0.0"}})
    local nested = sim:task({template_id = 6, start = true})
    local fine = sim:task({template_id = 1, start = true})
    sim:advance(10)
    local out, err, code = sops("why " .. t.task_id)
    assert.equal(0, code, err)
    assert.matches("^task " .. t.task_id .. "  [^\n]+  FAILED  %(1 failed node%)\n", out)
    assert.matches("\ndeploy %(n%x+%)  FAILED  job_fast_execute_script\n"
      .. "  error: job execution failed: step%[1%] exit code 1 on 10%.0%.0%.12\n  log:\n"
      .. "    %[[^%]]+%] job_fast_execute_script on 10%.0%.0%.1: deploy %(attempt 1%)\n"
      .. "    %[[^%]]+%] version=2%.0%.0\n"
      .. "    %[[^%]]+%] exit code 1: job execution failed: step%[1%] exit code 1 on 10%.0%.0%.12\n", out)
    -- (a JOB node's log is JOB's: get_node_job_executed_log, not get_task_node_log)
    assert.equal(1, #sim:requests_to("get_node_job_executed_log"))
    assert.equal(0, #sim:requests_to("get_task_node_log"))

    -- the last N lines of the log
    out, err, code = sops("why " .. nested.task_id .. " --lines 1")
    assert.equal(0, code, err)
    assert.matches("\nouter/inner/inner step %(n%x+%)  FAILED  sleep_timer\n  error: inner failure\n"
      .. "  log %(the last 1 lines%):\n    [^\n]+: inner failure\n", out)

    out, err, code = sops("why " .. nested.task_id .. " --json")
    assert.equal(0, code, err)
    local doc = h.decode(out)
    assert.equal("FAILED", doc.state)
    assert.equal(1, #doc.failed)
    local f = doc.failed[1]
    assert.same({"outer/inner/inner step", "inner step", "sleep_timer", "inner failure", 0},
      {f.path, f.name, f.component, f.ex_data, f.retry})
    assert.equal(nested.node_ids["inner step"], f.id)
    assert.matches(": inner failure$", f.log[#f.log])

    -- a task that has not failed says so, and exits 0
    out, err, code = sops("why " .. fine.task_id)
    assert.equal(0, code, err)
    assert.equal("task " .. fine.task_id .. " has not failed: it is FINISHED\n", out)
    out = sops("why " .. fine.task_id .. " --json")
    assert.same({task_id = fine.task_id, state = "FINISHED", name = h.decode(out).name, failed = {}}, h.decode(out))
  end)

  it("logs: a node's whole log by name; --follow prints only what is new until the node leaves RUNNING", function()
    local t = sim:task({template_id = 1, start = true, constants = {["${version}"] = "1.2.3"}})
    sim:advance(2) -- precheck done, deploy running
    local out, err, code = sops("logs " .. t.task_id .. " precheck")
    assert.equal(0, code, err)
    assert.matches("^[^\n]+: node precheck FINISHED\n$", out)
    out, err, code = sops("logs " .. t.task_id .. " deploy --json")
    assert.equal(0, code, err)
    local doc = h.decode(out)
    assert.same({"deploy", "job_fast_execute_script", "RUNNING"}, {doc.path, doc.component, doc.state})
    assert.matches("app=web\n[^\n]+ version=1%.2%.3$", doc.log)

    sim:clear_log()
    -- (its stderr in a file of its own, read below: not busted's output, and
    -- not mixed into stdout's text in whatever order the two pipes flush)
    local errfile = os.tmpname()
    finally(function() os.remove(errfile) end)
    local proc = h.spawn(sim:env() .. " " .. h.LUA .. " bin/bksops logs " .. t.task_id
      .. " deploy --follow --interval 0.05 2>" .. h.shell_quote(errfile))
    h.wait_until(function() return #sim:requests_to("get_node_job_executed_log") >= 2 end)
    sim:advance(5) -- deploy finishes
    local status, text = h.finish(proc)
    assert.equal(0, status, text)
    local _, starts = text:gsub("deploy %(attempt 1%)", "")
    assert.equal(1, starts, text) -- what was shown is not shown again
    assert.matches("version=1%.2%.3\n%[[^%]]+%] exit code 0\n$", text)
    assert.matches("^task " .. t.task_id .. " node deploy %(n%x+%) is FINISHED\n$", h.read(errfile))

    -- a node the task does not have: a usage error
    _, err, code = sops("logs " .. t.task_id .. " nope")
    assert.equal(2, code)
    assert.matches("task has no node 'nope'", err)
  end)

  it("rerun: the same template, constants and nodes, one constant changed, watched to the end", function()
    local t = sim:task({template_id = 2, start = true, constants = {["${version}"] = "2.0.0"}})
    sim:advance(10)
    sim:clear_log()
    -- (the human progress on stderr: in a file, read below, not busted's output)
    local errfile = os.tmpname()
    finally(function() os.remove(errfile) end)
    local proc = h.spawn(sim:env() .. " " .. h.LUA .. " bin/bksops rerun " .. t.task_id
      .. " -c version=2.0.1 --wait --interval 0.05 --json 2>" .. h.shell_quote(errfile))
    h.wait_until(function() return #sim:requests_to("get_task_status") >= 1 end)
    sim:advance(30)
    local status, text = h.finish(proc)
    local create = sim:requests_to("create_task")
    assert.equal(1, #create)
    local body = h.decode(create[1].body)
    assert.equal("/prod/create_task/2/2/", create[1].path)
    assert.same({["${version}"] = "2.0.1"}, body.constants)
    -- the task's own tree: its nodes and its constants' values
    assert.equal("2.0.0", body.pipeline_tree.constants["${version}"].value)
    assert.equal(1, #sim:requests_to("start_task"))
    local doc = h.decode(text:match("(%b{})%s*$"))
    assert.equal(1, status, text) -- the flaky deploy fails its first attempt in the new task too
    assert.equal(t.task_id, doc.rerun_of)
    assert.equal(2, doc.template_id)
    assert.equal("FAILED", doc.status.state)
    local progress = h.read(errfile)
    assert.matches("^task " .. doc.task_id .. " created: [^\n]+ %(task " .. t.task_id .. " again%)\n", progress)
    assert.matches("\ntask " .. doc.task_id .. " ended FAILED\n$", progress)
    local out = sops("show " .. doc.task_id)
    assert.matches("\nconstants:\n  ${version}%s+version%s+2%.0%.1\n", out)

    -- without --wait: the new task's id, as run prints it
    local out2, err, code = sops("rerun " .. t.task_id)
    assert.equal(0, code, err)
    local id = tonumber(out2:match("^task (%d+) created: Deploy with flaky step_%d+ %(task " .. t.task_id
      .. " again%)\n"))
    assert.is_number(id, out2)
    assert.matches("task " .. id .. ": start queued", out2)
  end)

  it("rerun refuses a task it cannot run again, naming what is missing", function()
    local t = sim:task({template_id = 1})
    local _, err, code = sops("rerun " .. t.task_id .. " -c nope=1")
    assert.equal(2, code)
    assert.matches("task " .. t.task_id .. " has no constant ${nope} %(it has ${app}, ${version}%)", err)
    -- a task of no template (fast_create_task)
    sim:config({whitelist = {h.APP_CODE}})
    local _, fast = sim:post(h.gw("fast_create_task", 2), {name = "quick",
      pipeline_tree = {start_event = {id = "s"}}})
    assert.is_true(fast.result)
    _, err, code = sops("rerun " .. fast.data.task_id)
    assert.equal(2, code)
    assert.matches("has no template to run again", err)
    -- a task that cannot be read: the API's refusal, exit 4
    _, err, code = sops("rerun 99999")
    assert.equal(4, code, err)
    assert.equal(0, #sent("create_task"))
  end)
end)

-- Finding tasks: by their real state (get_tasks_status, a batch a page),
-- template, creator and creation time, bk-sops filtering what it can.
-- Simulated time stands still (--speed 0) and moves with sim:advance.
describe("bksops tasks, finding tasks", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  local function ids_of(out)
    local ids = {}
    for _, t in ipairs(h.decode(out)) do ids[#ids + 1] = t.id end
    return ids
  end

  it("shows each task's real state and finds tasks in any state, asking once per 50 tasks", function()
    sim:control("POST", "templates", {id = 80, name = "long", steps = {{name = "forever", duration = 1e6}}})
    local created = sim:task({template_id = 1, name = "not started"}).task_id
    local finished = sim:task({template_id = 1, name = "done", start = true}).task_id
    local failed = sim:task({template_id = 5, name = "broken", start = true}).task_id
    local running = sim:task({template_id = 80, name = "going", start = true}).task_id
    local paused = sim:task({template_id = 80, name = "held", start = true}).task_id
    local revoked = sim:task({template_id = 80, name = "dropped", start = true}).task_id
    sim:advance(100)
    assert.equal(0, select(3, sops("pause " .. paused)))
    assert.equal(0, select(3, sops("revoke " .. revoked)))
    local out, err, code = sops("tasks")
    assert.equal(0, code, err)
    for id, state in pairs({[created] = "CREATED", [finished] = "FINISHED", [failed] = "FAILED",
        [running] = "RUNNING", [paused] = "SUSPENDED", [revoked] = "REVOKED"}) do
      assert.matches("\n" .. id .. "%s+" .. state .. "%s", "\n" .. out)
    end
    -- any state, in any case; the JSON items carry it
    for word, id in pairs({failed = failed, FAILED = failed, Running = running, suspended = paused,
        revoked = revoked, finished = finished, created = created}) do
      out, err, code = sops("tasks --json --state " .. word)
      assert.equal(0, code, err)
      assert.same({id}, ids_of(out), word)
      assert.equal(word:upper(), h.decode(out)[1].state)
    end
    -- bk-sops narrows the list first (started, not finished), the state is asked for
    sim:clear_log()
    out = sops("tasks --state failed --no-headers")
    assert.matches("^" .. failed .. "%s+FAILED%s+admin%s+broken\n$", out)
    local list = sim:requests_to("/get_task_list/")
    assert.equal("true", list[1].args.is_started)
    assert.equal("false", list[1].args.is_finished)
    assert.equal(1, #sim:requests_to("/get_tasks_status/"))
    -- 60 listed tasks: two get_tasks_status, 50 and 10 tasks
    for i = 1, 54 do sim:task({template_id = 1, name = "more " .. i}) end
    sim:clear_log()
    out, err, code = sops("tasks --limit 60 --json")
    assert.equal(0, code, err)
    assert.equal(60, #h.decode(out))
    local batches = {}
    for _, r in ipairs(sim:requests_to("/get_tasks_status/")) do
      batches[#batches + 1] = #h.decode(r.body).task_id_list
    end
    table.sort(batches)
    assert.same({10, 50}, batches)
    -- a state that does not exist
    local _, bad, bad_code = sops("tasks --state sleeping")
    assert.equal(2, bad_code)
    assert.matches("--state: a task state expected (created, expired, failed, ", bad, 1, true)
  end)

  it("filters by template (id or name, any case), creator and creation time, today's failures in one command", function()
    local before = os.time()
    local old = sim:task({template_id = 1, name = "old"}).task_id
    sim:advance(3 * 86400)
    local web = sim:task({template_id = 1, name = "web", creator = "bob"}).task_id
    local flaky = sim:task({template_id = 2, name = "flaky", creator = "bob"}).task_id
    local broken = sim:task({template_id = 5, name = "broken today", start = true}).task_id
    sim:advance(100)

    sim:clear_log()
    local out, err, code = sops("tasks --template 'deploy WEB app' --json")
    assert.equal(0, code, err)
    assert.same({web, old}, ids_of(out))
    assert.equal("1", sim:requests_to("/get_task_list/")[1].args.template_id) -- bk-sops filters
    assert.same({flaky}, ids_of((sops("tasks --template 2 --json"))))
    local _, none, none_code = sops("tasks --template 'deploy wep app'")
    assert.equal(2, none_code)
    assert.matches("no template 'deploy wep app'; did you mean 'Deploy web app'?", none, 1, true)

    assert.same({flaky, web}, ids_of((sops("tasks --creator bob --json"))))

    -- a date between the old task and the new ones, as bk-sops takes it
    local between = os.date("!%Y-%m-%dT%H:%M:%SZ", before + 86400)
    sim:clear_log()
    out, err, code = sops("tasks --since " .. between .. " --json")
    assert.equal(0, code, err)
    assert.same({broken, flaky, web}, ids_of(out))
    assert.equal(os.date("!%Y-%m-%d %H:%M:%S +0000", before + 86400),
      sim:requests_to("/get_task_list/")[1].args.create_time_start)
    assert.same({old}, ids_of((sops("tasks --until " .. between .. " --json"))))
    assert.same({}, ids_of((sops("tasks --until 2000-01-01 --json"))))

    -- today's failed tasks: a duration ago, sent as bk-sops' create_time_start
    sim:clear_log()
    local from = os.date("!%Y-%m-%d %H:%M:%S +0000", os.time() - 86400)
    out, err, code = sops("tasks --state failed --since 24h")
    local to = os.date("!%Y-%m-%d %H:%M:%S +0000", os.time() - 86400)
    assert.equal(0, code, err)
    assert.matches("^ID%s+STATE%s+CREATOR%s+NAME\n" .. broken .. "%s+FAILED%s+admin%s+broken today\n$", out)
    local sent_start = sim:requests_to("/get_task_list/")[1].args.create_time_start
    assert.is_true(sent_start >= from and sent_start <= to, sent_start)

    local _, bad, bad_code = sops("tasks --since yesterday")
    assert.equal(2, bad_code)
    assert.matches("--since: a duration ago (30m, 24h, 7d) or a date", bad, 1, true)
    local _, late, late_code = sops("tasks --since 1h --until 2h")
    assert.equal(2, late_code)
    assert.matches("--since is after --until", late, 1, true)
  end)
end)

-- The operator's day with the command alone, no jq, on the frozen clock:
-- today's failed tasks, why one failed with its log, the task run again
-- with the one constant that broke it changed, watched until it finishes.
describe("bksops, an operator's day", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("finds today's failed tasks, sees why one failed, reruns it with a constant changed, watches it finish",
    function()
    -- a release whose deploy fails while its version input reads 2.0.0
    sim:control("POST", "templates", {id = 84, name = "Release", category = "OpsTools",
      constants = {{key = "${version}", name = "version", value = "1.0.0"}},
      steps = {{name = "precheck", duration = 1},
        {name = "deploy", duration = 2, component = "job_fast_execute_script", inputs = {version = "${version}"},
          fail = {when = {version = "2.0.0"}, ex_data = "package 2.0.0 not found"}},
        {name = "verify", duration = 1}}})
    local bad = sim:task({template_id = 84, start = true, constants = {["${version}"] = "2.0.0"}}).task_id
    sim:task({template_id = 84, start = true, constants = {["${version}"] = "1.9.0"}})
    sim:advance(60)
    local bksops = sim:env() .. " " .. h.LUA .. " bin/bksops "

    -- today's failed tasks, their ids one a line
    local out, err, code = h.run(bksops .. "tasks --state failed --since 24h -o name")
    assert.equal(0, code, err)
    assert.equal(bad .. "\n", out)

    -- why the first of them failed, with its log: the id passed on by the shell
    out, err, code = h.run("id=$(" .. bksops .. "tasks --state failed --since 24h -o name | head -n 1) && "
      .. bksops .. "why \"$id\"")
    assert.equal(0, code, err)
    assert.matches("^task " .. bad .. "  Release  FAILED  %(1 failed node%)\n", out)
    assert.matches("\ndeploy %(n%x+%)  FAILED  job_fast_execute_script\n  error: package 2%.0%.0 not found\n"
      .. "  log:\n[^\n]*\n    %[[^%]]+%] version=2%.0%.0\n", out)
    assert.matches("bksops rerun " .. bad .. " runs the task again", out, 1, true)

    -- run again with the constant changed, watched to the end
    sim:clear_log()
    local proc = h.spawn(bksops .. "rerun " .. bad .. " -c version=2.0.1 --wait --interval 0.05 2>&1")
    h.wait_until(function() return #sim:requests_to("/get_task_status/") >= 1 end)
    sim:advance(60)
    local status, text = h.finish(proc)
    assert.equal(0, status, text)
    local new = tonumber(text:match("^task (%d+) created: Release_%d+ %(task " .. bad .. " again%)\n"))
    assert.is_number(new, text)
    assert.matches("task " .. new .. " ended FINISHED\n$", text)
    assert.equal("2.0.1\n", (h.run(bksops .. "show " .. new .. " -o 'field=constants.${version}.value'")))
    assert.equal("FINISHED\n", (h.run(bksops .. "status " .. new .. " -o field=state")))
  end)
end)
