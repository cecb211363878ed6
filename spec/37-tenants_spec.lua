-- Multi-tenant BlueKing from the client's side: the tenant read as
-- BlueKing's SDKs read it (BK_APP_TENANT_ID, then BKPAAS_APP_TENANT_ID,
-- set but empty meaning "system") by sops.new{profile = ...} and the
-- command, sent as X-Bk-Tenant-Id on every request; no ESB with a tenant;
-- the app-state route ("system"): no user needed, the calls without a twin
-- refused before anything is sent.
local h = require "helpers"
local sops = require "sops"

local sim

-- the X-Bk-Tenant-Id of every request the simulator saw since its log
-- was last cleared (and clears it)
local function tenants()
  local out = {}
  local log = sim:requests()
  sim:clear_log()
  for _, r in ipairs(log) do
    if not r.path:find("^/_sim") then out[#out + 1] = r.headers["x-bk-tenant-id"] or "(none)" end
  end
  return out
end

local function bksops(args, env)
  return h.run(sim:env(env) .. " " .. h.LUA .. " bin/bksops " .. args)
end

-- a script run as a process with env (the library reads os.getenv)
local function script(code, env)
  local file = os.tmpname()
  local f = assert(io.open(file, "w"))
  f:write(code)
  f:close()
  local out, err, status = h.run(sim:env(env) .. " " .. h.LUA .. " " .. file)
  os.remove(file)
  return out, err, status
end

local SCRIPT = [[
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = os.getenv("SOPS_SPEC_CPATH") .. ";" .. package.cpath
local sops = require "sops"
local c = sops.new{profile = true}
print(tostring(c))
assert(c:get_task_list{limit = 1})
assert(c:get_tasks_status{task_id_list = {1}})
]]

describe("tenants", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  local cpath = {SOPS_SPEC_CPATH = "./" .. h.BUILD .. "/?.so"}
  local function env(extra)
    local e = {}
    for k, v in pairs(cpath) do e[k] = v end
    for k, v in pairs(extra) do e[k] = v end
    return e
  end

  it("sops.new{profile = true} sends BKPAAS_APP_TENANT_ID's tenant on every request, GET and POST", function()
    sim:clear_log()
    local out, err, code = script(SCRIPT, env({BKPAAS_APP_TENANT_ID = "tenant-a"}))
    assert.equal(0, code, err)
    assert.matches("tenant tenant-a", out, 1, true)
    assert.same({"tenant-a", "tenant-a"}, tenants())
  end)

  it("a variable set but empty names the system tenant; BK_APP_TENANT_ID comes first", function()
    sim:clear_log()
    local _, err, code = script(SCRIPT, env({BKPAAS_APP_TENANT_ID = ""}))
    assert.equal(0, code, err)
    assert.same({"system", "system"}, tenants())
    sim:clear_log()
    _, err, code = script(SCRIPT, env({BK_APP_TENANT_ID = "tenant-b", BKPAAS_APP_TENANT_ID = "tenant-a"}))
    assert.equal(0, code, err)
    assert.same({"tenant-b", "tenant-b"}, tenants())
    -- none set: no header at all (a BlueKing without tenants)
    sim:clear_log()
    _, err, code = script(SCRIPT, env({}))
    assert.equal(0, code, err)
    assert.same({"(none)", "(none)"}, tenants())
  end)

  it("the command: --tenant-id, else the environment; doctor and config show say which and whence", function()
    sim:clear_log()
    local _, err, code = bksops("tasks --limit 1", {BKPAAS_APP_TENANT_ID = ""})
    assert.equal(0, code, err)
    for _, t in ipairs(tenants()) do assert.equal("system", t) end
    sim:clear_log()
    _, err, code = bksops("tasks --limit 1 --tenant-id tenant-c", {BK_APP_TENANT_ID = "tenant-b"})
    assert.equal(0, code, err)
    for _, t in ipairs(tenants()) do assert.equal("tenant-c", t) end
    local out = bksops("doctor", {BK_APP_TENANT_ID = "tenant-b"})
    assert.matches("ok   tenant        tenant tenant-b (from BK_APP_TENANT_ID), sent as X-Bk-Tenant-Id", out, 1, true)
    out = bksops("config show", {BKPAAS_APP_TENANT_ID = ""})
    assert.matches("tenant_id%s+system%s+from BKPAAS_APP_TENANT_ID", out)
  end)

  it("a tenant with an ESB URL is refused before anything is sent", function()
    local esb = sim.url .. "/api/c/compapi/v2/sops"
    local ok, msg = pcall(function()
      local c = sops.new{url = esb, app_code = h.APP_CODE, app_secret = h.APP_SECRET, username = "admin",
        tenant_id = "system"} -- (not a tail call: the error names this line)
      return c
    end)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'sops.new' (option 'tenant_id': the ESB has no tenants", msg, 1, true)
    assert.matches("37%-tenants_spec", msg)
    sim:clear_log()
    local _, err, code = bksops("tasks", {BK_SOPS_URL = esb, BKPAAS_APP_TENANT_ID = ""})
    assert.equal(2, code)
    assert.matches("the ESB has no tenants", err, 1, true)
    assert.same({}, sim:requests())
  end)
end)

describe("the app-state route (route = 'system')", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  local function client(extra)
    local o = {url = sim.url .. "/prod", route = "system", app_code = h.APP_CODE, app_secret = h.APP_SECRET,
      bk_biz_id = 2, tenant_id = "system"}
    for k, v in pairs(extra or {}) do o[k] = v end
    return sops.new(o)
  end

  it("needs no user, takes one at most, and says so in tostring", function()
    local c = client()
    assert.matches("^sops.client %(system " .. sim.url:gsub("%p", "%%%0") .. "/prod, app .-, no user, tenant system%)$",
      tostring(c))
    c:close()
    c = client({username = "admin"})
    assert.matches("bk_username admin, tenant system", tostring(c), 1, true)
    c:close()
    local ok, msg = pcall(client, {username = "admin", bk_token = "t0ken"})
    assert.is_false(ok)
    assert.matches("at most one of 'username', 'bk_token' or 'access_token' expected", msg, 1, true)
    ok, msg = pcall(sops.new, {url = sim.url .. "/prod", app_code = h.APP_CODE, app_secret = h.APP_SECRET})
    assert.is_false(ok)
    assert.matches("exactly one of", msg, 1, true)
  end)

  it("refuses a call that has no app-state twin before sending it, at the caller's line", function()
    local c = client()
    sim:clear_log()
    local ok, msg = pcall(function()
      local v = c:get_task_count{} -- (not a tail call: the error names this line)
      return v
    end)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'sops.get_task_count' (the app-state route has no 'get_task_count'", msg, 1,
      true)
    assert.matches("37%-tenants_spec", msg)
    assert.same({}, sim:requests())
    c:close()
  end)

  it("sends a twin to /system/ with the app's credentials in the header alone", function()
    local c = client()
    c:get_task_list{limit = 1}
    local req = sim:last_request()
    assert.equal("/prod/system/get_task_list/2/", req.path)
    local auth = h.decode(req.headers["x-bkapi-authorization"])
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET}, auth)
    assert.same({limit = "1", scope = "cmdb_biz"}, req.args)
    c:close()
  end)

  it("leaves the live view's estimate out where the route lacks get_node_execution_record (no raise)", function()
    local eta = require "sops.cli.eta"
    local detail = {template_id = 1, pipeline_tree = {activities = {a = {template_node_id = "n1"}}}}
    local esb = sops.new{url = sim.url .. "/api/c/compapi/v2/sops", app_code = h.APP_CODE,
      app_secret = h.APP_SECRET, username = "admin", bk_biz_id = 2}
    for _, c in ipairs({client(), esb}) do
      sim:clear_log()
      local ok, means = pcall(eta.load, c, detail)
      assert.is_true(ok, tostring(means))
      assert.is_nil(means)
      assert.same({}, sim:requests())
      c:close()
    end
  end)

  it("credentials = 'params' is for ESB alone; 'header' sends ESB's in the header too", function()
    local ok, msg = pcall(client, {credentials = "params"})
    assert.is_false(ok)
    assert.matches("option 'credentials': the API gateway takes them in the X-Bkapi-Authorization header only", msg, 1,
      true)
    local c = sops.new{url = sim.url .. "/api/c/compapi/v2/sops", app_code = h.APP_CODE, app_secret = h.APP_SECRET,
      username = "admin", bk_biz_id = 2, credentials = "header"}
    c:get_task_list{limit = 1}
    local req = sim:last_request()
    assert.equal("/api/c/compapi/v2/sops/get_task_list/", req.path)
    assert.same({limit = "1", bk_biz_id = "2", scope = "cmdb_biz"}, req.args)
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, bk_username = "admin"},
      h.decode(req.headers["x-bkapi-authorization"]))
    c:close()
  end)
end)
