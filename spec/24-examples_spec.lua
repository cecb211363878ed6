-- make demo and the scripts in examples/, run as a user would.
local h = require "helpers"


describe("make demo", function()
  it("runs the whole job on the bundled simulator", function()
    local out, err, code = h.run("make -s demo LUA=" .. h.LUA)
    assert.equal(0, code, err)
    assert.matches("created task %d+ from template 2 %(Deploy with flaky step%)", out)
    assert.matches("node deploy %(n%x+%) RUNNING %-> FAILED", out)
    assert.matches("retrying deploy %(n%x+%): job execution failed", out)
    assert.matches("├─ deploy  FINISHED  2s  (retry 1)", out, 1, true)
    assert.matches("task %d+ FINISHED: 3 of 3 nodes finished, 1 retried", out)
    assert.matches("task %d+ waits on its completion callback at http://127%.0%.0%.1:%d+", out)
    assert.matches("task %d+ FINISHED after [%d.]+ s: 2 status polls, the callback said task_success true", out)
  end)
end)

describe("examples", function()
  local sim
  h.use_sim({"--speed", "50"}, false, function(s) sim = s end, true)

  local function example(name, args)
    return h.run(sim:env() .. " " .. h.LUA_ENV .. " " .. h.LUA .. " examples/" .. name .. " " .. args)
  end

  it("wait_and_retry.lua retries the failed node until the task finishes", function()
    local t = sim:task({template_id = 2, start = true})
    local out, err, code = example("wait_and_retry.lua", t.task_id)
    assert.equal(0, code, err)
    assert.matches("retrying deploy: job execution failed", out)
    assert.matches("task " .. t.task_id .. " ended FINISHED", out)
  end)

  it("wait_and_retry.lua gives up on a node that cannot be retried", function()
    local t = sim:task({template_id = 5, start = true})
    local _, err, code = example("wait_and_retry.lua", t.task_id)
    assert.equal(1, code)
    assert.matches("can not retry node", err)
  end)

  it("wait_many.lua waits for several tasks", function()
    local a = sim:task({template_id = 1, start = true})
    local b = sim:task({template_id = 2, start = true})
    local out, _, code = example("wait_many.lua", a.task_id .. " " .. b.task_id)
    assert.equal(1, code)
    assert.matches("task " .. a.task_id .. ": FINISHED", out)
    assert.matches("task " .. b.task_id .. ": FAILED", out)
  end)

  it("callback_node.lua approves a node inside a subprocess", function()
    local t = sim:task({template_id = 3, start = true})
    local out, err, code = example("callback_node.lua", t.task_id .. " approve")
    assert.equal(0, code, err)
    assert.matches("approved approve %(" .. t.node_ids.approve .. "%)", out)
    assert.matches("task " .. t.task_id .. " ended FINISHED", out)
  end)

  it("work with nothing but the bksops command's config file, as sops.new{profile = ...} reads it", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/bksops"))
    local f = assert(io.open(dir .. "/secret", "w"))
    f:write(h.APP_SECRET, "\n")
    f:close()
    os.execute("chmod 600 " .. dir .. "/secret")
    f = assert(io.open(dir .. "/bksops/config", "w"))
    f:write(table.concat({"[default]", "url = " .. sim.url .. "/prod", "app_code = " .. h.APP_CODE,
      "app_secret_file = " .. dir .. "/secret", "username = admin", "biz = 2",
      "[other]", "biz = 99"}, "\n"))
    f:close()
    local env = sim:env({BK_SOPS_URL = false, BK_APP_CODE = false, BK_APP_SECRET = false, BK_USERNAME = false,
      BK_BIZ_ID = false, BKSOPS_CONFIG = false, XDG_CONFIG_HOME = dir})
    local a = sim:task({template_id = 1, start = true})
    local out, err, code = h.run(env .. " " .. h.LUA_ENV .. " " .. h.LUA .. " examples/wait_many.lua " .. a.task_id)
    assert.equal(0, code, err)
    assert.matches("task " .. a.task_id .. ": FINISHED", out)
    assert.equal("", err)
    -- a profile by name, its options beside the file's; what sops.new is given wins
    local script = "local sops = require 'sops'; local c = sops.new{profile = 'other', timeout = 3}; "
      .. "local _, _, e = c:get_task_status{task_id = " .. a.task_id .. "}; print(c:defaults().bk_biz_id, e.kind)"
    out, err, code = h.run(env .. " " .. h.LUA_ENV .. " " .. h.LUA .. " -e " .. h.shell_quote(script))
    assert.equal(0, code, err)
    assert.equal("99\tapi\n", out)
    -- a profile that is not there raises as an argument mistake
    script = "local sops = require 'sops'; sops.new{profile = 'nobody'}"
    local _
    _, err, code = h.run(env .. " " .. h.LUA_ENV .. " " .. h.LUA .. " -e " .. h.shell_quote(script))
    assert.not_equal(0, code)
    assert.matches("bad argument #1 to 'sops.new' (option 'profile': no profile 'nobody' in " .. dir
      .. "/bksops/config)", err, 1, true)
    os.execute("rm -rf " .. h.shell_quote(dir))
  end)
end)

describe("examples on a multi-tenant BlueKing", function()
  local sim
  h.use_sim({"--speed", "50", "--edition", "multi-tenant"}, false, function(s) sim = s end, true)

  it("app_state.lua starts a task as the app, the tenant from BKPAAS_APP_TENANT_ID, and waits for it", function()
    local env = sim:env({BK_USERNAME = false, BKPAAS_APP_TENANT_ID = ""})
    local out, err, code = h.run(env .. " " .. h.LUA_ENV .. " " .. h.LUA .. " examples/app_state.lua 1")
    assert.equal(0, code, err)
    assert.matches("^sops.client %(system .-, no user, tenant system%)\n", out)
    local id = tonumber(out:match("task (%d+) ended FINISHED"))
    assert.is_number(id, out)
    -- every request through /system/, naming the tenant, no user in the header
    local seen = 0
    for _, r in ipairs(sim:requests()) do
      if not r.path:find("^/_sim") then
        assert.matches("^/prod/system/", r.path)
        assert.equal("system", r.headers["x-bk-tenant-id"])
        assert.is_nil(h.decode(r.headers["x-bkapi-authorization"]).bk_username)
        seen = seen + 1
      end
    end
    assert.is_true(seen >= 3, seen .. " requests")
  end)

  it("README's 'Multi-tenant BlueKing and app-state calls' runs as printed, and prints what it shows", function()
    local section = assert(h.read("README.md"):match("\n## Multi%-tenant BlueKing and app%-state calls\n(.-)\n## "),
      "no such section in README")
    local block = assert(section:match("```sh\n(.-)```"), "no sh block in the section")
    local start, command, shown = nil, {}, {}
    for line in block:gmatch("[^\n]+") do
      if line:match("^bin/bksops%-sim ") then
        start = line
      elseif line:match("^# ") then
        shown[#shown + 1] = line:sub(3)
      else
        command[#command + 1] = (line:gsub("%s*\\$", ""))
      end
    end
    -- the simulator as README starts it: its edition and speed are this block's
    assert.matches(" %-%-edition multi%-tenant ", start .. " ")
    assert.matches(" %-%-speed 50 ", start .. " ")
    local base = assert(start:match("%-%-port (%d+)"))
    -- (the simulator's own app, sim-app, is this spec's: the simulators here take spec-app)
    local function ours(text)
      return (text:gsub("http://127%.0%.0%.1:" .. base, sim.url):gsub("sim%-app", h.APP_CODE)
        :gsub("sim%-secret", h.APP_SECRET))
    end
    command = ours(table.concat(command, " "))
    local words = assert(command:match("^(.-) lua (examples/%S+.*)$"), command)
    local run = command:match("^.- lua (examples/%S+.*)$")
    sim:reset()
    -- (the machine's own variables out, README's in: they come after)
    local out, err, code = h.run(sim:env({BK_USERNAME = false, BK_BIZ_ID = false, BK_SOPS_URL = false,
      BK_APP_CODE = false, BK_APP_SECRET = false}) .. " " .. words .. " " .. h.LUA_ENV .. " " .. h.LUA .. " " .. run)
    assert.equal(0, code, err)
    local want = {}
    for i, line in ipairs(shown) do want[i] = ours(line) end
    local got = {}
    for l in out:gmatch("[^\n]+") do got[#got + 1] = l end
    assert.same(want, got)
  end)
end)
