-- bksops-sim as a multi-tenant BlueKing (--edition multi-tenant): the
-- tenant header every gateway request needs, projects of other tenants,
-- credentials in the header alone, the app-state twins under /system/ and
-- no ESB; and get_node_execution_record (bk-sops master), served unless the
-- simulator is told its server lacks it. Raw HTTP; time moves only when a
-- spec moves it.
local h = require "helpers"
local catalog = require "sops.sim.catalog"
local gw = h.gw

local APP_ONLY = string.format('{"bk_app_code":"%s","bk_app_secret":"%s"}', h.APP_CODE, h.APP_SECRET)
local BAD_SECRET = string.format('{"bk_app_code":"%s","bk_app_secret":"wrong","bk_username":"admin"}', h.APP_CODE)
local TENANT = {["X-Bk-Tenant-Id"] = "system"}

-- headers with the tenant (default "system") and any others
local function with_tenant(tenant, extra)
  local t = {["X-Bk-Tenant-Id"] = tenant}
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

-- a path of the route with every parameter filled in (digits, or a value
-- its pattern takes)
local function sample_path(r)
  local fill = {plugin_id = "builtin__sleep_timer", run_id = string.rep("ab", 16), token = "tok"}
  return (r.path:gsub("{([%w_]+)}", function(p) return fill[p] or (p == "bk_biz_id" and "2" or "1") end))
end

local function is_gateway_404(status, body)
  return status == 404 and type(body) == "table" and body.code == 1640401
end

describe("bksops-sim --edition multi-tenant", function()
  local sim
  h.use_sim({"--speed", "0", "--edition", "multi-tenant"}, false, function(s) sim = s end)

  describe("the tenant header", function()
    it("is required on every gateway request: the gateway's 400, once the credentials are checked", function()
      local status, body, headers = sim:get(gw("get_template_list", 2))
      assert.equal(400, status)
      assert.equal("1640001", headers["x-bkapi-error-code"])
      assert.same({false, "INVALID_ARGS", 1640001}, {body.result, body.code_name, body.code})
      assert.matches('^Parameters error %[reason=".*X%-Bk%-Tenant%-Id.*"%]$', body.message)
      assert.equal(body.message, headers["x-bkapi-error-message"])
      -- an empty one is none
      status = sim:get(gw("get_template_list", 2), {headers = with_tenant("")})
      assert.equal(400, status)
      -- bad credentials are refused first, an unknown resource before that
      status, body = sim:get(gw("get_template_list", 2), {auth = BAD_SECRET})
      assert.equal(400, status)
      assert.equal('Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]', body.message)
      status, body = sim:get("/prod/no_such_api/2/")
      assert.is_true(is_gateway_404(status, body))
      -- and a resource that verifies nothing needs it too
      status, body = sim:post("/prod/callback/tok/", "{}", {auth = false})
      assert.equal(400, status)
      assert.equal(1640001, body.code)
      -- with it, the answer
      status, body = sim:get(gw("get_template_list", 2), {headers = TENANT})
      assert.equal(200, status)
      assert.is_true(body.result)
    end)

    it("puts a project of another tenant out of reach: answered as a project that does not exist", function()
      sim:config({projects = {{id = 9, bk_biz_id = 9, name = "Tenant B business", tenant_id = "tenant-b"}}})
      local _, body = sim:get(gw("get_template_list", 9), {headers = TENANT})
      assert.same({result = false, message = "project(9) with scope(cmdb_biz) does not exist.", code = 3540400}, body)
      _, body = sim:get(gw("get_template_list", 9), {headers = with_tenant("tenant-b")})
      assert.is_true(body.result)
      -- and the projects of the system tenant out of tenant-b's
      _, body = sim:get(gw("get_user_project_detail", 2), {headers = with_tenant("tenant-b")})
      assert.equal("project(2) with scope(cmdb_biz) does not exist.", body.message)
      -- each tenant lists its own
      _, body = sim:get("/prod/get_user_project_list/", {headers = with_tenant("tenant-b")})
      assert.same({9}, {body.data[1].project_id, body.data[2]})
      _, body = sim:get("/prod/get_user_project_list/", {headers = TENANT})
      assert.same({2, 5}, {body.data[1].project_id, body.data[2].project_id})
      assert.equal(2, #body.data)
      -- a task of tenant-b: through its own project for tenant-b only; through
      -- a project of the system tenant, a task of another project (the view's
      -- answer of dev_multi_tenant too: its query filters by tenant)
      local t = sim:task({template_id = 1, bk_biz_id = 9})
      _, body = sim:get(gw("get_task_status", t.task_id, 9), {headers = with_tenant("tenant-b")})
      assert.is_true(body.result)
      _, body = sim:get(gw("get_task_status", t.task_id, 9), {headers = TENANT})
      assert.equal("project(9) with scope(cmdb_biz) does not exist.", body.message)
      _, body = sim:get(gw("get_task_status", t.task_id, 2), {headers = TENANT})
      assert.same({false, 3599999}, {body.result, body.code})
      assert.equal(string.format("task[id=%d] get status error: TaskFlowInstance matching query does not exist.",
        t.task_id), body.message)
      -- the functionalization list spans projects: each tenant sees its own
      local f = sim:task({template_id = 1, bk_biz_id = 9, flow_type = "common_func"})
      _, body = sim:get("/prod/get_functionalization_task_list/", {headers = TENANT})
      assert.equal(0, body.count)
      _, body = sim:get("/prod/get_functionalization_task_list/", {headers = with_tenant("tenant-b")})
      assert.equal(1, body.count)
      assert.equal(f.task_id, body.data[1].id)
    end)

    it("shows the projects and their tenants in the config; a bad project changes nothing", function()
      local config = sim:control("GET", "config")
      assert.equal("multi-tenant", config.edition)
      assert.same({"system", "system"}, {config.projects[1].tenant_id, config.projects[2].tenant_id})
      for _, bad in ipairs({{projects = {{id = 0}}}, {projects = {{id = 8, tenant_id = ""}}},
          {projects = {{id = 8, from_cmdb = "yes"}}}, {projects = "p"},
          {projects = {{id = 8, tenant_id = "t"}}, edition = "cloud"}}) do
        assert.equal(400, (sim:request("POST", "/_sim/config", {body = bad})))
      end
      assert.equal(2, #sim:control("GET", "config").projects)
    end)
  end)

  describe("credentials", function()
    it("count in the X-Bkapi-Authorization header alone, never in the query or the body", function()
      local creds = "bk_app_code=" .. h.APP_CODE .. "&bk_app_secret=" .. h.APP_SECRET .. "&bk_username=admin"
      local status, body = sim:get(gw("get_template_list", 2) .. "?" .. creds, {auth = false, headers = TENANT})
      assert.equal(400, status)
      assert.equal('Parameters error [reason="app code cannot be empty"]', body.message)
      status, body = sim:post(gw("get_tasks_status", 2), {bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET,
        bk_username = "admin", task_id_list = {}}, {auth = false, headers = TENANT})
      assert.equal(400, status)
      assert.equal(1640001, body.code)
      -- beside the header, a user in the body changes nothing: the header's acts
      status, body = sim:post(gw("create_task", 1, 2), {name = "mine", bk_username = "mallory", bk_token = "x"},
        {headers = TENANT})
      assert.same({200, true}, {status, body.result})
      local _, detail = sim:get(gw("get_task_detail", body.data.task_id, 2), {headers = TENANT})
      assert.equal("admin", detail.data.creator)
    end)
  end)

  describe("the app-state twins under /system/", function()
    it("are served for the 42 resources that have one, and for no other", function()
      local twins = 0
      for _, r in ipairs(catalog.ROUTES) do
        local status, body = sim:request(r.method, "/prod/system" .. sample_path(r),
          {auth = APP_ONLY, headers = TENANT, body = r.method == "POST" and "{}" or nil})
        if r.system then
          twins = twins + 1
          assert.is_false(is_gateway_404(status, body), r.name)
          -- (verified as the app, no user asked for)
          assert.is_false(status == 400 and body and body.code == 1640001, r.name)
        else
          assert.is_true(is_gateway_404(status, body), r.name)
        end
      end
      assert.equal(42, twins)
    end)

    it("verify the app and no user: the view acts as no one, or as the bk_username given", function()
      local _, body = sim:post("/prod/system/create_task/1/2/", {name = "app-made"}, {auth = APP_ONLY, headers = TENANT})
      assert.is_true(body.result)
      local id = body.data.task_id
      _, body = sim:get("/prod/system/get_task_detail/" .. id .. "/2/", {auth = APP_ONLY, headers = TENANT})
      assert.is_true(body.result)
      assert.equal("", body.data.creator) -- (request.user.username: what the gateway's JWT names, nothing)
      local as_ops = string.format('{"bk_app_code":"%s","bk_app_secret":"%s","bk_username":"ops"}', h.APP_CODE,
        h.APP_SECRET)
      _, body = sim:post("/prod/system/create_task/1/2/", {name = "ops-made"}, {auth = as_ops, headers = TENANT})
      _, body = sim:get(gw("get_task_detail", body.data.task_id, 2), {headers = TENANT})
      assert.equal("ops", body.data.creator)
      -- the app still has to be right, and the tenant named
      local status
      status, body = sim:get("/prod/system/get_task_list/2/", {auth = BAD_SECRET, headers = TENANT})
      assert.equal(400, status)
      assert.equal('Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]', body.message)
      status = sim:get("/prod/system/get_task_list/2/", {auth = APP_ONLY})
      assert.equal(400, status)
      -- a restricted twin is the gateway's 403 for an app it has not approved
      status, body = sim:post("/prod/system/fast_create_task/2/", {name = "x", pipeline_tree = {}},
        {auth = APP_ONLY, headers = TENANT})
      assert.equal(403, status)
      assert.equal(1640301, body.code)
      -- the plain resource still wants a user
      status, body = sim:get(gw("get_task_list", 2), {auth = APP_ONLY, headers = TENANT})
      assert.equal(400, status)
      assert.matches("user authentication failed", body.message, 1, true)
    end)

    it("keep the tenant's projects: another tenant's is out of reach there too", function()
      sim:config({projects = {{id = 9, tenant_id = "tenant-b"}}})
      local _, body = sim:get("/prod/system/get_template_list/9/", {auth = APP_ONLY, headers = TENANT})
      assert.equal("project(9) with scope(cmdb_biz) does not exist.", body.message)
      _, body = sim:get("/prod/system/get_template_list/9/", {auth = APP_ONLY, headers = with_tenant("tenant-b")})
      assert.is_true(body.result)
    end)
  end)

  it("has no ESB: its path is unknown", function()
    local status, _, headers, raw = sim:get("/api/c/compapi/v2/sops/get_template_list/?bk_app_code=" .. h.APP_CODE
      .. "&bk_app_secret=" .. h.APP_SECRET .. "&bk_username=admin&bk_biz_id=2", {auth = false})
    assert.equal(404, status)
    assert.equal("not found\n", raw)
    assert.is_nil(headers["x-bkapi-error-code"])
  end)
end)

describe("bksops-sim --edition single (the default)", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("wants no tenant, has no /system/ twins and keeps its ESB; the config switches the edition", function()
    local _, body = sim:get(gw("get_template_list", 2))
    assert.is_true(body.result)
    local status
    status, body = sim:get("/prod/system/get_task_list/2/", {auth = APP_ONLY})
    assert.is_true(is_gateway_404(status, body))
    _, body = sim:get("/api/c/compapi/v2/sops/get_template_list/?bk_app_code=" .. h.APP_CODE .. "&bk_app_secret="
      .. h.APP_SECRET .. "&bk_username=admin&bk_biz_id=2", {auth = false})
    assert.same({true, 0}, {body.result, body.code})
    -- credentials in the query count no more than before
    status, body = sim:get(gw("get_template_list", 2) .. "?bk_app_code=" .. h.APP_CODE .. "&bk_app_secret="
      .. h.APP_SECRET .. "&bk_username=admin", {auth = false})
    assert.equal(400, status)
    assert.equal('Parameters error [reason="app code cannot be empty"]', body.message)
    assert.equal("single", sim:control("GET", "config").edition)
    -- the control API makes it multi-tenant (until a reset), and refuses an unknown edition
    assert.equal("multi-tenant", sim:config({edition = "multi-tenant"}).edition)
    assert.equal(400, (sim:get(gw("get_template_list", 2))))
    status, body = sim:get("/prod/system/get_task_list/2/", {auth = APP_ONLY, headers = TENANT})
    assert.same({200, true}, {status, body.result})
    assert.equal(400, (sim:request("POST", "/_sim/config", {body = {edition = "shared"}})))
    assert.equal("multi-tenant", sim:control("GET", "config").edition)
    sim:reset()
    assert.equal("single", sim:control("GET", "config").edition)
  end)

  it("takes the edition on the command line and from Lua, and refuses one it does not know", function()
    local _, err, code = h.run(h.SIM_LUA .. " bin/bksops-sim --edition cloud")
    assert.equal(2, code)
    assert.matches("--edition must be single or multi-tenant", err, 1, true)
    _, err, code = h.run(h.SIM_LUA .. " bin/bksops-sim --without no_such_api")
    assert.equal(2, code)
    assert.matches("--without: bk-sops has no resource no_such_api", err, 1, true)
    local out
    out, err, code = h.run(h.SIM_LUA .. " -e " .. h.shell_quote([[
      package.path = "./lua/?.lua;./lua/?/init.lua;" .. package.path
      local sim = require "sops.sim"
      local s = assert(sim.new{edition = "multi-tenant", missing = {"get_node_execution_record"}})
      print(s.config.edition, s.config.missing.get_node_execution_record)
      print(select(2, sim.new{edition = "cloud"}))
      print(select(2, sim.new{missing = {"nope"}}))]]))
    assert.equal(0, code, err)
    assert.equal("multi-tenant\ttrue\nedition must be single or multi-tenant, not cloud\n"
      .. "no resource nope to leave out\n", out)
  end)
end)

describe("get_node_execution_record", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  -- template 1's node ids by name, from get_template_info
  local function template_nodes(id)
    local _, body = sim:get(gw("get_template_info", id or 1, 2))
    local ids = {}
    local function walk(tree)
      for node_id, a in pairs(tree.activities) do
        ids[a.name] = node_id
        if a.pipeline then walk(a.pipeline) end
      end
    end
    walk(body.data.pipeline_tree)
    return ids
  end

  local function records(node_id, template_id, project)
    local _, body = sim:get(gw("get_node_execution_record", template_id or 1, project or 2)
      .. "?template_node_id=" .. node_id)
    assert.is_true(body.result, body.message)
    assert.same({"", 0}, {body.message, body.code})
    assert.is_string(body.trace_id)
    return body.data
  end

  -- a status tree's time ("2026-01-01 18:00:00 +0800") as the record writes it
  local function iso(status_time)
    local d, t = status_time:match("^(%S+) (%S+) %+0800$")
    return d .. "T" .. t .. "+08:00"
  end

  local function node_status(task_id, node_id)
    local _, body = sim:get(gw("get_task_status", task_id, 2))
    local found
    local function walk(children)
      for id, c in pairs(children or {}) do
        if id == node_id then found = c end
        walk(c.children)
      end
    end
    walk(body.data.children)
    return found
  end

  before_each(function() sim:freeze() end)

  it("names nodes by the template's own ids, which every task's activities carry as template_node_id", function()
    local ids = template_nodes()
    assert.same(ids, template_nodes()) -- (the same on every call)
    local _, body = sim:post(gw("create_task", 1, 2), {name = "t"})
    local seen = {}
    for node_id, a in pairs(body.data.pipeline_tree.activities) do
      assert.not_equal(ids[a.name], node_id)
      assert.equal(ids[a.name], a.template_node_id, a.name)
      seen[#seen + 1] = a.name
    end
    assert.equal(3, #seen)
    -- the control API says it too, and preview_task_tree excludes by it
    local t = sim:task({template_id = 1})
    for _, n in ipairs(t.nodes) do
      if n.type == "ServiceActivity" then assert.equal(ids[n.name], n.template_node_id) end
    end
    _, body = sim:post(gw("preview_task_tree", 2, 1), {exclude_task_nodes_id = {ids.verify}})
    assert.is_true(body.result, body.message)
    assert.is_nil(body.data.pipeline_tree.activities[ids.verify])
    assert.is_table(body.data.pipeline_tree.activities[ids.deploy])
  end)

  it("records a node's successful runs once its task has ended, newest first, five at most, and counts all", function()
    local ids = template_nodes()
    assert.same({execution_time = {}, total = 0}, records(ids.deploy))
    -- six tasks, each started a minute after the last (precheck 1 s, deploy 3 s, verify 1 s)
    local tasks = {}
    for i = 1, 6 do
      tasks[i] = sim:task({template_id = 1, start = true})
      sim:advance(1) -- (the start is taken up)
      if i == 3 then
        -- a task not ended yet has no record, though its nodes have run
        sim:advance(2)
        assert.equal("FINISHED", node_status(tasks[i].task_id, tasks[i].node_ids.precheck).state)
        assert.equal(2, records(ids.precheck).total)
      end
      sim:advance(59)
    end
    local data = records(ids.deploy)
    assert.equal(6, data.total)
    assert.equal(5, #data.execution_time)
    for i, run in ipairs(data.execution_time) do
      local st = node_status(tasks[7 - i].task_id, tasks[7 - i].node_ids.deploy)
      assert.same({archived_time = iso(st.finish_time), elapsed_time = st.elapsed_time}, run)
      assert.equal(3, run.elapsed_time)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%+08:00$", run.archived_time)
      if i > 1 then assert.is_true(run.archived_time < data.execution_time[i - 1].archived_time) end
    end
    -- another node of the template has its own record; another template's tasks count for it alone
    assert.equal(6, records(ids.verify).total)
    assert.equal(0, records(ids.deploy, 2).total)
  end)

  it("keeps only successful runs that were not skipped; a revoked task's finished nodes count", function()
    local ids = template_nodes(2) -- precheck, deploy (fails on its first attempt), notify
    local a = sim:task({template_id = 2, start = true})
    sim:advance(1)
    sim:advance(10)
    local _, body = sim:post(gw("operate_node", 2, a.task_id), {node_id = a.node_ids.deploy, action = "retry"})
    assert.is_true(body.result, body.message)
    sim:advance(10)
    -- the failed attempt is not a run that succeeded: one record, the retry's
    local data = records(ids.deploy, 2)
    assert.equal(1, data.total)
    assert.equal(node_status(a.task_id, a.node_ids.deploy).elapsed_time, data.execution_time[1].elapsed_time)
    -- skipped: no record of deploy, one more of notify
    local b = sim:task({template_id = 2, start = true})
    sim:advance(1)
    sim:advance(10)
    _, body = sim:post(gw("operate_node", 2, b.task_id), {node_id = b.node_ids.deploy, action = "skip"})
    assert.is_true(body.result, body.message)
    sim:advance(10)
    assert.equal(1, records(ids.deploy, 2).total)
    assert.equal(2, records(ids.notify, 2).total)
    -- revoked after precheck: precheck counts, the others never ran
    local c = sim:task({template_id = 2, start = true})
    sim:advance(1)
    sim:advance(1.5)
    _, body = sim:post(gw("operate_task", c.task_id, 2), {action = "revoke"})
    assert.is_true(body.result, body.message)
    assert.equal(3, records(ids.precheck, 2).total)
    assert.equal(2, records(ids.notify, 2).total)
  end)

  it("records the nodes inside a subprocess under their own template ids", function()
    sim:control("POST", "templates", {id = 40, name = "with a subprocess", steps = {
      {name = "outer", duration = 1},
      {name = "batch", subprocess = {steps = {{name = "inner", duration = 4}}}},
    }})
    local ids = template_nodes(40)
    assert.is_string(ids.inner)
    sim:task({template_id = 40, start = true})
    sim:advance(1)
    sim:advance(10)
    local data = records(ids.inner, 40)
    assert.same({1, 4}, {data.total, data.execution_time[1].elapsed_time})
    assert.equal(0, records(ids.batch, 40).total) -- (a subprocess is no activity of its own)
  end)

  it("refuses a missing or blank template_node_id with DRF's error, in the view's envelope", function()
    local _, body = sim:get(gw("get_node_execution_record", 1, 2))
    assert.same({false, 3540000}, {body.result, body.code})
    assert.equal("params is invalid, error: {'template_node_id': [ErrorDetail(string='This field is required.', "
      .. "code='required')]}", body.message)
    assert.is_string(body.trace_id)
    assert.is_nil(body.data)
    _, body = sim:get(gw("get_node_execution_record", 1, 2) .. "?template_node_id=%20")
    assert.equal("params is invalid, error: {'template_node_id': [ErrorDetail(string='This field may not be blank.', "
      .. "code='blank')]}", body.message)
  end)

  it("checks the project, then the template as FlowViewInterceptor does, except for a whitelisted app", function()
    local _, body = sim:get(gw("get_node_execution_record", 1, 77) .. "?template_node_id=n")
    assert.same({result = false, message = "project(77) with scope(cmdb_biz) does not exist.", code = 3540400}, body)
    _, body = sim:get(gw("get_node_execution_record", 999, 2) .. "?template_node_id=n")
    assert.same({result = false, data = h.null, code = 3540400,
      message = "数据不存在错误: 数据不存在错误, 错误内容 TaskTemplate(id=999) does not exist. | process_exception"}, body)
    -- (before the parameter's check)
    _, body = sim:get(gw("get_node_execution_record", 999, 2))
    assert.equal(3540400, body.code)
    sim:control("POST", "templates", {id = 41, name = "project 5's", project_id = 5, steps = {{name = "x"}}})
    _, body = sim:get(gw("get_node_execution_record", 41, 2) .. "?template_node_id=n")
    assert.same({false, h.null, 3599999, "iam authentication exception, please check, action:flow_view"},
      {body.result, body.data, body.code, body.message})
    assert.is_string(body.trace_id)
    -- a whitelisted app skips the interceptor: the view only reads the records
    sim:config({whitelist = {h.APP_CODE}})
    assert.same({execution_time = {}, total = 0}, records("n", 999))
    assert.same({execution_time = {}, total = 0}, records("n", 41))
  end)

  it("is an unknown resource where the server lacks it (config missing, --without), as the client finds", function()
    local ids = template_nodes()
    sim:config({missing = {"get_node_execution_record"}})
    local status, body, headers = sim:get(gw("get_node_execution_record", 1, 2) .. "?template_node_id=" .. ids.deploy)
    assert.is_true(is_gateway_404(status, body))
    assert.equal("1640401", headers["x-bkapi-error-code"])
    local c = sim:client()
    local value, message, err = c:get_node_execution_record{template_id = 1, template_node_id = ids.deploy}
    assert.is_nil(value)
    assert.is_string(message)
    assert.same({"gateway", 404}, {err.kind, err.http_status})
    -- an ESB resource left out is ESB's unknown component
    sim:config({missing = {"get_template_list"}})
    status, body = sim:get("/api/c/compapi/v2/sops/get_template_list/?bk_app_code=" .. h.APP_CODE .. "&bk_app_secret="
      .. h.APP_SECRET .. "&bk_username=admin&bk_biz_id=2", {auth = false})
    assert.same({200, false, 1306404}, {status, body.result, body.code})
    -- served again once the list leaves it out; an unknown name is refused and changes nothing
    assert.same({}, sim:config({missing = {}}).missing)
    value = c:get_node_execution_record{template_id = 1, template_node_id = ids.deploy}
    assert.same({execution_time = {}, total = 0}, value)
    assert.equal(400, (sim:request("POST", "/_sim/config", {body = {missing = {"get_node_execution_record", "x"}}})))
    assert.same({}, sim:control("GET", "config").missing)
    c:close()
    -- the same from the command line
    local other = h.start_sim({"--speed", "0", "--without", "get_node_execution_record"})
    status, body = other:get(gw("get_node_execution_record", 1, 2) .. "?template_node_id=n")
    other:stop()
    assert.is_true(is_gateway_404(status, body))
  end)

  it("is not what get_task_node_data's template_node_id adds: bk-sops' serializer fails there, so nothing", function()
    local ids = template_nodes()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(1)
    sim:advance(10)
    local _, body = sim:get(gw("get_task_node_data", 2, t.task_id) .. "?node_id=" .. t.node_ids.deploy
      .. "&template_node_id=" .. ids.deploy)
    assert.is_true(body.result)
    assert.is_nil(body.data.execution_time)
    assert.equal(1, records(ids.deploy).total)
  end)
end)
