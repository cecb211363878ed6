-- Every endpoint bk-sops serves, called through its method and checked on
-- the wire at the simulator: method, path with the ids in the endpoint's
-- own order, query and body; then again on the ESB route for those ESB has.
-- The expectations are written here, from bk-sops' views and docs, not
-- read from sops.api: this is the check that the table is right.
local h = require "helpers"
local api = require "sops.api"
local catalog = require "sops.sim.catalog"
local sops = require "sops"

local endpoint_cases = require "support.endpoint_cases"
local cases = endpoint_cases.cases

local function sorted_names(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

describe("every bk-sops endpoint", function()
  local sim, gw, esb, ctx
  setup(function()
    sim = h.start_sim({"--speed", "0"})
    gw, esb = sim:client(), sim:client({route = "esb"})
    ctx = endpoint_cases.context(sim)
  end)
  teardown(function()
    gw:close()
    esb:close()
    sim:stop()
  end)

  it("has a case here for each of the 58 declared resources (master's), the undeclared views users rely on, "
    .. "and no other", function()
    local seen, declared = {}, 0
    for _, case in ipairs(cases({T = 1, F = 2, N = "n", TN = "n", export = ""})) do
      assert.is_nil(seen[case[1]], case[1] .. " twice")
      seen[case[1]] = true
      local e = assert(api.BY_NAME[case[1]], case[1])
      if e.declared ~= false then declared = declared + 1 end
    end
    assert.equal(58, declared)
    for _, name in ipairs({"modify_constants_for_task", "get_tasks_manual_intervention_state", "query_task_count",
      "get_task_count", "get_plugin_detail", "preview_common_task_tree", "create_template",
      "import_common_template", "get_node_job_executed_log"}) do
      assert.is_true(seen[name], name)
      assert.is_false(api.BY_NAME[name].declared, name)
    end
    assert.same(sorted_names(api.BY_NAME), sorted_names(seen))
  end)

  it("sends each one's method, path (ids in its order), query and body on the gateway route", function()
    local n = 0
    for _, case in ipairs(cases(ctx)) do
      local name, args, want = case[1], case[2], case[3]
      if case.advance then sim:advance(case.advance) end -- (the engine picks a start up as time passes)
      local value, message, third = gw[name](gw, args)
      local err = value == nil and third or nil
      -- the return rule: value, nil, the envelope | nil, message, err
      if value ~= nil then
        assert.is_nil(message, name .. ": no second value on success")
        assert.is_true(third.result, name .. ": the envelope third")
      else
        assert.is_true(sops.is_error(third), name .. ": the error third")
        assert.equal(tostring(third), message, name .. ": the message second")
      end
      local req = sim:last_request()
      assert.equal(want, req.method .. " " .. req.path:gsub("^/prod", ""), name)
      if case.query then
        assert.same(case.query, req.args, name .. ": query")
        assert.equal("", req.body, name .. ": no body")
      else
        assert.same(case.body, h.decode(req.body), name .. ": body")
        assert.equal("", req.query or "", name .. ": no query")
      end
      local outcome = case.outcome or "value"
      if outcome == "value" then
        assert.is_nil(err, name .. ": " .. tostring(err))
        assert.is_not_nil(value, name)
      elseif outcome == "api" then
        assert.equal("api", err and err.kind, name .. ": " .. tostring(err))
      else
        assert.equal(outcome, err and err.http_status, name .. ": " .. tostring(err))
      end
      n = n + 1
    end
    assert.equal(#api.ENDPOINTS, n)
  end)

  it("sends the ESB ones on the ESB route, ids and credentials with the parameters; refuses the others", function()
    local on_esb, refused = 0, 0
    local creds = {bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, bk_username = "admin"}
    for _, case in ipairs(cases(ctx)) do
      local name, args = case[1], case[2]
      if catalog.BY_NAME[name].esb then
        local _, _, err = esb[name](esb, args)
        assert.is_false(err ~= nil and err.code == 1306404, name .. ": " .. tostring(err))
        assert.is_false(err ~= nil and (err.http_status or 0) >= 500, name .. ": " .. tostring(err))
        local req = sim:last_request()
        assert.equal("/api/c/compapi/v2/sops/" .. name .. "/", req.path, name)
        local want = {}
        for k, v in pairs(creds) do want[k] = v end
        for k, v in pairs(case.query or case.body) do want[k] = v end
        for k, v in pairs(case.ids or {}) do want[k] = case.query and tostring(v) or v end
        if case.query then
          assert.equal("GET", req.method, name)
          assert.same(want, req.args, name .. ": query")
        else
          assert.equal("POST", req.method, name)
          assert.same(want, h.decode(req.body), name .. ": body")
        end
        on_esb = on_esb + 1
      else
        local before = #sim:requests()
        local ok, msg = pcall(function()
          local v = esb[name](esb, args) -- (not a tail call: the error names this line)
          return v
        end)
        assert.is_false(ok, name)
        assert.matches("bad argument #1 to 'sops." .. name .. "' (ESB has no api '" .. name, msg, 1, true)
        assert.matches("19%-every_endpoint_spec", msg)
        assert.equal(before, #sim:requests(), name .. ": nothing sent")
        refused = refused + 1
      end
    end
    -- the 37 of bkapi-component-open's SopsGroup
    local esb_routes = 0
    for _, r in ipairs(catalog.ROUTES) do
      if r.esb then esb_routes = esb_routes + 1 end
    end
    assert.equal(37, esb_routes)
    assert.equal(esb_routes, on_esb)
    assert.equal(#catalog.ROUTES - esb_routes, refused)
  end)
end)

describe("the client's and the simulator's route tables", function()
  it("agree on every name, method, path, ESB route and restriction", function()
    local seen = 0
    for _, r in ipairs(catalog.ROUTES) do
      local e = assert(api.BY_NAME[r.name], r.name .. " is not in sops.api")
      assert.equal(r.method, e.method, r.name)
      -- the gateway's {project_id} is the client's {bk_biz_id}: the same value
      assert.equal((r.path:gsub("{project_id}", "{bk_biz_id}")), e.path, r.name)
      assert.equal(r.esb == true, e.esb == true, r.name .. ": esb")
      assert.equal(r.restricted == true, e.restricted == true, r.name .. ": restricted")
      assert.equal(r.declared, e.declared ~= false, r.name .. ": declared")
      assert.equal(r.system, e.system == true, r.name .. ": system (an app-state twin)")
      seen = seen + 1
    end
    assert.equal(#api.ENDPOINTS, seen)
  end)

  it("agree on the 42 app-state twins of bk-sops' dev_multi_tenant", function()
    local twins = 0
    for _, r in ipairs(catalog.ROUTES) do
      if r.system then twins = twins + 1 end
    end
    assert.equal(42, twins)
  end)
end)

describe("a restricted resource", function()
  local env = h.sim_env({"--speed", "0"})
  setup(env.start)
  teardown(env.stop)

  it("is refused by the gateway (403 APP_NO_PERMISSION) unless the app is whitelisted", function()
    local sim, c = env.sim, env.c
    local _, _, err = c:fast_create_task{name = "x", pipeline_tree = {start_event = {id = "s"}}}
    assert.equal("gateway", err.kind)
    assert.equal(403, err.http_status)
    assert.equal(1640301, err.code)
    sim:config({whitelist = {h.APP_CODE}})
    local data = assert(c:fast_create_task{name = "x", pipeline_tree = {start_event = {id = "s"}}})
    assert.is_true(h.is_integer(data.task_id))
  end)

  it("behind request_validate, answers an empty body its refusal, without a trace_id", function()
    local sim = env.sim
    sim:config({whitelist = {h.APP_CODE}})
    for _, path in ipairs({"/prod/fast_create_task/2/", "/prod/copy_template_across_project/2/",
      "/prod/create_periodic_task/1/2/", "/prod/create_clocked_task/1/2/"}) do
      local status, body = sim:post(path, "")
      assert.equal(200, status, path)
      assert.same({result = false, message = "非法请求: 数据错误, 请求不是合法的Json格式 | validate", data = h.decode("null"),
        code = 3540000}, body, path)
    end
  end)
end)

-- A value of each field kind that passes the checks (sops.check).
local SAMPLE = {id = 1, string = "x", boolean = true, object = {}, list = {}, ids = {1}, any = "x", count = 1,
  integer = 0}

describe("every call of sops.api", function()
  local env = h.sim_env({"--speed", "0"})
  setup(env.start)
  teardown(env.stop)

  -- its required fields, each a sample of its kind, or nil for a call
  -- that needs what no sample gives (a receiver)
  local function args_of(spec)
    local args = {}
    for name, f in pairs(spec.fields) do
      if f[2] then
        if SAMPLE[f[1]] == nil then return nil end
        args[name] = SAMPLE[f[1]]
      end
    end
    if spec.actions then args.action = next(spec.actions) end
    return args
  end

  local function pack(...) return {n = select("#", ...), ...} end

  it("fails the Lua way: nil, message, err (success's value, nil, response: the cases above)", function()
    local sim, c = env.sim, env.c
    sim:config({whitelist = {h.APP_CODE}})
    sops.configure({url = sim.url .. "/prod", app_code = h.APP_CODE, app_secret = h.APP_SECRET, username = "admin",
      bk_biz_id = 2})
    local names = sorted_names(api.CALLS)
    local walked, succeeded = 0, 0
    SAMPLE.id = sim:task({template_id = 1}).task_id
    for _, name in ipairs(names) do
      local args = assert(args_of(api.CALLS[name]), name)
      -- a failure: the server answers 502 whatever the call
      sim:fault({kind = "status", status = 502, count = 1})
      local r = pack(c[name](c, args))
      assert.equal(3, r.n, name .. ": three values")
      assert.is_nil(r[1], name)
      assert.is_string(r[2], name)
      assert.is_true(sops.is_error(r[3]), name)
      assert.equal(502, r[3].http_status, name)
      assert.equal(tostring(r[3]), r[2], name)
      assert.matches("^sops: " .. r[3].api .. ": http error", r[2])
      -- the same through the module's default client
      sim:fault({kind = "status", status = 502, count = 1})
      r = pack(sops[name](args))
      assert.equal(3, r.n, name .. ": three values from sops." .. name)
      assert.is_nil(r[1], name)
      assert.equal(tostring(r[3]), r[2], name)
      -- with no fault: whichever way it ends, by the rule (a sample task
      -- id is a real task, most other samples refusals)
      r = pack(c[name](c, args))
      assert.equal(3, r.n, name)
      if r[1] ~= nil then
        assert.is_nil(r[2], name .. ": nothing second on success")
        assert.is_true(r[3].result, name .. ": the envelope third")
        succeeded = succeeded + 1
      else
        assert.equal(tostring(r[3]), r[2], name)
      end
      walked = walked + 1
    end
    sim:control("DELETE", "faults")
    local all = 0
    for _ in pairs(api.CALLS) do all = all + 1 end
    assert.equal(all, walked)
    assert.is_true(succeeded >= 20, succeeded .. " calls succeeded")
  end)
end)

-- The app-state route of a multi-tenant BlueKing: each call that has a
-- system_* twin, by group, sent to /system/ with the app's credentials in
-- the header alone and no user, and reached (none unknown to the
-- gateway); the others refused before anything is sent. On every route no
-- credential travels in a query or a body.
describe("the app-state twins (route 'system', bksops-sim --edition multi-tenant)", function()
  local sim, app, ctx
  setup(function()
    sim = h.start_sim({"--speed", "0", "--edition", "multi-tenant"})
    app = sops.new{url = sim.url .. "/prod", route = "system", tenant_id = "system", app_code = h.APP_CODE,
      app_secret = h.APP_SECRET, bk_biz_id = 2, timeout = 5}
    ctx = endpoint_cases.context(sim)
  end)
  teardown(function()
    sim:stop()
    if app then app:close() end
  end)

  local SECRETS = {"bk_app_code", "bk_app_secret", "bk_username", "bk_token", "access_token", "bk_access_token"}

  for _, group in ipairs(api.GROUPS) do
    it("reaches every twin of the " .. group .. " group at /system/, the credentials in the header alone", function()
      local reached = 0
      for _, case in ipairs(cases(ctx)) do
        local name, args = case[1], case[2]
        local e = api.BY_NAME[name]
        if e.group == group and e.system then
          if case.advance then sim:advance(case.advance) end
          local _, _, third = app[name](app, args)
          local err = sops.is_error(third) and third or nil
          local req = sim:last_request()
          assert.equal(case[3]:match("^%u+") .. " /prod/system" .. case[3]:match("^%u+ (.*)$"),
            req.method .. " " .. req.path, name)
          -- the gateway knows it: an answer of bk-sops' view, not the gateway's 404
          assert.is_false(err ~= nil and err.http_status == 404 and err.kind == "gateway", name .. ": " .. tostring(err))
          assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET},
            h.decode(req.headers["x-bkapi-authorization"]), name)
          assert.equal("system", req.headers["x-bk-tenant-id"], name)
          local sent = req.method == "GET" and req.args or (h.decode(req.body) or {})
          for _, k in ipairs(SECRETS) do assert.is_nil(sent[k], name .. ": " .. k .. " sent in the request") end
          reached = reached + 1
        end
      end
      local twins = 0
      for _, e in ipairs(api.ENDPOINTS) do
        if e.group == group and e.system then twins = twins + 1 end
      end
      assert.equal(twins, reached)
    end)
  end

  it("refuses the calls without a twin before anything is sent", function()
    local refused = 0
    for _, case in ipairs(cases(ctx)) do
      local name, args = case[1], case[2]
      if not api.BY_NAME[name].system then
        sim:clear_log()
        local ok, msg = pcall(function()
          local v = app[name](app, args) -- (not a tail call: the error names this line)
          return v
        end)
        assert.is_false(ok, name)
        assert.matches("(the app-state route has no '" .. name .. "'", msg, 1, true)
        assert.same({}, sim:requests(), name .. ": nothing sent")
        refused = refused + 1
      end
    end
    assert.equal(#api.ENDPOINTS - 42, refused)
  end)
end)

-- Header-only credentials: every request of every call (not only a call's
-- last), on the gateway route and on ESB with credentials = "header", and
-- through the calls that send more than one request (ensure, key, wait,
-- pages): no credential in a query or a body, the app in the header.
describe("header-only credentials, every request of every call", function()
  local sim, ctx
  setup(function()
    sim = h.start_sim({"--speed", "0"})
    ctx = endpoint_cases.context(sim)
  end)
  teardown(function() sim:stop() end)

  local SECRETS = {"bk_app_code", "bk_app_secret", "bk_username", "bk_token", "access_token", "bk_access_token"}

  -- every request logged since the last clear: none with a credential in
  -- its query or body, each with the app in X-Bkapi-Authorization
  local function clean(label)
    local n = 0
    for _, r in ipairs(sim:requests()) do
      if not r.path:find("^/_sim") then
        local query = {}
        for k in (r.query or ""):gmatch("([^&=]+)=?[^&]*") do query[k] = true end
        local body = r.body ~= nil and r.body ~= "" and h.decode(r.body) or {}
        for _, k in ipairs(SECRETS) do
          assert.is_nil(query[k], label .. ": " .. k .. " in the query of " .. r.path)
          assert.is_nil(type(body) == "table" and body[k] or nil, label .. ": " .. k .. " in the body of " .. r.path)
        end
        local auth = h.decode(r.headers["x-bkapi-authorization"])
        assert.equal(h.APP_CODE, auth and auth.bk_app_code, label .. ": " .. r.path)
        n = n + 1
      end
    end
    sim:clear_log()
    return n
  end

  for _, route in ipairs({"apigw", "esb"}) do
    it("on route " .. route .. (route == "esb" and " with credentials = 'header'" or ""), function()
      local o = {url = route == "esb" and sim.url .. "/api/c/compapi/v2/sops" or sim.url .. "/prod",
        app_code = h.APP_CODE, app_secret = h.APP_SECRET, username = "admin", bk_biz_id = 2, timeout = 5,
        credentials = route == "esb" and "header" or nil}
      local c = sops.new(o)
      local sent = 0
      sim:clear_log()
      for _, case in ipairs(cases(ctx)) do
        local name, args = case[1], case[2]
        if route ~= "esb" or catalog.BY_NAME[name].esb then
          if case.advance then sim:advance(case.advance) end
          c[name](c, args)
          sent = sent + clean(route .. " " .. name)
        end
      end
      -- the calls that send more than one request
      local t = sim:task({template_id = 1})
      c:start_task{task_id = t.task_id, ensure = true}
      c:create_task{template_id = 1, name = "keyed", key = "k-" .. route}
      c:wait{task_id = t.task_id, timeout = 30, sleep = sim:sleeper()}
      for _ in c:pages("get_task_list", {limit = 1, max_items = 3}) do end
      sent = sent + clean(route .. " compound calls")
      assert.is_true(sent > 40, sent .. " requests")
      c:close()
    end)
  end
end)
