-- Every call on both routes, checked against what the simulator received.
local h = require "helpers"
local sops = require "sops"

local function auth_of(entry)
  return h.decode(entry.headers["x-bkapi-authorization"] or "null")
end

describe("calls over the API gateway", function()
  local sim, c
  h.use_sim({"--speed", "0"}, {language = "en", tenant_id = "t1", headers = {["X-Extra"] = "yes"},
    user_agent = "spec-agent"}, function(s, cl) sim, c = s, cl end)

  it("create_task: POST /create_task/{template_id}/{bk_biz_id}/ with a JSON body", function()
    local data, _, resp = c:create_task{template_id = 1, name = "from spec", constants = {["${version}"] = "9"}}
    assert.is_table(data)
    assert.is_true(h.is_integer(data.task_id))
    assert.is_true(resp.result)
    assert.equal(data, resp.data)
    local req = sim:last_request()
    assert.equal("POST", req.method)
    assert.equal("/prod/create_task/1/2/", req.path)
    assert.same({name = "from spec", constants = {["${version}"] = "9"}, scope = "cmdb_biz"}, h.decode(req.body))
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, bk_username = "admin"}, auth_of(req))
    assert.equal("application/json", req.headers["content-type"])
    assert.equal("en", req.headers["accept-language"])
    assert.equal("en", req.headers["blueking-language"])
    assert.equal("t1", req.headers["x-bk-tenant-id"])
    assert.equal("yes", req.headers["x-extra"])
    assert.equal("spec-agent", req.headers["user-agent"])
    assert.is_nil(req.headers.expect)
  end)

  it("start_task, operate_task and its shortcuts", function()
    local t = sim:task({template_id = 100 - 99})
    local v, _, resp = c:start_task{task_id = t.task_id}
    assert.same({task_url = resp.task_url}, v)
    local req = sim:last_request()
    assert.equal("/prod/start_task/" .. t.task_id .. "/2/", req.path)
    assert.same({scope = "cmdb_biz"}, h.decode(req.body))
    sim:advance(0.5)
    -- operate_task answers carry no data: the value is true
    assert.is_true((c:pause_task{task_id = t.task_id}))
    assert.same({action = "pause", scope = "cmdb_biz"}, h.decode(sim:last_request().body))
    assert.equal("/prod/operate_task/" .. t.task_id .. "/2/", sim:last_request().path)
    assert.is_true((c:resume_task{task_id = t.task_id}))
    assert.equal("resume", h.decode(sim:last_request().body).action)
    assert.is_true((c:operate_task{task_id = t.task_id, action = "pause"}))
    assert.is_true((c:revoke_task{task_id = t.task_id}))
    assert.equal("revoke", h.decode(sim:last_request().body).action)
  end)

  it("operate_node and its shortcuts: bk_biz_id first in the path", function()
    local t = sim:task({template_id = 2, start = true})
    sim:advance(5)
    local node = t.node_ids.deploy
    assert.is_true((c:retry_node{task_id = t.task_id, node_id = node, inputs = {version = "2"}}))
    local req = sim:last_request()
    assert.equal("/prod/operate_node/2/" .. t.task_id .. "/", req.path)
    assert.same({node_id = node, action = "retry", inputs = {version = "2"}, scope = "cmdb_biz"}, h.decode(req.body))
    sim:advance(5)
    local _, _, err = c:skip_node{task_id = t.task_id, node_id = node}
    assert.equal("api", err.kind)
    assert.same({node_id = node, action = "skip", scope = "cmdb_biz"}, h.decode(sim:last_request().body))
    local g = sim:task({template_id = 4, start = true})
    sim:advance(3)
    local gid = g.node_ids["choose route"]
    local flow
    for _, n in ipairs(g.nodes) do
      if n.id == gid then flow = n.flows[1].id end
    end
    assert.is_true((c:skip_exg{task_id = g.task_id, node_id = gid, flow_id = flow}))
    assert.same({node_id = gid, action = "skip_exg", flow_id = flow, scope = "cmdb_biz"}, h.decode(sim:last_request().body))
    local s = sim:task({template_id = 3, start = true})
    sim:advance(1.5)
    local sub = s.node_ids["restart service"]
    assert.is_true((c:pause_subprocess{task_id = s.task_id, node_id = sub}))
    assert.equal("pause_subproc", h.decode(sim:last_request().body).action)
    assert.is_true((c:resume_subprocess{task_id = s.task_id, node_id = sub}))
    assert.equal("resume_subproc", h.decode(sim:last_request().body).action)
    sim:advance(2)
    assert.is_true((c:callback_node{task_id = s.task_id, node_id = s.node_ids.approve, data = {ok = true}}))
    assert.same({node_id = s.node_ids.approve, action = "callback", data = {ok = true}, scope = "cmdb_biz"},
      h.decode(sim:last_request().body))
    local f = sim:task({template_id = 1, start = true})
    sim:advance(1.5)
    assert.is_true((c:forced_fail_node{task_id = f.task_id, node_id = f.node_ids.deploy}))
    assert.is_true((c:operate_node{task_id = f.task_id, node_id = f.node_ids.deploy, action = "retry"}))
  end)

  it("node_callback", function()
    local s = sim:task({template_id = 3, start = true})
    sim:advance(3)
    assert.is_true((c:node_callback{task_id = s.task_id, node_id = s.node_ids.approve, callback_data = {x = 1}}))
    local req = sim:last_request()
    assert.equal("/prod/node_callback/" .. s.task_id .. "/2/", req.path)
    assert.same({node_id = s.node_ids.approve, callback_data = {x = 1}, scope = "cmdb_biz"}, h.decode(req.body))
  end)

  it("get_task_status: GET with presence-only flags; false is not sent", function()
    local t = sim:task({template_id = 2, start = true})
    sim:advance(5)
    local data, _, resp = c:get_task_status{task_id = t.task_id, with_ex_data = true, with_failed_node_info = false}
    assert.equal("FAILED", data.state)
    assert.is_true(h.is_integer(data.elapsed_time))
    assert.is_true(h.is_integer(data.retry))
    assert.equal(sops.null, data.finish_time)
    assert.equal(t.root_id, data["root_id:"])
    assert.is_string(data.ex_data[t.node_ids.deploy])
    assert.equal("", resp.message)
    local req = sim:last_request()
    assert.equal("GET", req.method)
    assert.equal("/prod/get_task_status/" .. t.task_id .. "/2/", req.path)
    assert.same({with_ex_data = "true", scope = "cmdb_biz"}, req.args)
    assert.equal("", req.body)
    c:get_task_status{task_id = t.task_id, subprocess_id = "nabc", with_auto_retry_status = true, scope = "project"}
    assert.same({subprocess_id = "nabc", with_auto_retry_status = "true", scope = "project"}, sim:last_request().args)
  end)

  it("get_tasks_status: POST with a JSON list, even an empty one", function()
    local a = sim:task({template_id = 1})
    local b = sim:task({template_id = 1})
    local list = c:get_tasks_status{task_id_list = {a.task_id, b.task_id}, include_children_status = true}
    assert.equal(2, #list)
    assert.equal(b.task_id, list[1].id)
    local req = sim:last_request()
    assert.equal("/prod/get_tasks_status/2/", req.path)
    assert.same({task_id_list = {a.task_id, b.task_id}, include_children_status = true, scope = "cmdb_biz"},
      h.decode(req.body))
    list = c:get_tasks_status{task_id_list = {}}
    assert.same({}, list)
    assert.matches('"task_id_list":%[%]', sim:last_request().body)
  end)

  it("get_task_detail, get_task_node_detail, get_template_list, get_template_info", function()
    local t = sim:task({template_id = 1, start = true, name = "d"})
    sim:advance(2)
    local d = c:get_task_detail{task_id = t.task_id}
    assert.equal("d", d.name)
    assert.equal("/prod/get_task_detail/" .. t.task_id .. "/2/", sim:last_request().path)
    local n = c:get_task_node_detail{task_id = t.task_id, node_id = t.node_ids.precheck, subprocess_stack = {}}
    assert.equal("FINISHED", n.state)
    assert.same({node_id = t.node_ids.precheck, subprocess_stack = "[]", scope = "cmdb_biz"}, sim:last_request().args)
    local list = c:get_template_list{id_in = {1, 2}, name_keyword = "deploy"}
    assert.equal(2, #list)
    assert.same({id_in = "1,2", name_keyword = "deploy", scope = "cmdb_biz"}, sim:last_request().args)
    local info = c:get_template_info{template_id = 3}
    assert.equal("Restart with approval", info.name)
    assert.equal("/prod/get_template_info/3/2/", sim:last_request().path)
  end)

  it("bk_biz_id and scope per call override the client's", function()
    local _, _, err = c:get_template_list{bk_biz_id = 7, scope = "project"}
    assert.equal("project(7) with scope(project) does not exist.", err.message)
    assert.equal("/prod/get_template_list/7/", sim:last_request().path)
    assert.equal("project", sim:last_request().args.scope)
  end)

  it("call_many sends its calls at once and answers each in order", function()
    local a = sim:task({template_id = 1})
    local b = sim:task({template_id = 2})
    sim:clear_log()
    sim:fault({kind = "delay", seconds = 0.3, count = 3}) -- all three are in flight together
    local results = c:call_many({
      {"get_task_status", {task_id = a.task_id, bk_biz_id = 2, scope = "cmdb_biz"}},
      {"get_task_status", {task_id = 999999, bk_biz_id = 2, scope = "cmdb_biz"}},
      {"get_task_detail", {task_id = b.task_id, bk_biz_id = 2, scope = "cmdb_biz"}},
    })
    assert.equal(3, #results)
    -- each entry holds what call returns, packed as table.pack packs it
    assert.equal("CREATED", results[1][1].state)
    assert.is_nil(results[1][2])
    assert.is_true(results[1][3].result)
    assert.equal(3, results[1].n)
    assert.is_nil(results[2][1])
    assert.equal(tostring(results[2][3]), results[2][2])
    assert.equal("api", results[2][3].kind)
    assert.equal(3, results[2].n)
    assert.equal(b.task_id, results[3][1].id)
    local conns = {}
    for _, r in ipairs(sim:requests()) do conns[r.conn] = true end
    local n = 0
    for _ in pairs(conns) do n = n + 1 end
    assert.equal(3, n)
  end)

  it("single calls and call_many share the client's connections: none is opened twice", function()
    local t = sim:task({template_id = 1})
    local fresh = sim:client()
    finally(function() fresh:close() end)
    sim:clear_log()
    for _ = 1, 3 do assert(fresh:get_task_status{task_id = t.task_id}) end
    -- three at once need three connections; the one the single calls left is among them
    sim:fault({kind = "delay", seconds = 0.2, count = 3})
    local results = fresh:call_many({
      {"get_task_status", {task_id = t.task_id, bk_biz_id = 2, scope = "cmdb_biz"}},
      {"get_task_status", {task_id = t.task_id, bk_biz_id = 2, scope = "cmdb_biz"}},
      {"get_task_status", {task_id = t.task_id, bk_biz_id = 2, scope = "cmdb_biz"}},
    })
    for i = 1, 3 do assert.equal("CREATED", results[i][1].state) end
    -- and the single calls after it find them kept alive
    for _ = 1, 3 do assert(fresh:get_task_status{task_id = t.task_id}) end
    local log = sim:requests()
    assert.equal(9, #log)
    local conns, n = {}, 0
    for _, r in ipairs(log) do
      if not conns[r.conn] then n = n + 1 end
      conns[r.conn] = true
    end
    assert.equal(3, n)
    assert.equal(log[1].conn, log[3].conn)
    local wave = {[log[4].conn] = true, [log[5].conn] = true, [log[6].conn] = true}
    assert.is_true(wave[log[1].conn])
    assert.is_true(wave[log[7].conn] and wave[log[8].conn] and wave[log[9].conn])
  end)

  it("call_many runs more calls than it has handles, in waves, and raises on bad calls", function()
    local calls = {}
    for i = 1, 20 do calls[i] = {"get_template_info", {template_id = i % 7 + 1, bk_biz_id = 2, scope = "cmdb_biz"}} end
    local results = c:call_many(calls)
    assert.equal(20, #results)
    for i = 1, 20 do assert.equal(i % 7 + 1, results[i][1].id) end
    assert.same({}, c:call_many({}))
    assert.has_error(function() c:call_many({{"get_task_status"}}) end,
      "bad argument #1 to 'call_many' (calls[1]: {api, params} expected)")
    assert.has_error(function() c:call_many({{"nope", {}}}) end,
      "bad argument #1 to 'call' (unknown bk-sops api 'nope')")
    -- the client still works after
    assert.is_table((c:get_template_list{}))
  end)

  it("keeps the connection alive across calls", function()
    sim:clear_log()
    for _ = 1, 5 do c:get_template_list{} end
    local log = sim:requests()
    assert.equal(5, #log)
    for _, r in ipairs(log) do
      assert.is_nil(r.headers.connection)
    end
  end)

  it("accepts bk_token and access_token identities", function()
    local tc = sim:client({bk_token = "sim-bk-token"})
    assert.is_table((tc:get_template_list{}))
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, bk_token = "sim-bk-token"},
      auth_of(sim:last_request()))
    local ac = sim:client({access_token = "sim-access-token"})
    assert.is_table((ac:get_template_list{}))
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, access_token = "sim-access-token"},
      auth_of(sim:last_request()))
  end)
end)

describe("calls over the legacy ESB", function()
  local sim, c
  h.use_sim({"--speed", "0"}, {route = "esb"}, function(s, cl) sim, c = s, cl end)

  it("GET: credentials and ids in the query, no gateway header", function()
    local t = sim:task({template_id = 1})
    local data, _, resp = c:get_task_status{task_id = t.task_id, with_ex_data = true}
    assert.equal("CREATED", data.state)
    assert.equal(0, resp.code)
    assert.is_string(resp.request_id)
    local req = sim:last_request()
    assert.equal("/api/c/compapi/v2/sops/get_task_status/", req.path)
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, bk_username = "admin",
      bk_biz_id = "2", task_id = tostring(t.task_id), with_ex_data = "true", scope = "cmdb_biz"}, req.args)
    assert.is_nil(req.headers["x-bkapi-authorization"])
  end)

  it("POST: credentials and ids in the JSON body", function()
    local data = c:create_task{template_id = 1, name = "esb task"}
    local req = sim:last_request()
    assert.equal("/api/c/compapi/v2/sops/create_task/", req.path)
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, bk_username = "admin",
      bk_biz_id = 2, template_id = 1, name = "esb task", scope = "cmdb_biz"}, h.decode(req.body))
    assert.is_table((c:start_task{task_id = data.task_id}))
    sim:advance(1)
    assert.is_true((c:pause_task{task_id = data.task_id}))
    local _, _, err = c:pause_task{task_id = data.task_id}
    assert.equal("api", err.kind)
    assert.equal(1306000, err.code)
    assert.is_string(err.request_id)
  end)

  it("supports every call", function()
    local t = sim:task({template_id = 3, start = true})
    sim:advance(3)
    assert.is_table((c:get_task_detail{task_id = t.task_id}))
    assert.is_table((c:get_task_node_detail{task_id = t.task_id, node_id = t.node_ids.stop,
      subprocess_stack = {t.node_ids["restart service"]}}))
    assert.is_table((c:get_tasks_status{task_id_list = {t.task_id}}))
    assert.is_table((c:get_template_list{}))
    assert.is_table((c:get_template_info{template_id = 1}))
    assert.is_true((c:callback_node{task_id = t.task_id, node_id = t.node_ids.approve}))
    local u = sim:task({template_id = 3, start = true})
    sim:advance(3)
    assert.is_true((c:node_callback{task_id = u.task_id, node_id = u.node_ids.approve, callback_data = {}}))
    assert.same({bk_app_code = h.APP_CODE, bk_app_secret = h.APP_SECRET, bk_username = "admin",
      bk_biz_id = 2, task_id = u.task_id, node_id = u.node_ids.approve, callback_data = {}, scope = "cmdb_biz"},
      h.decode(sim:last_request().body))
  end)

  it("sends access_token as bk_access_token", function()
    local ac = sim:client({route = "esb", access_token = "sim-access-token"})
    assert.is_table((ac:get_template_list{}))
    assert.equal("sim-access-token", sim:last_request().args.bk_access_token)
  end)
end)

describe("create_task{key = ...}: once per key", function()
  local sim, c
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  -- the names of the tasks bk-sops holds, by id
  local function names()
    local out = {}
    for _, t in ipairs(assert(c:get_task_list{limit = 200})) do out[t.id] = t.name end
    return out
  end

  it("creates the task once: the second call finds it, says so and sends no create", function()
    local first, _, resp = assert(c:create_task{template_id = 1, name = "deploy", key = "deploy-1.2.3"})
    assert.is_false(first.existing)
    assert.is_true(first.rechecked)
    assert.is_nil(first.duplicates)
    assert.equal(first, resp.data)
    local create = sim:requests_to("/create_task/")
    assert.equal(1, #create)
    local body = h.decode(create[1].body)
    assert.equal("deploy [key:deploy-1.2.3]", body.name)
    assert.is_nil(body.key) -- never sent
    local looks = sim:requests_to("/get_task_list/")
    assert.equal(2, #looks) -- one before, one after
    assert.equal("[key:deploy-1.2.3]", looks[1].args.keyword)
    assert.equal("1", looks[1].args.template_id)

    local again = assert(c:create_task{template_id = 1, name = "deploy (re-run)", key = "deploy-1.2.3"})
    assert.is_true(again.existing)
    assert.equal(first.task_id, again.task_id)
    assert.equal(first.task_url, again.task_url)
    assert.is_table(again.pipeline_tree)
    assert.equal("deploy [key:deploy-1.2.3]", again.name)
    assert.equal("CREATED", again.state)
    assert.equal(1, #sim:requests_to("/create_task/"))
    assert.same({[first.task_id] = "deploy [key:deploy-1.2.3]"}, names())
  end)

  it("matches the whole key at the end of the name, of the same template", function()
    local other = sim:task({template_id = 3, name = "x [key:k1]"}) -- another template
    local inside = sim:task({template_id = 1, name = "x [key:k1] copy"})
    local glued = sim:task({template_id = 1, name = "x[key:k1]"})
    local longer = sim:task({template_id = 1, name = "x [key:k1.2]"})
    local made = assert(c:create_task{template_id = 1, name = "x", key = "k1"})
    assert.is_false(made.existing)
    assert.is_nil(made.duplicates)
    for _, t in ipairs({other, inside, glued, longer}) do assert.not_equal(t.task_id, made.task_id) end
    -- and a key that is a prefix of another's finds only its own
    local short = assert(c:create_task{template_id = 1, name = "y", key = "k"})
    assert.is_false(short.existing)
    assert.is_true(assert(c:create_task{template_id = 1, name = "z", key = "k1.2"}).existing)
  end)

  it("reads every page of the list", function()
    local oldest = sim:task({template_id = 1, name = "first [key:K]"})
    for i = 1, 200 do sim:task({template_id = 1, name = "decoy " .. i .. " [key:K] not at the end"}) end
    sim:clear_log()
    local found = assert(c:create_task{template_id = 1, name = "again", key = "K"})
    assert.is_true(found.existing)
    assert.equal(oldest.task_id, found.task_id)
    assert.equal(2, #sim:requests_to("/get_task_list/"))
    assert.equal(0, #sim:requests_to("/create_task/"))
  end)

  it("reports duplicates and keeps the lowest id, found or made at the same time", function()
    local a = sim:task({template_id = 1, name = "one [key:dup]"})
    local b = sim:task({template_id = 1, name = "two [key:dup]"})
    local found = assert(c:create_task{template_id = 1, name = "three", key = "dup"})
    assert.is_true(found.existing)
    assert.equal(a.task_id, found.task_id)
    assert.equal(a.task_id, found.keep)
    assert.same({b.task_id}, found.duplicates)

    -- another caller makes its task between this one's look and its create
    local rival
    c:on("request", function(i)
      if i.api == "create_task" then rival = sim:task({template_id = 1, name = "rival [key:race]"}) end
    end)
    local made = assert(c:create_task{template_id = 1, name = "mine", key = "race"})
    c:on("request", nil)
    assert.is_false(made.existing)
    assert.is_true(made.task_id > rival.task_id)
    assert.same({rival.task_id}, made.duplicates)
    assert.equal(rival.task_id, made.keep) -- the lowest id: the one both callers keep
  end)

  it("create_and_start_task: a found task is not started again; its state is given", function()
    local first = assert(c:create_and_start_task{template_id = 1, name = "go", key = "go-1"})
    assert.is_false(first.existing)
    sim:advance(1)
    local again = assert(c:create_and_start_task{template_id = 1, name = "go", key = "go-1"})
    assert.is_true(again.existing)
    assert.equal(first.task_id, again.task_id)
    assert.equal("RUNNING", again.state)
    assert.equal(1, #sim:requests_to("/create_and_start_task/"))
    assert.equal(0, #sim:requests_to("/start_task/"))
    -- a task create_task made with the key is found too: the same template, a project's
    assert.is_true(assert(c:create_task{template_id = 1, name = "go", key = "go-1"}).existing)
  end)

  it("creates nothing when the look fails", function()
    sim:fault({kind = "status", status = 502, match = "get_task_list"})
    local v, message, err = c:create_task{template_id = 1, name = "n", key = "k"}
    assert.is_nil(v)
    assert.is_string(message)
    assert.equal("http", err.kind)
    assert.equal(0, #sim:requests_to("/create_task/"))
  end)

  it("refuses a bad key, or a name the marker makes too long, before anything is sent", function()
    local function refusal(args)
      local ok, e = pcall(function() local r = c:create_task(args) return r end)
      assert.is_false(ok)
      return e
    end
    local cases = {
      {"", "field 'key': a non-empty string expected"},
      {"a\nb", "field 'key': no control characters expected"},
      {"a\194\133b", "field 'key': no control characters expected"},
      {"v[1]", "field 'key': no [ or ] expected"},
      {"\255", "field 'key': UTF-8 text expected"},
      {("k"):rep(65), "field 'key': at most 64 characters expected, got 65"},
      {42, "field 'key': string expected, got number"},
    }
    for _, case in ipairs(cases) do
      local e = refusal{template_id = 1, name = "n", key = case[1]}
      assert.matches("12%-calls_spec%.lua:%d+: bad argument #1 to 'sops.create_task' %(", e)
      assert.matches(case[2], e, 1, true)
    end
    -- 100 characters with the marker (multi-byte ones count once) pass; 101 do not
    local key = ("é"):rep(64)
    -- (the marker is 71 characters: " [key:", 64 of them and "]")
    local e = refusal{template_id = 1, name = ("n"):rep(30), key = key}
    assert.matches("field 'name': with the key's marker ' [key:" .. key .. "]' it has 101 characters; "
      .. "bk-sops takes at most 100", e, 1, true)
    assert.matches("bad argument #1 to 'sops.create_and_start_task' (field 'key'",
      select(2, pcall(c.create_and_start_task, c, {template_id = 1, name = "n", key = ""})), 1, true)
    assert.same({}, sim:requests())
    assert.is_true(assert(c:create_task{template_id = 1, name = ("n"):rep(29), key = key}).rechecked)
    assert.equal(("n"):rep(29) .. " [key:" .. key .. "]", h.decode(sim:requests_to("/create_task/")[1].body).name)
  end)

  it("prepare shows the create with the marked name", function()
    local r = c:prepare("create_task", {template_id = 1, name = "n", key = "k"})
    assert.equal("n [key:k]", h.decode(r.body).name)
    assert.is_nil(h.decode(r.body).key)
  end)
end)
