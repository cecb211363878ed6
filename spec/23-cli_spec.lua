-- The bksops command, run as a real process against bksops-sim.
local h = require "helpers"

local sim

local function sops(args, env)
  return h.run(sim:env(env) .. " " .. h.LUA .. " bin/bksops " .. args)
end

local function long_template()
  sim:control("POST", "templates", {id = 80, name = "long", steps = {{name = "forever", duration = 1e6}}})
end

describe("bksops command", function()
  h.use_sim({"--speed", "50"}, false, function(s) sim = s end)

  it("prints help for itself and every command, with defaults and an example", function()
    local out, _, code = sops("--help")
    assert.equal(0, code)
    local commands = require("sops.cli.commands")
    assert.is_true(#commands.LIST >= 18)
    for _, spec in ipairs(commands.LIST) do
      local cmd = spec.name
      -- (hidden ones, __complete, are left out of the list)
      assert.equal(not spec.hidden, out:find("\n   " .. cmd .. " ", 1, true) ~= nil, cmd)
      local sub, _, subcode = sops(cmd .. " --help")
      assert.equal(0, subcode)
      assert.matches("^Usage: bksops " .. cmd:gsub("%-", "%%-"), sub)
      assert.matches("\nExamples?:\n  [^\n]*sops " .. cmd:gsub("%-", "%%-"), sub)
      assert.matches("Exit codes:", sub)
      if spec.connection ~= false then
        assert.matches("--request-timeout S   seconds for each HTTP request (default: 30)", sub, 1, true)
      end
    end
    assert.matches("--timeout S           seconds to wait before giving up (exit 3) (default: 600)",
      (sops("wait --help")), 1, true)
    assert.matches("--limit N             at most N tasks (every page up to N) (default: 50)",
      (sops("tasks --help")), 1, true)
    -- the version, and help on no command at all
    local v, _, vcode = sops("--version")
    assert.equal(0, vcode)
    assert.matches("^bksops %d+%.%d+%.%d+%-?%a* %(lua%-sops, [^,]+, libcurl [%d.]+%)\n$", v)
    local _, none, ncode = sops("")
    assert.equal(2, ncode)
    assert.matches("^Usage: bksops", none)
  end)

  it("exits 2 on usage errors", function()
    local cases = {
      {"", "Usage: bksops"},
      {"explode 1", "unknown command 'explode'"},
      {"status", "missing argument 'TASK'"},
      {"status abc", 'TASK: positive integer expected, got "abc"'},
      {"wait 1 2x", 'TASK: positive integer expected, got "2x"'},
      {"status 1 --bogus", "unknown option '--bogus'"},
      {"retry 1", "give the NODE to retry, or --failed"},
      {"retry 1 n --inputs notjson", "a JSON object expected, got 'notjson'"},
      {"retry 1 n --inputs '[1]'", "a JSON object expected"},
      {"wait 1 --timeout 0", "a positive number expected, got '0'"},
      {"wait 1 --timeout x", "--timeout: a duration expected (90, 90s, 10m, 1h), got 'x'"},
      {"wait 1 --interval 5x", "--interval: a duration expected (90, 90s, 10m, 1h), got '5x'"},
      {"wait 1 --stall 0s", "--stall: a positive number expected, got '0s'"},
      {"status 1 --request-timeout 1y", "--request-timeout: a duration expected (90, 90s, 10m, 1h), got '1y'"},
      {"tasks --since tomorrow", "--since: a duration ago (30m, 24h, 7d) or a date"},
      {"tasks --limit 1.5", "a positive integer expected"},
      {"completion tcsh", "argument 'SHELL' must be one of 'bash', 'zsh', 'fish'"},
    }
    for _, case in ipairs(cases) do
      local _, err, code = sops(case[1])
      assert.equal(2, code, case[1])
      assert.matches(case[2], err, 1, true)
    end
  end)

  it("takes durations wherever it takes a time: 90, 90s, 10m, 1h, 1d", function()
    local out, err, code = sops("run 1 --wait --timeout 10m --interval 1s --request-timeout 1m")
    assert.equal(0, code, err)
    assert.matches("ended FINISHED\n$", out)
    long_template()
    local t = sim:task({template_id = 80, start = true})
    local _, werr, wcode = sops("wait " .. t.task_id .. " --timeout 0.01m --interval 0.1")
    assert.equal(3, wcode, werr)
    assert.matches("within 0.6 s", werr, 1, true)
    assert.matches("Times: S is seconds, or a number with a unit: 90, 90s, 10m, 1h, 1d.", (sops("wait --help")), 1,
      true)
  end)

  it("takes a template's name in any case, and suggests the closest when none has it", function()
    local out, err, code = sops("create 'deploy WITH flaky STEP' --name cased")
    assert.equal(0, code, err)
    assert.matches("^task %d+ created: cased\n", out)
    assert.equal("/prod/create_task/2/2/", sim:requests_to("/create_task/")[1].path)
    local _, near, near_code = sops("run 'Deploy wep app'")
    assert.equal(2, near_code)
    assert.matches("no template 'Deploy wep app'; did you mean 'Deploy web app'?", near, 1, true)
    _, near = sops("run 'flaky'")
    assert.matches("no template 'flaky'; did you mean 'Deploy with flaky step'?", near, 1, true)
    assert.equal(1, #sim:requests_to("/create_task/")) -- the first only
  end)

  it("never takes the secret from argv", function()
    local _, err, code = sops("status 1 --app-secret " .. h.APP_SECRET)
    assert.equal(2, code)
    assert.matches("not taken from the command line", err, 1, true)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(h.APP_SECRET, "\n")
    f:close()
    local t = sim:task({template_id = 1})
    local out, _, ok_code = sops("status " .. t.task_id .. " --app-secret-file " .. path, {BK_APP_SECRET = false})
    os.remove(path)
    assert.equal(0, ok_code)
    assert.matches("CREATED", out)
    local _, err2, code2 = sops("status 1", {BK_APP_SECRET = false})
    assert.equal(2, code2)
    assert.matches("no app secret", err2)
  end)

  it("reads the configuration from flags before the environment", function()
    local t = sim:task({template_id = 1})
    local out, _, code = sops("status " .. t.task_id .. " --url " .. sim.url .. "/prod --biz 2 --username bob",
      {BK_SOPS_URL = "http://127.0.0.1:1/prod", BK_BIZ_ID = "77"})
    assert.equal(0, code)
    assert.matches("CREATED", out)
    local auth = h.decode(sim:last_request().headers["x-bkapi-authorization"])
    assert.equal("bob", auth.bk_username)
    -- BKPAAS_* names are accepted too
    out, _, code = sops("status " .. t.task_id, {BK_APP_CODE = false, BKPAAS_APP_ID = h.APP_CODE})
    assert.equal(0, code)
    assert.matches("CREATED", out)
  end)

  it("status: draws the tree, with the failure's ex_data; --json gives the data", function()
    local t = sim:task({template_id = 2, start = true})
    sim:advance(10)
    local out, _, code = sops("status " .. t.task_id)
    assert.equal(0, code)
    assert.matches("Deploy with flaky step  FAILED", out, 1, true)
    -- each named node with its short id: 8 characters, more where two ids share them
    assert.matches("├─ precheck " .. t.node_ids.precheck:sub(1, 8) .. "  FINISHED  1s", out, 1, true)
    assert.matches("└─ deploy " .. t.node_ids.deploy:sub(1, 8) .. "  FAILED  2s", out, 1, true)
    assert.matches("job execution failed: step[1] exit code 1 on 10.0.0.12", out, 1, true)
    assert.is_nil(out:find("\27[", 1, true)) -- not a terminal: no colour
    local json = sops("status " .. t.task_id .. " --json")
    local data = h.decode(json)
    assert.equal("FAILED", data.state)
    assert.equal(t.root_id, data["root_id:"])
    assert.is_true(h.is_integer(data.elapsed_time))
  end)

  it("status --all shows unnamed events and gateways; --subprocess one subtree", function()
    local t = sim:task({template_id = 3, start = true})
    sim:advance(2)
    local out = sops("status " .. t.task_id)
    assert.is_nil(out:find(t.nodes[1].id, 1, true)) -- the start event has no name
    out = sops("status " .. t.task_id .. " --all")
    assert.matches(t.nodes[1].id, out, 1, true)
    local sub = t.node_ids["restart service"]
    -- (bk-sops names the nodes under a subprocess_id from the root's
    -- activities, every inner name ""; the command names them from the
    -- task's pipeline tree)
    local function asked_subprocess()
      local asked = sim:requests_to("/get_task_status/")
      return asked[#asked].args.subprocess_id
    end
    out = sops("status " .. t.task_id .. " --subprocess " .. sub)
    -- (the speed is 50: its state may have moved on)
    assert.matches("─ stop " .. t.node_ids.stop:sub(1, 8), out, 1, true)
    assert.is_nil(out:find("precheck", 1, true))
    assert.equal(sub, asked_subprocess())
    -- the subprocess by name too
    out = sops("status " .. t.task_id .. " --subprocess 'restart service' --all")
    assert.matches("─ stop " .. t.node_ids.stop:sub(1, 8), out, 1, true)
    assert.equal(sub, asked_subprocess())
  end)

  it("start --wait: exits 0 when the task finishes, with one line per event", function()
    local t = sim:task({template_id = 1})
    local out, _, code = sops("start " .. t.task_id .. " --wait --interval 0.05")
    assert.equal(0, code)
    assert.matches("task " .. t.task_id .. " node deploy %(n%x+%) RUNNING %-> FINISHED", out)
    assert.matches("task " .. t.task_id .. " ended FINISHED\n$", out)
  end)

  it("wait: exits 1 when the task fails, naming the failed node", function()
    local t = sim:task({template_id = 2, start = true})
    local out, _, code = sops("wait " .. t.task_id .. " --interval 0.05")
    assert.equal(1, code)
    assert.matches("failed node deploy %(n%x+%): job execution failed", out)
  end)

  it("wait: exits 3 at the deadline", function()
    long_template()
    local t = sim:task({template_id = 80, start = true})
    local _, err, code = sops("wait " .. t.task_id .. " --timeout 0.3 --interval 0.05")
    assert.equal(3, code)
    assert.matches("did not reach", err)
  end)

  it("takes a BlueKing app's BK_API_URL_TMPL with api_name bk-sops and the stage", function()
    local t = sim:task({template_id = 1})
    sim:clear_log()
    local tmpl = {BK_SOPS_URL = false, BK_API_URL_TMPL = sim.url .. "/api/{api_name}/"}
    sops("status " .. t.task_id, tmpl)
    assert.equal("/api/bk-sops/prod/get_task_status/" .. t.task_id .. "/2/", sim:last_request().path)
    tmpl.BK_SOPS_STAGE = "stag"
    sops("status " .. t.task_id, tmpl)
    assert.equal("/api/bk-sops/stag/get_task_status/" .. t.task_id .. "/2/", sim:last_request().path)
    sops("status " .. t.task_id .. " --stage test", tmpl)
    assert.equal("/api/bk-sops/test/get_task_status/" .. t.task_id .. "/2/", sim:last_request().path)
    -- BK_SOPS_URL, when set, wins
    local out, _, code = sops("status " .. t.task_id)
    assert.equal(0, code, out)
  end)

  it("wait: says at once when a poll fails and it tries again, off a terminal as event lines", function()
    local t = sim:task({template_id = 1, start = true})
    sim:fault({kind = "status", status = 502, match = "/get_task_status/", count = 2})
    local out, err, code = sops("wait " .. t.task_id .. " --interval 0.05")
    assert.equal(0, code, out .. err)
    assert.matches("%d%d:%d%d:%d%d task " .. t.task_id .. " retrying: [^\n]*502[^\n]* %(2nd attempt%)\n", err)
    assert.matches("retrying: [^\n]* %(3rd attempt%)\n", err)
    assert.matches("ended FINISHED", out, 1, true)
    -- several tasks: a round whose batch failed is said the same way
    local a, b = sim:task({template_id = 1, start = true}), sim:task({template_id = 1, start = true})
    sim:fault({kind = "reset", match = "/get_tasks_status/", count = 2})
    out, err, code = sops("wait " .. a.task_id .. " " .. b.task_id .. " --interval 0.05")
    assert.equal(0, code, out .. err)
    assert.matches("%d%d:%d%d:%d%d retrying: [^\n]* %(2nd attempt%)\n", err)
    assert.matches("%d%d:%d%d:%d%d retrying: [^\n]* %(3rd attempt%)\n", err)
    assert.matches("task " .. b.task_id .. " ended FINISHED", out, 1, true)
  end)

  it("nodes by id, unique id prefix, name or path; an ambiguous name lists the candidates", function()
    local f = sim:task({template_id = 2, start = true})
    sim:advance(10)
    -- by name: the failed deploy node is retried
    local out, err, code = sops("retry " .. f.task_id .. " deploy --inputs '{\"version\": \"2\"}'")
    assert.equal(0, code, err)
    assert.matches("node deploy (" .. f.node_ids.deploy .. ") retried with new inputs", out, 1, true)
    local req = sim:last_request()
    assert.equal(f.node_ids.deploy, h.decode(req.body).node_id)
    -- by the short id status shows
    local s = sim:task({template_id = 2, start = true})
    sim:advance(10)
    assert.equal(0, select(3, sops("skip " .. s.task_id .. " " .. s.node_ids.deploy:sub(1, 8))))
    assert.equal(s.node_ids.deploy, h.decode(sim:last_request().body).node_id)
    -- by a path of names, into a subprocess; a name used twice is ambiguous
    sim:control("POST", "templates", {id = 81, name = "twice", steps = {
      {name = "sync", duration = 1}, {name = "per region", subprocess = {steps = {{name = "sync", duration = 100}}}}}})
    local t = sim:task({template_id = 81, start = true})
    sim:advance(3) -- (the status tree holds the nodes that have begun: both syncs now)
    local before = #sim:requests()
    local _, amb, code2 = sops("skip " .. t.task_id .. " sync")
    assert.equal(2, code2)
    assert.matches("'sync' names 2 nodes: sync %(n%x+%), per region/sync %(n%x+%)", amb)
    assert.equal(before + 1, #sim:requests()) -- the status it read, nothing sent
    local _, _, code3 = sops("skip " .. t.task_id .. " 'per region/sync'")
    assert.equal(4, code3) -- found, and sent: bk-sops refuses to skip a node that has not failed
    local subsync
    for _, n in ipairs(t.nodes) do if n.path and #n.path > 1 and n.name == "sync" then subsync = n.id end end
    assert.equal(subsync, h.decode(sim:last_request().body).node_id)
    local _, none, code4 = sops("skip " .. t.task_id .. " nosuchnode")
    assert.equal(2, code4)
    assert.matches("task has no node 'nosuchnode'", none, 1, true)
  end)

  it("tasks and templates: list them, filtered, newest first; --json for scripts", function()
    local cjson = require "cjson"
    sim:freeze() -- (the running task stays RUNNING however long the listing takes)
    for i = 1, 5 do sim:task({template_id = 1, name = "t" .. i, creator = i % 2 == 0 and "bob" or "admin"}) end
    sim:task({template_id = 1, name = "running", start = true})
    sim:advance(0.5)
    local out, err, code = sops("tasks")
    assert.equal(0, code, err)
    assert.matches("^ID%s+STATE%s+CREATOR%s+NAME\n%d+%s+RUNNING%s+admin%s+running\n", out)
    assert.equal(7, select(2, out:gsub("\n", "")))
    out = sops("tasks --state created --creator bob --json")
    local list = cjson.decode(out)
    assert.equal(2, #list)
    assert.equal("t4", list[1].name)
    assert.equal("t2", list[2].name)
    out = sops("tasks --limit 2 --json")
    assert.equal(2, #cjson.decode(out))
    assert.equal(2, select(3, sops("tasks --state sleeping")))
    assert.equal(2, select(3, sops("tasks extra")))
    out = sops("templates --keyword FLAKY")
    assert.matches("^ID%s+CATEGORY%s+NAME\n2%s+OpsTools%s+Deploy with flaky step\n$", out)
    assert.equal(0, #cjson.decode((sops("templates --keyword nothing-like-this --json"))))
  end)

  it("api: calls any api of the table by name, fields typed from it, data as JSON", function()
    local cjson = require "cjson"
    for i = 1, 3 do sim:task({template_id = 1, name = "listed " .. i}) end
    local out, err, code = sops("api get_task_list -p limit=2 -p is_started=false -p keyword=listed")
    assert.equal(0, code, err)
    local list = cjson.decode(out)
    assert.equal(2, #list)
    assert.equal("listed 3", list[1].name)
    local req = sim:last_request()
    assert.same({limit = "2", is_started = "false", keyword = "listed", scope = "cmdb_biz"}, req.args)
    -- lists and objects as JSON, ids as given
    local _, err2, code2 = sops("api get_tasks_status -p 'task_id_list=[1,2]'")
    assert.equal(0, code2, err2)
    assert.same({task_id_list = {1, 2}, scope = "cmdb_biz"}, h.decode(sim:last_request().body))
    -- mistakes are usage errors, before anything is sent
    local before = #sim:requests()
    for _, bad in ipairs({"api no_such_api", "api get_task_list -p nofield=1", "api get_task_list -p limit=x",
      "api get_task_status", "api get_task_list -p limit", "api get_task_list -p limit=1 -p limit=2"}) do
      local _, e, c2 = sops(bad)
      assert.equal(2, c2, bad .. ": " .. e)
    end
    assert.equal(before, #sim:requests())
    assert.matches("-p limit given twice", select(2, sops("api get_task_list -p limit=1 -p limit=2")), 1, true)
    -- refusals exit 4, as for the other commands
    local _, _, refused = sops("api get_task_status -p task_id=999")
    assert.equal(4, refused)
    -- a node named as the node commands take it: name, path, id prefix
    local t = sim:task({template_id = 1, start = true})
    sim:advance(10)
    local deploy
    for id, child in pairs(cjson.decode((sops("api get_task_status -p task_id=" .. t.task_id))).children) do
      if child.name == "deploy" then deploy = id end
    end
    for _, word in ipairs({"deploy", deploy:sub(1, 8), deploy}) do
      local out2, err3, code3 = sops("api get_task_node_detail -p task_id=" .. t.task_id .. " -p node_id=" .. word)
      assert.equal(0, code3, err3)
      assert.equal(deploy, cjson.decode(out2).id)
      assert.equal(deploy, sim:last_request().args.node_id)
    end
    local _, nerr, ncode = sops("api get_task_node_detail -p task_id=" .. t.task_id .. " -p node_id=nosuch")
    assert.equal(2, ncode)
    assert.matches("task has no node 'nosuch'", nerr, 1, true)
    -- its help lists every call
    local help = sops("api --help")
    assert.matches("get_periodic_task_list", help, 1, true)
    assert.matches("Examples:\n  bksops api get_task_list", help, 1, true)
  end)

  it("--json: stdout holds exactly one JSON document, human lines go to stderr", function()
    local cjson = require "cjson"
    local t = sim:task({template_id = 1, start = true})
    for _, args in ipairs({"wait " .. t.task_id .. " --interval 0.05 --json",
      "start " .. sim:task({template_id = 1}).task_id .. " --wait --interval 0.05 --json"}) do
      local out, err, code = sops(args)
      assert.equal(0, code, args .. err)
      local doc = cjson.decode(out) -- raises on anything after the document
      assert.equal("FINISHED", doc.state, args)
      assert.matches("ended FINISHED", err, 1, true)
    end
  end)

  -- `bksops wait` on a task that never ends, sent SIGINT once its first poll
  -- reached the server; fault: armed first. Returns the exit code, the
  -- output and the task.
  local function interrupted_wait(args, fault)
    long_template()
    local t = sim:task({template_id = 80, start = true})
    sim:clear_log()
    if fault then sim:fault(fault) end
    local proc = h.spawn(sim:env() .. " " .. h.LUA .. " bin/bksops wait " .. t.task_id .. " " .. args .. " 2>&1")
    h.wait_until(function() return #sim:requests_to("/get_task_status/") >= 1 end)
    local socket = require "socket"
    local sent = socket.gettime()
    os.execute("kill -INT " .. proc.pid)
    local code, out = h.finish(proc)
    -- (well before the 60 s that the sleep or the server would have taken)
    assert.is_true(socket.gettime() - sent < 30)
    return code, out, t
  end

  it("wait: Ctrl-C ends it at once with status 130 and one line on what goes on, no traceback", function()
    -- a 60 s interval: only a sleep that wakes on the signal ends in time
    local code, out, t = interrupted_wait("--interval 60")
    assert.equal(130, code)
    assert.matches("\nbksops: interrupted; stopped waiting: task " .. t.task_id .. " goes on in bk%-sops %(bksops status "
      .. t.task_id .. "%)\n", "\n" .. out)
    assert.is_nil(out:find("traceback", 1, true))
    assert.is_nil(out:find("interrupted!", 1, true))
    assert.equal(1, #sim:requests_to("/get_task_status/"))
  end)

  it("wait: Ctrl-C while a request is in flight ends it at once too", function()
    -- the server holds the first poll for 60 s: only a transfer that stops on the signal ends in time
    local code, out, t = interrupted_wait("", {kind = "delay", seconds = 60, match = "/get_task_status/", count = 1})
    assert.equal(130, code)
    assert.matches("bksops: interrupted; stopped waiting: task " .. t.task_id .. " goes on", out, 1, true)
    assert.is_nil(out:find("traceback", 1, true))
  end)

  it("wait: several tasks, exit code of the worst outcome", function()
    local a = sim:task({template_id = 1, start = true})
    local b = sim:task({template_id = 1, start = true})
    local out, _, code = sops("wait " .. a.task_id .. " " .. b.task_id .. " --interval 0.05")
    assert.equal(0, code)
    -- one line per event, nodes included, for every task
    assert.matches("task " .. a.task_id .. " node deploy %(n%x+%) ", out)
    assert.matches("task " .. b.task_id .. " node deploy %(n%x+%) ", out)
    assert.matches("task " .. a.task_id .. " ended FINISHED", out)
    assert.matches("task " .. b.task_id .. " ended FINISHED", out)
    local c = sim:task({template_id = 2, start = true})
    local json, _, code2 = sops("wait " .. a.task_id .. " " .. c.task_id .. " --interval 0.05 --json")
    assert.equal(1, code2)
    local data = h.decode(json)
    assert.equal("FAILED", data[tostring(c.task_id)].state)
  end)

  it("pause, resume, revoke, retry, skip, skip-exg, callback", function()
    long_template()
    local t = sim:task({template_id = 80, start = true})
    sim:advance(1)
    local out, _, code = sops("pause " .. t.task_id)
    assert.equal(0, code)
    assert.matches("paused", out)
    assert.same({action = "pause", scope = "cmdb_biz"}, h.decode(sim:last_request().body))
    assert.equal(0, select(3, sops("resume " .. t.task_id)))
    assert.equal(0, select(3, sops("revoke " .. t.task_id)))
    local _, err, refused = sops("revoke " .. t.task_id)
    assert.equal(4, refused)
    assert.matches("cannot be revokeed", err)

    local f = sim:task({template_id = 2, start = true})
    sim:advance(10)
    out, _, code = sops("retry " .. f.task_id .. " " .. f.node_ids.deploy .. " --inputs '{\"version\": \"2\"}'")
    assert.equal(0, code)
    assert.matches("node deploy (" .. f.node_ids.deploy .. ") retried", out, 1, true)
    assert.same({node_id = f.node_ids.deploy, action = "retry", inputs = {version = "2"}, scope = "cmdb_biz"},
      h.decode(sim:last_request().body))
    local s = sim:task({template_id = 2, start = true})
    sim:advance(10)
    assert.equal(0, select(3, sops("skip " .. s.task_id .. " " .. s.node_ids.deploy)))
    local g = sim:task({template_id = 4, start = true})
    sim:advance(10)
    local gid = g.node_ids["choose route"]
    local flow
    for _, n in ipairs(g.nodes) do if n.id == gid then flow = n.flows[2].id end end
    assert.equal(0, select(3, sops("skip-exg " .. g.task_id .. " " .. gid .. " " .. flow)))
    assert.equal("skip_exg", h.decode(sim:last_request().body).action)
    local cb = sim:task({template_id = 3, start = true})
    sim:advance(10)
    out, _, code = sops("callback " .. cb.task_id .. " " .. cb.node_ids.approve .. " --data '{\"ok\": true}'")
    assert.equal(0, code)
    assert.matches("node restart service/approve (" .. cb.node_ids.approve .. ") got the callback", out, 1, true)
    assert.same({ok = true}, h.decode(sim:last_request().body).data)
  end)

  it("exits 4 when the API refuses and 5 on transport errors", function()
    local _, err, code = sops("status 999999")
    assert.equal(4, code)
    assert.matches("api error 3540400", err)
    local _, err2, code2 = sops("status 1", {BK_SOPS_URL = "http://127.0.0.1:" .. h.dead_port() .. "/prod"})
    assert.equal(5, code2)
    assert.matches("transport error", err2)
    local _, _, code3 = sops("status 1", {BK_APP_SECRET = "wrong"})
    assert.equal(4, code3)
  end)

  it("says so and exits 6 when its output cannot be written (a full disk, a closed stdout)", function()
    local t = sim:task({template_id = 1})
    for _, redirect in ipairs({"> /dev/full", ">&-"}) do
      local _, err, code = sops("status " .. t.task_id .. " " .. redirect)
      assert.equal(6, code, redirect)
      assert.matches("^bksops: write error: ", err)
    end
    -- the task was made: the exit code says its id was lost
    local before = #sim:requests_to("create_task")
    local _, err, code = sops("create 1 --json > /dev/full")
    assert.equal(6, code)
    assert.matches("bksops: write error: No space left on device", err, 1, true)
    assert.equal(before + 1, #sim:requests_to("create_task"))
  end)

  it("run: after a start whose answer was lost, says what it knows, never 'not started'", function()
    -- the start reached bk-sops, which started the task; its answer was cut off
    sim:fault({kind = "truncate", match = "/start_task/"})
    local out, err, code = sops("run 1 --wait --interval 0.05")
    assert.equal(0, code, err)
    assert.is_nil(err:find("not started", 1, true))
    assert.matches("the start's answer was lost %(.*%), but the task started", err)
    assert.matches("FINISHED", out)
    -- the answer lost before bk-sops got to it: it may start yet
    sim:fault({kind = "delay", seconds = 3, match = "/start_task/"})
    local _, err2, code2 = sops("run 1 --request-timeout 0.5")
    assert.equal(5, code2)
    assert.is_nil(err2:find("not started", 1, true))
    assert.matches("the start was sent but its answer was lost, so it may have started; 'bksops status %d+' shows",
      err2)
    -- refused outright: not started, and said so
    sim:fault({kind = "status", status = 403, match = "/start_task/"})
    local _, err3, code3 = sops("run 1")
    assert.equal(4, code3)
    assert.matches("was created but not started", err3, 1, true)
  end)

  describe("text from the server", function()
    -- anyone who names a task, a template or a node, or writes a plugin's
    -- error output, controls these bytes: a title, the clipboard (OSC 52),
    -- a cleared screen, a CR that makes FAILED read FINISHED, DEL, C1 CSI
    local EVIL = "evil\27]0;owned\7\27]52;c;aGk=\7\27[2J\rFINISHED\194\155 x\127\nforged line"
    local RAW = {"\27", "\7", "\r", "\127", "\194\155", "\nforged"}

    local function clean(text, what)
      for _, b in ipairs(RAW) do
        assert(not text:find(b, 1, true), what .. " let " .. ("%q"):format(b) .. " through: " .. ("%q"):format(text))
      end
      assert.matches("^[", text, 1, true) -- shown, not dropped
    end

    it("reaches the terminal with every control character shown visibly; --json stays exact", function()
      sim:control("POST", "templates", {id = 81, name = EVIL, steps = {{name = EVIL, fail = {ex_data = EVIL}}}})
      local t = sim:task({template_id = 81, name = EVIL, start = true})
      sim:control("POST", "time", {advance = 60})
      local out, err = sops("status " .. t.task_id .. " --json")
      local status = h.decode(out)
      assert.equal(EVIL, status.name, err)
      assert.equal("FAILED", status.state)
      local node
      for id, n in pairs(status.children) do
        if n.name == EVIL then node = id end
      end
      for _, args in ipairs({"templates", "tasks", "status " .. t.task_id, "show " .. t.task_id,
        "node " .. t.task_id .. " " .. node, "wait " .. t.task_id .. " --interval 0.05 --events"}) do
        local o, e = sops(args)
        clean(o .. e, args)
      end
      -- an error message from the server, too
      sim:fault({kind = "garbage", status = 200, content_type = "application/json",
        body = '{"result": false, "code": 1, "message": "\\u001b]52;c;aGk=\\u0007\\rdone", "data": null}'})
      local _, ferr, code = sops("status " .. t.task_id)
      assert.equal(4, code)
      clean(ferr, "an error line")
    end)
  end)

  describe("on a terminal", function()
    local function in_tty(args, env)
      return h.run("script -qec " .. h.shell_quote(sim:env(env) .. " " .. h.LUA .. " bin/bksops " .. args) .. " /dev/null")
    end
    -- script(1) needs a pseudo-terminal; a bare chroot may have none
    local has_pty = select(3, h.run("script -qec true /dev/null")) == 0
    -- the screen's tests run on the simulator's frozen clock, moved by the
    -- spec: what they see does not depend on the machine's speed
    before_each(function() sim:freeze() end)
    after_each(function() sim:control("POST", "time", {freeze = false}) end)

    it("wait redraws a live view in colour", function()
      if not has_pty then return pending("no pseudo-terminal on this machine") end
      -- the clock stands still until the first frame is up, then the spec
      -- moves it: a second frame whatever the machine's speed
      local t = sim:task({template_id = 1, start = true})
      sim:advance(0.5) -- started: precheck runs
      local typescript = os.tmpname()
      finally(function() os.remove(typescript) end)
      local proc = h.spawn("script -qfec " .. h.shell_quote(sim:env() .. " " .. h.LUA .. " bin/bksops wait "
        .. t.task_id .. " --interval 0.05") .. " " .. typescript)
      h.wait_until(function() return h.read(typescript):find("0/3 nodes finished", 1, true) ~= nil end)
      sim:advance(60)
      local code = h.finish(proc)
      local out = h.read(typescript)
      assert.equal(0, code, out)
      assert.matches("3/3 nodes finished", out, 1, true)
      assert.matches("\27[32mFINISHED\27[0m", out, 1, true)
      assert.matches("\r\27%[%dA\27%[J", out) -- moved back up to redraw
    end)

    it("shows a poll that failed and is tried again in the live view", function()
      if not has_pty then return pending("no pseudo-terminal on this machine") end
      local t = sim:task({template_id = 1, start = true})
      sim:advance(60)
      sim:fault({kind = "reset", match = "/get_task_status/", count = 4})
      local out, _, code = in_tty("wait " .. t.task_id .. " --interval 0.05", {NO_COLOR = "1"})
      assert.equal(0, code, out)
      assert.matches("retrying: [^\r\n]* %(%d%a%a attempt%)", out)
      assert.matches("3/3 nodes finished", out, 1, true)
    end)

    it("shows the server's control characters visibly in the live view, its own colours as colours", function()
      if not has_pty then return pending("no pseudo-terminal on this machine") end
      local evil = "evil\27]52;c;aGk=\7\27[2J\rFINISHED\194\155"
      sim:control("POST", "templates", {id = 82, name = evil, steps = {{name = evil, fail = {ex_data = evil}}}})
      local t = sim:task({template_id = 82, name = evil, start = true})
      sim:advance(60)
      local out = in_tty("wait " .. t.task_id .. " --interval 0.05")
      assert.matches("\27[31mFAILED\27[0m", out, 1, true)
      assert.matches("evil^[]52;c;aGk=^G^[[2J^MFINISHED\\x9b", out, 1, true)
      for _, b in ipairs({"\27]", "\7", "\27[2J", "\rFINISHED", "\194\155"}) do
        assert.is_nil(out:find(b, 1, true), ("%q"):format(b))
      end
    end)

    for _, signal in ipairs({"TERM", "HUP"}) do
      it("restores the terminal on SIG" .. signal .. ", as on Ctrl-C", function()
        if not has_pty then return pending("no pseudo-terminal on this machine") end
        long_template()
        local t = sim:task({template_id = 80, start = true})
        local typescript = os.tmpname()
        -- (a word of its own on its command line, for pkill to find it)
        local marker = "bin/bksops wait " .. t.task_id .. " --interval 0.05" .. (signal == "TERM" and "17" or "19")
        local proc = h.spawn("script -qfec " .. h.shell_quote(sim:env() .. " " .. h.LUA .. " " .. marker) .. " "
          .. typescript)
        -- the live view is up: its cursor is hidden
        h.wait_until(function() return h.read(typescript):find("\27[?25l", 1, true) ~= nil end)
        -- (the Lua process itself, not script(1) or the shells around it;
        -- pkill without the sanitizer's runtime, under which it deadlocks)
        os.execute("env -u LD_PRELOAD pkill -" .. signal .. " -f -- " .. h.shell_quote("^" .. h.LUA .. " " .. marker))
        h.finish(proc)
        local out = h.read(typescript)
        os.remove(typescript)
        local hidden = select(2, out:find("\27[?25l", 1, true))
        assert.is_truthy(out:find("\27[0m\27[?25h", hidden, true), ("%q"):format(out:sub(-200)))
      end)
    end

    it("respects NO_COLOR", function()
      if not has_pty then return pending("no pseudo-terminal on this machine") end
      local t = sim:task({template_id = 1, start = true})
      sim:advance(60)
      local out, _, code = in_tty("wait " .. t.task_id .. " --interval 0.05", {NO_COLOR = "1"})
      assert.equal(0, code)
      assert.matches("nodes finished", out, 1, true)
      assert.is_nil(out:find("\27[32m", 1, true))
    end)
  end)
end)

describe("bksops wait: a screen to trust", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("names the failed node in its hint", function()
    local t = sim:task({template_id = 2, start = true})
    sim:advance(60)
    local out, err, code = sops("wait " .. t.task_id .. " --interval 0.05")
    assert.equal(1, code, err)
    assert.matches(string.format("(bksops node %d deploy shows its inputs and error; bksops retry %d deploy retries it)",
      t.task_id, t.task_id), out, 1, true)
  end)

  it("lists the nodes' changes, not the events and gateways bk-sops leaves unnamed", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(60)
    local out, err, code = sops("wait " .. t.task_id .. " --interval 0.05")
    assert.equal(0, code, err)
    assert.matches("node verify (", out, 1, true)
    assert.is_nil(out:find("unnamed", 1, true), out)
    assert.is_nil(out:find("gateway or event", 1, true), out)
  end)

  it("at the deadline: no retry line for the last poll, and says the task goes on", function()
    long_template()
    local a, b = sim:task({template_id = 80, start = true}), sim:task({template_id = 80, start = true})
    sim:advance(1) -- both running
    -- every round answers after the deadline: the last one fails only because the time is up
    sim:fault({kind = "delay", seconds = 1, match = "/get_tasks_status/", count = 5})
    local _, err, code = sops("wait " .. a.task_id .. " " .. b.task_id .. " --timeout 0.3 --interval 0.05")
    assert.equal(3, code, err)
    assert.is_nil(err:find("retrying", 1, true), err)
    assert.matches("task " .. a.task_id .. " goes on in bk-sops: bksops wait " .. a.task_id .. " watches it again",
      err, 1, true)
    local _, err1, code1 = sops("wait " .. a.task_id .. " --timeout 0.2 --interval 0.05")
    assert.equal(3, code1, err1)
    assert.matches("goes on in bk-sops", err1, 1, true)
    -- not when the deadline revoked it
    local _, err2, code2 = sops("wait " .. b.task_id .. " --timeout 0.2 --interval 0.05 --on-timeout revoke")
    assert.equal(3, code2, err2)
    assert.is_nil(err2:find("goes on", 1, true), err2)
  end)

  it("at the deadline, one task: no retry line for the poll the deadline cut, and says the task goes on", function()
    long_template()
    local t = sim:task({template_id = 80, start = true})
    sim:advance(1) -- running, and (the clock frozen) running still at the deadline
    -- every poll answers long after the deadline: the one the deadline cuts
    -- fails only because the time is up, which is no failure to try again
    sim:fault({kind = "delay", seconds = 5, match = "/get_task_status/", count = 5})
    local out, err, code = sops("wait " .. t.task_id .. " --timeout 0.3 --interval 0.05")
    assert.equal(3, code, err)
    assert.is_nil(err:find("retrying", 1, true), err)
    assert.is_nil(out:find("retrying", 1, true), out)
    assert.matches("task " .. t.task_id .. " goes on in bk-sops: bksops wait " .. t.task_id .. " watches it again",
      err, 1, true)
    assert.is_true(#sim:requests_to("/get_task_status/") >= 1) -- it did ask
  end)
end)

describe("bksops -o: output formats", function()
  h.use_sim({"--speed", "50"}, false, function(s) sim = s end)

  it("-o json is --json, byte for byte; -o yaml is the same data as YAML", function()
    local t = sim:task({template_id = 1, name = "formats"})
    local json, err, code = sops("show " .. t.task_id .. " --json")
    assert.equal(0, code, err)
    local o_json, err2, code2 = sops("show " .. t.task_id .. " -o json")
    assert.equal(0, code2, err2)
    assert.equal(h.decode(json).id, h.decode(o_json).id)
    assert.equal(#json, #o_json)
    local yaml, err3, code3 = sops("show " .. t.task_id .. " -o yaml")
    assert.equal(0, code3, err3)
    -- keys sorted, nested maps indented, strings a reader could take for
    -- something else quoted
    assert.matches("^constants:\n  ${app}:\n    custom_type: input\n", yaml)
    assert.matches("\nid: " .. t.task_id .. "\n", yaml, 1, true)
    assert.matches("\nname: formats\n", yaml, 1, true)
    assert.matches("\nstate: CREATED\n", yaml, 1, true)
    assert.matches('\n    value: "1.0.0"\n', yaml, 1, true)
    assert.matches('\ncreate_time: "%d%d%d%d%-', yaml)
    -- empty lists and maps, and a list of maps
    assert.equal("[]\n", (sops("tasks --creator nobody -o yaml")))
    local list = sops("tasks --limit 1 -o yaml")
    assert.matches("^%- auth_actions:\n    %- task_view\n", list)
    assert.matches("\n  name: formats\n", list, 1, true)
  end)

  it("yaml: quotes what a reader would take for something else, escapes control characters", function()
    local yaml = require "sops.cli.yaml"
    local core = require "sops.core"
    local cases = {
      {"plain words", "plain words"}, {"${ip}", "${ip}"}, {"中文", "中文"}, {"", '""'}, {"yes", '"yes"'},
      {"No", '"No"'}, {"null", '"null"'}, {"~", '"~"'}, {"42", '"42"'}, {"-1", '"-1"'}, {".inf", '".inf"'},
      {"1.4.2", '"1.4.2"'}, {"2024-05-01", '"2024-05-01"'}, {"a: b", '"a: b"'}, {"a #b", '"a #b"'},
      {"- x", '"- x"'}, {"[x]", '"[x]"'}, {"&a", '"&a"'}, {"'q'", [["'q'"]]}, {'say "hi"', [["say \"hi\""]]},
      {"two\nlines", [["two\nlines"]]}, {"\27]52;c;aGk=\7", [["\x1b]52;c;aGk=\x07"]]}, {"c1\194\155", [["c1\x9b"]]},
      {"trailing ", '"trailing "'},
    }
    for _, case in ipairs(cases) do
      assert.equal(case[2] .. "\n", yaml.encode(case[1]), case[1])
    end
    assert.equal("a: 1\nb:\n  - 1\n  - - 2\n    - 3\n  - x: null\nc: {}\nd: []\ne: true\n",
      yaml.encode({b = {1, {2, 3}, {x = require("sops").null}}, a = 1, c = {}, d = setmetatable({}, core.array_mt), e = true}))
    assert.equal('"7": done\n', yaml.encode({["7"] = "done"}))
    assert.has_error(function() yaml.encode("not \255 UTF-8") end)
  end)

  it("-o field=PATH prints one field, for $(...) without jq; a list's items one a line", function()
    local out, err, code = sops("run 1 -o field=task_id")
    assert.equal(0, code, err)
    local id = tonumber(out:match("^(%d+)\n$"))
    assert.is_number(id, out)
    assert.matches("task " .. id .. " created", err, 1, true) -- human text on stderr
    out = h.run("id=$(" .. sim:env() .. " " .. h.LUA .. " bin/bksops run 1 -o field=task_id) && " .. sim:env() .. " "
      .. h.LUA .. " bin/bksops show $id -o field=name")
    assert.matches("^Deploy web app_%d+\n$", out)
    out, err, code = sops("run 1 --wait --interval 0.05 -o field=status.state")
    assert.equal(0, code, err)
    assert.equal("FINISHED\n", out)
    sim:task({template_id = 1, name = "newest"})
    assert.equal("newest\n", (sops("tasks -o field=[0].name")))
    assert.equal("CREATED\n", (sops("tasks -o 'field=[0].state'")))
    local names = sops("tasks -o field=name")
    assert.matches("^newest\nDeploy web app_%d+\n", names)
    assert.equal(4, select(2, names:gsub("\n", "")))
    -- a string as it is, null as nothing, the rest as JSON
    local t = sim:task({template_id = 1})
    assert.equal("\n", (sops("show " .. t.task_id .. " -o field=finish_time")))
    assert.equal("web\n", (sops("show " .. t.task_id .. " -o 'field=constants.${app}.value'")))
    assert.equal("1\n", (sops("show " .. t.task_id .. " -o 'field=constants.${version}.index'")))
    assert.equal("[]\n", (sops("show " .. t.task_id .. " -o field=outputs")))
    -- a field the answer does not have: said, exit 5 (the command's act is done)
    local _, missing, mcode = sops("show " .. t.task_id .. " -o field=nope")
    assert.equal(5, mcode)
    assert.matches("-o field=nope: the answer has no nope (it has constants, ", missing, 1, true)
    -- a path that is not one: a usage error, before anything is sent
    sim:clear_log()
    for _, bad in ipairs({"field=", "field=a..b", "field=a[x]", "field=a.", "field=[0", "xml"}) do
      local _, e, c = sops("run 1 -o '" .. bad .. "'")
      assert.equal(2, c, bad)
      assert.matches("--output: ", e, 1, true)
    end
    assert.equal(0, #sim:requests_to("/create_task/"))
  end)

  it("-o name prints the ids, one a line, so commands chain", function()
    local failed = {}
    for i = 1, 2 do failed[i] = sim:task({template_id = 5, start = true}).task_id end
    sim:task({template_id = 1, start = true})
    sim:advance(120)
    local out, err, code = sops("tasks --state failed -o name")
    assert.equal(0, code, err)
    assert.equal(failed[2] .. "\n" .. failed[1] .. "\n", out)
    -- piped into another command
    out, err, code = h.run(sim:env() .. " " .. h.LUA .. " bin/bksops tasks --state failed -o name | " .. sim:env()
      .. " xargs -n1 " .. h.LUA .. " bin/bksops status -o field=state")
    assert.equal(0, code, err)
    assert.equal("FAILED\nFAILED\n", out)
    -- a task's own commands name the task; node its node
    assert.equal(failed[1] .. "\n", (sops("status " .. failed[1] .. " -o name")))
    assert.equal(failed[1] .. "\n", (sops("why " .. failed[1] .. " -o name")))
    assert.equal("8\n2\n1\n", (sops("templates --keyword deploy -o name")))
    local node = sops("node " .. failed[1] .. " broken -o name")
    assert.matches("^n%x+\n$", node)
  end)

  it("listings start with a line naming their columns; --no-headers and -o name leave it out; -o wide has more",
    function()
      sim:task({template_id = 1, name = "listed"})
      local out = sops("tasks")
      assert.matches("^ID%s+STATE%s+CREATOR%s+NAME\n%d+%s+CREATED%s+admin%s+listed\n", out)
      out = sops("tasks --no-headers")
      assert.matches("^%d+%s+CREATED%s+admin%s+listed\n", out)
      out = sops("tasks -o wide")
      assert.matches("^ID%s+STATE%s+CREATOR%s+EXECUTOR%s+TEMPLATE%s+STARTED%s+FINISHED%s+NAME\n"
        .. "%d+%s+CREATED%s+admin%s+%-%s+1%s+%-%s+%-%s+listed\n", out)
      out = sops("templates --keyword 'web app' -o wide")
      assert.matches("^ID%s+CATEGORY%s+CREATOR%s+EDITOR%s+EDITED%s+NAME\n"
        .. "1%s+OpsTools%s+admin%s+%-%s+%d[%d: +-]+ Deploy web app\n$", out)
      assert.matches("^%d+\n", (sops("tasks -o name")))
    end)

  it("--quiet prints nothing but errors; the exit code says the rest", function()
    local out, err, code = sops("run 1 --wait --interval 0.05 -q")
    assert.equal(0, code, err)
    assert.equal("", out)
    assert.equal("", err)
    out, err, code = sops("run 5 --wait --interval 0.05 --quiet")
    assert.equal(1, code, err)
    assert.equal("", out .. err)
    local t = sim:task({template_id = 1})
    out, err, code = sops("pause " .. t.task_id .. " -q")
    assert.equal(4, code)
    assert.equal("", out)
    assert.matches("api error", err, 1, true)
    assert.equal("", (sops("tasks -q")))
    -- with a format, or --json and another format: which one is meant is unclear
    for _, bad in ipairs({"tasks -q -o json", "tasks -q --json", "tasks --json -o yaml"}) do
      local _, e, c = sops(bad)
      assert.equal(2, c, bad)
      assert.matches("format", e .. " format", 1, true)
    end
  end)
end)
