-- bksops-sim endpoints on both routes: credentials, paths, envelopes, quirks.
local h = require "helpers"
local gw = h.gw
local json_null = require("cjson").null

local ESB = "/api/c/compapi/v2/sops/"
local function esb_creds(t)
  t = t or {}
  t.bk_app_code = t.bk_app_code or h.APP_CODE
  t.bk_app_secret = t.bk_app_secret or h.APP_SECRET
  t.bk_username = t.bk_username or "admin"
  return t
end
local function esb_query(t)
  local parts = {}
  for k, v in pairs(esb_creds(t)) do parts[#parts + 1] = k .. "=" .. tostring(v) end
  table.sort(parts)
  return "?" .. table.concat(parts, "&")
end

describe("bksops-sim API gateway route", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  describe("credentials", function()
    local function gateway_error(auth, reason)
      local status, body, headers = sim:get(gw("get_template_list", 2), {auth = auth})
      assert.equal(400, status)
      assert.same({code = 1640001, code_name = "INVALID_ARGS", result = false, data = nil,
        message = 'Parameters error [reason="' .. reason .. '"]'}, {code = body.code, code_name = body.code_name,
        result = body.result, data = nil, message = body.message})
      assert.equal("1640001", headers["x-bkapi-error-code"])
      assert.matches("^%x+%-%x+%-4%x+%-%x+%-%x+$", headers["x-bkapi-request-id"])
      return body
    end

    it("refuses a request without the header", function()
      gateway_error(false, "app code cannot be empty")
    end)
    it("refuses a header that is not JSON", function()
      gateway_error("not json", "app code cannot be empty")
    end)
    it("refuses a missing secret", function()
      gateway_error('{"bk_app_code":"spec-app","bk_username":"admin"}',
        "please provide bk_app_secret or bk_signature to verify app")
    end)
    it("refuses a wrong secret", function()
      gateway_error('{"bk_app_code":"spec-app","bk_app_secret":"nope","bk_username":"admin"}',
        "bk_app_code or bk_app_secret is incorrect")
    end)
    it("refuses a missing user identity", function()
      gateway_error('{"bk_app_code":"spec-app","bk_app_secret":"spec-secret-0123"}',
        "user authentication failed, please provide a valid user identity, such as bk_username, bk_token, access_token")
    end)
    it("refuses an unknown bk_token", function()
      gateway_error('{"bk_app_code":"spec-app","bk_app_secret":"spec-secret-0123","bk_token":"bad"}',
        "user authentication failed, please provide a valid user identity, such as bk_username, bk_token, access_token")
    end)
    it("refuses a bare bk_username when the app is not exempted", function()
      sim:config({username_exempt = false})
      gateway_error(nil, "user authentication failed, the user indicated by bk_username is not verified")
    end)
    it("accepts bk_token and access_token, as the user they belong to", function()
      local task = sim:task({template_id = 1})
      local status, body = sim:get(gw("get_task_detail", task.task_id, 2),
        {auth = '{"bk_app_code":"spec-app","bk_app_secret":"spec-secret-0123","bk_token":"sim-bk-token"}'})
      assert.equal(200, status)
      assert.is_true(body.result)
      status, body = sim:post(gw("create_task", 1, 2), {name = "by token"},
        {auth = '{"bk_app_code":"spec-app","bk_app_secret":"spec-secret-0123","access_token":"sim-access-token"}'})
      assert.equal(200, status)
      local _, detail = sim:get(gw("get_task_detail", body.data.task_id, 2))
      assert.equal("admin", detail.data.creator)
    end)
    it("puts X-Bkapi-Request-Id on successful answers too", function()
      local _, _, headers = sim:get(gw("get_template_list", 2))
      assert.matches("^%x+%-%x+%-4%x+%-%x+%-%x+$", headers["x-bkapi-request-id"])
      assert.equal(headers["x-bkapi-request-id"], headers["x-request-id"])
    end)
  end)

  describe("routing", function()
    it("answers gateway 404 for an unknown resource", function()
      local status, body, headers = sim:get("/prod/no_such_api/2/")
      assert.equal(404, status)
      assert.equal(1640401, body.code)
      assert.equal("API_NOT_FOUND", body.code_name)
      assert.equal('API not found [method="GET" path="/prod/no_such_api/2/"]', body.message)
      assert.equal("1640401", headers["x-bkapi-error-code"])
    end)
    it("answers gateway 404 for another stage", function()
      local status, body = sim:get("/test/get_template_list/2/")
      assert.equal(404, status)
      assert.equal(1640401, body.code)
    end)
    it("redirects a non-numeric id to bk-sops' page_not_found, as its handler404 does", function()
      -- (luasocket follows redirects: read the answer raw)
      local text = h.raw(sim.port, "GET /prod/get_task_status/abc/2/?x=1 HTTP/1.1\r\nHost: x\r\n"
        .. "X-Bkapi-Authorization: " .. h.AUTH .. "\r\nConnection: close\r\n\r\n")
      assert.matches("^HTTP/1%.1 302", text)
      assert.matches("\r\nLocation: /%?page_not_found=https%%3A//bk%-sops%.example%.com/apigw/get_task_status/abc/2/"
        .. "%%3Fx%%3D1\r\n", text)
      assert.matches("\r\nContent%-Length: 0\r\n", text)
      assert.is_nil(text:find("Not Found", 1, true))
    end)
    it("answers the gateway's 404 (1640401) for a wrong method, before any credential check", function()
      -- the gateway matches method and path together
      local status, body, headers = sim:get(gw("start_task", 1, 2))
      assert.equal(404, status)
      assert.same({code = 1640401, code_name = "API_NOT_FOUND", result = false,
        message = 'API not found [method="GET" path="/prod/start_task/1/2/"]'},
        {code = body.code, code_name = body.code_name, result = body.result, message = body.message})
      assert.equal("1640401", headers["x-bkapi-error-code"])
      assert.is_nil(headers.allow)
      status, body = sim:post(gw("get_task_status", 1, 2), "{}", {auth = false})
      assert.equal(404, status)
      assert.equal(1640401, body.code)
    end)
    it("checks expected_timezone before the include_* serializer, each with its own code", function()
      local _, body = sim:get(gw("get_template_list", 2) .. "?expected_timezone=Mars/Olympus&include_labels=maybe")
      assert.same({result = false, data = "", message = "expected_timezone Mars/Olympus is unknown.", code = 3546100},
        body)
      _, body = sim:get(gw("get_template_list", 2) .. "?expected_timezone=asia/shanghai")
      assert.is_true(body.result) -- pytz looks names up in any case
      _, body = sim:get(gw("get_template_list", 2) .. "?include_labels=maybe&format=xml")
      assert.same({include_labels = {"Must be a valid boolean."}, format = {'"xml" is not a valid choice.'}},
        body.message)
      assert.equal(3540000, body.code)
      assert.is_string(body.trace_id)
      -- DRF: booleans in any case, an empty value is the default
      _, body = sim:get(gw("get_template_list", 2) .. "?include_labels=TRUE&include_notify=&unfold_subprocess=T")
      assert.is_true(body.result)
      -- the same decorator on the task list
      _, body = sim:get(gw("get_task_list", 2) .. "?expected_timezone=Nowhere")
      assert.equal(3546100, body.code)
      local status = sim:get(gw("get_template_list", 2) .. "?id_in=1,abc")
      assert.equal(500, status)
    end)
    it("takes scope only when it is there: an empty or null scope names the project by its id", function()
      -- project 5 is not a cmdb business: found by its id
      local _, body = sim:get(gw("get_template_list", 5) .. "?scope=")
      assert.is_true(body.result)
      _, body = sim:get(gw("get_template_list", 5))
      assert.equal("project(5) with scope(cmdb_biz) does not exist.", body.message)
      -- (an empty list: cjson would write {} for {}, an object bk-sops refuses)
      _, body = sim:post(gw("get_tasks_status", 5), '{"scope": null, "task_id_list": []}')
      assert.is_true(body.result)
    end)
    it("get_task_list: create_time_start and create_time_end filter, and a date it cannot read is refused", function()
      local t = sim:task({template_id = 1})
      local _, body = sim:get(gw("get_task_list", 2) .. "?create_time_start=2099-01-01")
      assert.equal(0, body.count)
      _, body = sim:get(gw("get_task_list", 2) .. "?create_time_end=2000-01-01%2012:00:00")
      assert.equal(0, body.count)
      _, body = sim:get(gw("get_task_list", 2) .. "?create_time_start=2000-01-01T00:00:00Z&create_time_end=2099-12-31")
      assert.equal(1, body.count)
      assert.equal(t.task_id, body.data[1].id)
      _, body = sim:get(gw("get_task_list", 2) .. "?create_time_start=abc")
      assert.same({false, "", 3546100}, {body.result, body.data, body.code})
      assert.matches("^无法解析日期格式: abc，支持的格式：", body.message.create_time_start[1])
    end)
    it("get_task_list: keyword and template_id stripped as a CharField is, 0 a false BooleanField, "
      .. "the template_source each create view records", function()
      local a = sim:task({template_id = 1, name = "alpha [key:k]"})
      sim:task({template_id = 3, name = "beta [key:k]"})
      local _, body = sim:get(gw("get_task_list", 2) .. "?keyword=%20%5Bkey:k%5D%20&template_id=%201%20")
      assert.equal(1, body.count)
      assert.equal(a.task_id, body.data[1].id)
      assert.equal("project", body.data[1].template_source)
      _, body = sim:get(gw("get_task_list", 2) .. "?is_started=0")
      assert.equal(2, body.count)
      _, body = sim:get(gw("get_task_list", 2) .. "?is_started=FALSE")
      assert.equal(2, body.count)
      _, body = sim:post(gw("create_and_start_task", 1, 2), {name = "started"})
      assert.is_true(body.result)
      _, body = sim:get(gw("get_task_list", 2) .. "?keyword=started")
      assert.equal("business", body.data[1].template_source)
    end)
    it("refuses an unknown business without data or trace_id", function()
      local status, body = sim:get(gw("get_template_list", 999))
      assert.equal(200, status)
      assert.same({result = false, message = "project(999) with scope(cmdb_biz) does not exist.", code = 3540400}, body)
    end)
    it("takes scope=project to mean the project id", function()
      local _, body = sim:get(gw("get_template_list", 2) .. "?scope=project")
      assert.is_true(body.result)
      _, body = sim:post(gw("get_tasks_status", 7), {scope = "project", task_id_list = {}})
      assert.equal("project(7) with scope(project) does not exist.", body.message)
    end)
    it("answers invalid param format for malformed JSON on every POST endpoint", function()
      for _, path in ipairs({gw("create_task", 1, 2), gw("start_task", 1, 2), gw("operate_task", 1, 2),
          gw("operate_node", 2, 1), gw("node_callback", 1, 2), gw("get_tasks_status", 2)}) do
        local status, body = sim:post(path, "{not json")
        assert.equal(200, status)
        assert.same({result = false, message = "invalid param format", code = 3540000}, body)
      end
      local _, body = sim:post(gw("operate_task", 1, 2), "[1, 2]")
      assert.equal("invalid param format", body.message)
    end)
  end)

  describe("create_task", function()
    it("creates a task and returns its id, url and instance tree", function()
      local status, body, headers = sim:post(gw("create_task", 1, 2),
        {name = "deploy 1", constants = {["${version}"] = "2.0"}})
      assert.equal(200, status)
      assert.is_true(body.result)
      assert.equal(0, body.code)
      assert.is_nil(body.message)
      assert.is_true(h.is_integer(body.data.task_id))
      assert.equal("https://bk-sops.example.com/taskflow/execute/2/?instance_id=" .. body.data.task_id, body.data.task_url)
      local tree = body.data.pipeline_tree
      assert.equal("EmptyStartEvent", tree.start_event.type)
      assert.equal("2.0", tree.constants["${version}"].value)
      local names = {}
      for id, act in pairs(tree.activities) do
        assert.matches("^n%x+$", id)
        assert.equal(32, #id)
        names[#names + 1] = act.name
      end
      table.sort(names)
      assert.same({"deploy", "precheck", "verify"}, names)
      assert.matches("^%x+$", body.trace_id)
      assert.equal(body.trace_id, headers["sops-trace-id"])
    end)
    it("gives fresh node ids to every task", function()
      local _, a = sim:post(gw("create_task", 1, 2), {name = "a"})
      local _, b = sim:post(gw("create_task", 1, 2), {name = "b"})
      assert.are_not.equal(a.data.pipeline_tree.start_event.id, b.data.pipeline_tree.start_event.id)
    end)
    it("validates the body like the real schema, in the view's order, with the view's trace_id", function()
      local cases = {
        {{}, "task params is invalid: 'name' is a required property"},
        {{name = ""}, "task params is invalid: '' should be non-empty"},
        {{name = string.rep("x", 101)}, "task params is invalid: '" .. string.rep("x", 101) .. "' is too long"},
        {{name = 5}, "task params is invalid: 5 is not of type 'string'"},
        {{name = "x", flow_type = "weird"}, "task params is invalid: 'weird' is not one of ['common', 'common_func']"},
        {{name = "x", callback_url = "ftp://x"}, "callback_url format error, must match ^https?://\\w.+$"},
      }
      for _, c in ipairs(cases) do
        local _, body = sim:post(gw("create_task", 1, 2), c[1])
        -- (the first line of jsonschema's str(ValidationError); spec 41 holds the rest)
        assert.equal(c[2], (body.message:gsub("\n\nFailed validating .*$", "")))
        assert.equal(3540000, body.code)
        assert.is_string(body.trace_id) -- the view's own answer (return_json_response)
        assert.is_nil(body.data)
      end
      -- an empty body is request_validate's (ObjectJsonBodyValidator), no trace_id
      local _, body = sim:post(gw("create_task", 1, 2), "")
      assert.same({false, "非法请求: 数据错误, 请求不是合法的Json格式 | validate", 3540000},
        {body.result, body.message, body.code})
      assert.is_nil(body.trace_id)
      -- create_task.py: the callback URL, then the template, then the schema
      -- (for a whitelisted app: CreateTaskInterceptor reads the template
      -- before the view for any other, spec 40)
      sim:config({whitelist = {"spec-app"}})
      _, body = sim:post(gw("create_task", 99, 2), {name = 5, callback_url = "ftp://x"})
      assert.equal("callback_url format error, must match ^https?://\\w.+$", body.message)
      _, body = sim:post(gw("create_task", 99, 2), {name = 5})
      assert.equal(3540400, body.code)
      assert.matches("^template%[id=99%]", body.message)
      -- an empty or null callback_url is no callback (Python's `if callback_url and ...`)
      for _, falsy in ipairs({"", json_null}) do
        _, body = sim:post(gw("create_task", 1, 2), {name = "x", callback_url = falsy})
        assert.is_true(body.result)
      end
    end)
    it("refuses an unknown template (a whitelisted app: the view's own texts)", function()
      sim:config({whitelist = {"spec-app"}})
      local _, body = sim:post(gw("create_task", 99, 2), {name = "x"})
      assert.equal("template[id=99] of project[project_id=2,biz_id=2] does not exist", body.message)
      assert.equal(3540400, body.code)
      _, body = sim:post(gw("create_task", 1, 2), {name = "x", template_source = "common"})
      assert.equal("common template[id=1] does not exist", body.message)
    end)
  end)

  describe("start_task", function()
    it("queues the start: CREATED until the next tick, then RUNNING", function()
      local task = sim:task({template_id = 1})
      local status, body = sim:post(gw("start_task", task.task_id, 2), "")
      assert.equal(200, status)
      local url = "https://bk-sops.example.com/taskflow/execute/2/?instance_id=" .. task.task_id
      assert.same({task_url = url, data = {task_url = url}, result = true, code = 0, trace_id = body.trace_id}, body)
      local _, st = sim:get(gw("get_task_status", task.task_id, 2))
      assert.equal("CREATED", st.data.state)
      -- a second start before the worker ran also succeeds
      _, body = sim:post(gw("start_task", task.task_id, 2), "{}")
      assert.is_true(body.result)
      sim:advance(0.5)
      _, st = sim:get(gw("get_task_status", task.task_id, 2))
      assert.equal("RUNNING", st.data.state)
      _, body = sim:post(gw("start_task", task.task_id, 2), "{}")
      assert.same({result = false, code = 3545000, message = "task already started", trace_id = body.trace_id}, body)
    end)
    it("answers the middleware's not-found text for an unknown task", function()
      local _, body = sim:post(gw("start_task", 999999, 2), "{}")
      assert.same({result = false, code = 3540400, data = nil,
        message = "数据不存在错误: 数据不存在错误, 错误内容 TaskFlowInstance(id=999999) does not exist. | process_exception"},
        {result = body.result, code = body.code, data = nil, message = body.message})
      assert.is_nil(body.trace_id)
    end)
  end)

  describe("get_task_status", function()
    it("answers the CREATED placeholder before start", function()
      local task = sim:task({template_id = 1, name = "not yet"})
      local _, body = sim:get(gw("get_task_status", task.task_id, 2))
      assert.same({start_time = h.null, state = "CREATED", retry = 0, skip = 0, finish_time = h.null,
        elapsed_time = 0, children = {}, name = "not yet"}, body.data)
      assert.equal("", body.message)
      assert.is_true(h.is_integer(body.data.skip))
    end)
    it("shows only reached nodes, with root_id: keys, names and times", function()
      local task = sim:task({template_id = 1, start = true, name = "deploy"})
      sim:advance(2) -- start at +0, precheck 1 s, deploy running
      local _, body = sim:get(gw("get_task_status", task.task_id, 2))
      local d = body.data
      assert.equal(task.root_id, d.id)
      assert.equal(task.root_id, d["root_id:"])
      assert.equal(task.root_id, d.parent_id)
      assert.equal("deploy", d.name)
      assert.matches("^v%x+$", d.version)
      assert.equal(33, #d.version)
      assert.is_false(d.skip)
      local states = {}
      for id, c in pairs(d.children) do
        assert.equal(task.root_id, c["root_id:"])
        assert.equal(task.root_id, c.parent_id)
        states[c.name ~= "" and c.name or id] = c.state
      end
      assert.equal("FINISHED", states.precheck)
      assert.equal("RUNNING", states.deploy)
      assert.is_nil(states.verify)
      local deploy = d.children[task.node_ids.deploy]
      assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d %+0800$", deploy.start_time)
      assert.equal(h.null, deploy.finish_time)
      assert.equal(1, deploy.elapsed_time)
      assert.is_true(h.is_integer(deploy.loop))
    end)
    it("reports FAILED with ex_data while the engine root keeps running", function()
      local task = sim:task({template_id = 2, start = true})
      sim:advance(5)
      local _, body = sim:get(gw("get_task_status", task.task_id, 2) .. "?with_ex_data=false")
      assert.equal("FAILED", body.data.state)
      assert.equal(h.null, body.data.finish_time)
      assert.same({[task.node_ids.deploy] = "job execution failed: step[1] exit code 1 on 10.0.0.12"}, body.data.ex_data)
      -- without the flag there is no ex_data
      _, body = sim:get(gw("get_task_status", task.task_id, 2))
      assert.is_nil(body.data.ex_data)
    end)
    it("treats the flags as presence-only", function()
      local task = sim:task({template_id = 2, start = true})
      sim:advance(5)
      local _, body = sim:get(gw("get_task_status", task.task_id, 2)
        .. "?with_failed_node_info=0&with_auto_retry_status=false")
      assert.same({[task.node_ids.deploy] = {}}, body.data.failed_node_info)
      assert.same({exist_auto_retry_nodes = false, auto_retry_nodes = {}}, body.data.auto_retry_status)
      _, body = sim:get(gw("get_task_status", task.task_id, 2) .. "?with_ex_data=")
      assert.is_nil(body.data.ex_data)
    end)
    it("answers with_auto_retry_status and with_failed_node_info with the strategies, in bk-sops' shapes", function()
      local task = sim:task({template_id = 8, start = true})
      local deploy = task.node_ids.deploy
      sim:advance(3)
      local path = gw("get_task_status", task.task_id, 2) .. "?with_failed_node_info=1&with_auto_retry_status=0"
      local _, body, _, raw = sim:get(path)
      assert.equal("FAILED", body.data.state)
      assert.same({[deploy] = {node_id = deploy, auto_retry_times = 0, max_auto_retry_times = 2}},
        body.data.failed_node_info)
      assert.same({exist_auto_retry_nodes = true, auto_retry_nodes = {deploy}}, body.data.auto_retry_status)
      -- written in the order bk-sops builds them (by JsonResponse: ", " and ": ")
      assert.matches('"failed_node_info": {"' .. deploy .. '": {"node_id": "' .. deploy
        .. '", "auto_retry_times": 0, "max_auto_retry_times": 2}}', raw, 1, true)
      assert.matches('"auto_retry_status": {"exist_auto_retry_nodes": true, "auto_retry_nodes": ["' .. deploy .. '"]}',
        raw, 1, true)
      -- each flag alone; an empty one is absent (Django's GET.get gives "")
      _, body = sim:get(gw("get_task_status", task.task_id, 2) .. "?with_auto_retry_status=false&with_failed_node_info=")
      assert.is_table(body.data.auto_retry_status)
      assert.is_nil(body.data.failed_node_info)
      _, body = sim:get(gw("get_task_status", task.task_id, 2) .. "?with_auto_retry_status=")
      assert.is_nil(body.data.auto_retry_status)
      -- once retried and done: nothing failed, nothing waiting
      sim:advance(10)
      _, body = sim:get(path)
      assert.equal("FINISHED", body.data.state)
      assert.same({}, body.data.failed_node_info)
      assert.same({exist_auto_retry_nodes = false, auto_retry_nodes = {}}, body.data.auto_retry_status)
    end)
    it("fails with_failed_node_info on a CREATED task", function()
      local task = sim:task({template_id = 1})
      local _, body = sim:get(gw("get_task_status", task.task_id, 2) .. "?with_failed_node_info=1")
      assert.is_false(body.result)
      assert.equal(string.format("task[id=%d] extract failed node info error: 'id'", task.task_id), body.message)
      assert.equal(3599999, body.code)
    end)
    it("returns a subprocess subtree with subprocess_id", function()
      local task = sim:task({template_id = 3, start = true, name = "restart"})
      local sub = task.node_ids["restart service"]
      local _, body = sim:get(gw("get_task_status", task.task_id, 2) .. "?subprocess_id=" .. sub)
      assert.equal("CREATED", body.data.state) -- not reached yet
      sim:advance(3)
      _, body = sim:get(gw("get_task_status", task.task_id, 2) .. "?subprocess_id=" .. sub)
      assert.equal(sub, body.data.id)
      assert.equal("restart", body.data.name)
      assert.equal("RUNNING", body.data.state)
      assert.is_not_nil(body.data.children[task.node_ids.stop])
      assert.equal(sub, body.data.children[task.node_ids.stop].parent_id)
    end)
    it("cannot name an expired task of engine v2: the cleaner took its execution snapshot", function()
      local task = sim:task({template_id = 1, start = true, name = "old"})
      sim:control("POST", "tasks/" .. task.task_id .. "/expire")
      local _, body = sim:get(gw("get_task_status", task.task_id, 2))
      assert.same({false, 3599999}, {body.result, body.code})
      assert.equal(string.format("task[id=%d] add node name error: 'NoneType' object has no attribute 'data'",
        task.task_id), body.message)
    end)
    it("answers the view's own text to a whitelisted app", function()
      sim:config({whitelist = {"spec-app"}})
      local _, body = sim:get(gw("get_task_status", 4242, 2))
      assert.equal("task[id=4242] get status error: TaskFlowInstance matching query does not exist.", body.message)
      assert.equal(3599999, body.code)
    end)
    it("caches status for 10 simulated seconds when caching is on", function()
      sim:config({cache = true})
      local task = sim:task({template_id = 1, start = true})
      sim:advance(0.5)
      local _, first = sim:get(gw("get_task_status", task.task_id, 2))
      sim:advance(6)
      local _, cached = sim:get(gw("get_task_status", task.task_id, 2))
      assert.same(first, cached)
      assert.equal("RUNNING", cached.data.state)
      sim:advance(4)
      local _, fresh = sim:get(gw("get_task_status", task.task_id, 2))
      assert.equal("FINISHED", fresh.data.state)
    end)
    it("does not cache CREATED answers", function()
      sim:config({cache = true})
      local task = sim:task({template_id = 1})
      local _, first = sim:get(gw("get_task_status", task.task_id, 2))
      assert.equal("CREATED", first.data.state)
      sim:post(gw("start_task", task.task_id, 2), "{}")
      sim:advance(0.5)
      local _, second = sim:get(gw("get_task_status", task.task_id, 2))
      assert.equal("RUNNING", second.data.state)
    end)
  end)

  describe("get_tasks_status", function()
    it("drops unknown ids and orders by id descending", function()
      local a = sim:task({template_id = 1, name = "a"})
      local b = sim:task({template_id = 1, name = "b", start = true})
      sim:advance(1)
      local _, body = sim:post(gw("get_tasks_status", 2), {task_id_list = {a.task_id, 99999, b.task_id}})
      assert.is_true(body.result)
      assert.equal(2, #body.data)
      assert.equal(b.task_id, body.data[1].id)
      assert.equal(a.task_id, body.data[2].id)
      assert.equal("RUNNING", body.data[1].status.state)
      assert.is_nil(body.data[1].status.children)
      assert.equal("CREATED", body.data[2].status.state)
      assert.equal("", body.data[2].start_time)
      assert.equal("execute_task", body.data[2].current_flow)
      assert.is_false(body.data[2].is_deleted)
    end)
    it("includes children when asked and deleted tasks always", function()
      local a = sim:task({template_id = 1, start = true})
      sim:advance(1)
      sim:control("POST", "tasks/" .. a.task_id .. "/delete")
      local _, body = sim:post(gw("get_tasks_status", 2), {task_id_list = {a.task_id}, include_children_status = "true"})
      assert.is_true(body.data[1].is_deleted)
      assert.is_table(body.data[1].status.children)
    end)
    it("has no auto-retry flag: a task waiting for an automatic retry shows only its state", function()
      local t = sim:task({template_id = 8, start = true})
      sim:advance(3)
      local _, body = sim:post(gw("get_tasks_status", 2) .. "?with_auto_retry_status=1&with_failed_node_info=1",
        {task_id_list = {t.task_id}, include_children_status = true, with_auto_retry_status = true})
      local st = body.data[1].status
      assert.equal("FAILED", st.state)
      assert.is_nil(st.auto_retry_status)
      assert.is_nil(st.failed_node_info)
    end)
    it("refuses bad lists", function()
      local _, body = sim:post(gw("get_tasks_status", 2), "")
      assert.equal("request body is not a valid json", body.message)
      _, body = sim:post(gw("get_tasks_status", 2), {task_id_list = "1,2"})
      assert.equal("task_id_list must be a list", body.message)
      local many = {}
      for i = 1, 51 do many[i] = i end
      _, body = sim:post(gw("get_tasks_status", 2), {task_id_list = many})
      assert.equal("task_id_list is too long, maximum length is 50", body.message)
      _, body = sim:post(gw("get_tasks_status", 2), '{"task_id_list": [], "include_children_status": "maybe"}')
      assert.same({include_children_status = {"Must be a valid boolean."}}, body.message)
      assert.equal(3540000, body.code)
      local status = sim:post(gw("get_tasks_status", 2), {task_id_list = {"x"}})
      assert.equal(500, status)
    end)
  end)

  describe("get_task_detail, get_task_node_detail, templates", function()
    it("describes a task", function()
      local task = sim:task({template_id = 1, start = true, name = "detail"})
      sim:advance(2)
      local _, body = sim:get(gw("get_task_detail", task.task_id, 2))
      local d = body.data
      assert.equal(task.task_id, d.id)
      assert.equal(2, d.project_id)
      assert.equal("detail", d.name)
      assert.equal(1, d.template_id)
      assert.equal("admin", d.creator)
      assert.equal("", d.finish_time)
      assert.equal(2, d.elapsed_time)
      assert.is_table(d.pipeline_tree.activities)
      assert.equal("web", d.constants["${app}"].value)
    end)
    it("answers the whitelisted get_task_detail text", function()
      sim:config({whitelist = {"spec-app"}})
      local _, body = sim:get(gw("get_task_detail", 777, 2))
      assert.equal("[API] get_task_detail task[id=777] of project[project_id=2, biz_id2] does not exist", body.message)
    end)
    it("details an executed node, a node not run yet and an unknown node", function()
      local task = sim:task({template_id = 2, start = true})
      sim:advance(5)
      sim:post(gw("operate_node", 2, task.task_id), {node_id = task.node_ids.deploy, action = "retry",
        inputs = {version = "2.0"}})
      sim:advance(3)
      local _, body = sim:get(gw("get_task_node_detail", task.task_id, 2) .. "?node_id=" .. task.node_ids.deploy)
      local d = body.data
      assert.equal("FINISHED", d.state)
      assert.equal(1, d.retry)
      assert.equal(-1, d.history_id)
      assert.equal(1, #d.histories)
      assert.equal("FAILED", d.histories[1].state)
      assert.equal("job execution failed: step[1] exit code 1 on 10.0.0.12", d.histories[1].ex_data)
      assert.same({version = "2.0"}, d.inputs)
      assert.same({}, d.auto_retry_info)
      local other = sim:task({template_id = 1})
      _, body = sim:get(gw("get_task_node_detail", other.task_id, 2) .. "?node_id=" .. other.node_ids.deploy)
      assert.same({name = "deploy", error_ignorable = false, state = "READY", inputs = {app = "web", version = "1.0.0"},
        outputs = {}, ex_data = ""}, body.data)
      _, body = sim:get(gw("get_task_node_detail", other.task_id, 2) .. "?node_id=nope")
      assert.equal(3540000, body.code)
      assert.matches("未找到节点%[ID: nope%]", body.message)
      _, body = sim:get(gw("get_task_node_detail", other.task_id, 2) .. "?node_id=x&subprocess_stack=oops")
      assert.equal("subprocess_stack is not a valid array json", body.message)
      assert.equal(3599999, body.code)
    end)
    it("details a node's automatic-retry strategy, and writes it in the instance tree", function()
      local _, created = sim:post(gw("create_task", 8, 2), {name = "auto"})
      local id = created.data.task_id
      local tree = created.data.pipeline_tree
      local task = sim:control("GET", "tasks/" .. id)
      local deploy, precheck = task.node_ids.deploy, task.node_ids.precheck
      assert.same({enable = true, times = 2, interval = 5}, tree.activities[deploy].auto_retry)
      assert.is_nil(tree.activities[precheck].auto_retry)
      -- a node not reached yet has no id, and so no auto_retry_info
      local _, body = sim:get(gw("get_task_node_detail", id, 2) .. "?node_id=" .. deploy)
      assert.is_nil(body.data.auto_retry_info)
      sim:post(gw("start_task", id, 2), "{}")
      sim:advance(3)
      _, body = sim:get(gw("get_task_node_detail", id, 2) .. "?node_id=" .. deploy)
      assert.equal("FAILED", body.data.state)
      assert.same({node_id = deploy, auto_retry_times = 0, max_auto_retry_times = 2}, body.data.auto_retry_info)
      _, body = sim:get(gw("get_task_node_detail", id, 2) .. "?node_id=" .. precheck)
      assert.same({}, body.data.auto_retry_info)
      -- get_task_node_data has none
      _, body = sim:get(gw("get_task_node_data", 2, id) .. "?node_id=" .. deploy)
      assert.is_true(body.result)
      assert.is_nil(body.data.auto_retry_info)
    end)
    it("lists and filters templates, newest first (the model orders by -id)", function()
      local _, body = sim:get(gw("get_template_list", 2))
      assert.is_true(#body.data >= 7)
      local first = body.data[#body.data]
      assert.is_true(body.data[1].id > body.data[2].id)
      assert.equal(1, first.id)
      assert.equal(2, first.bk_biz_id)
      assert.equal("Sim Business", first.bk_biz_name)
      _, body = sim:get(gw("get_template_list", 2) .. "?name_keyword=FLAKY")
      assert.equal(1, #body.data)
      assert.equal(2, body.data[1].id)
      _, body = sim:get(gw("get_template_list", 2) .. "?id_in=3,4")
      assert.equal(2, #body.data)
      _, body = sim:get(gw("get_template_info", 3, 2))
      assert.equal("Restart with approval", body.data.name)
      assert.is_nil(body.data.pipeline_tree.line)
    end)
  end)

  describe("the log views (log_auth.py)", function()
    it("serve a JOB node's log in get_node_job_executed_log's own envelope, and refuse as bk-sops does", function()
      local t = sim:task({template_id = 2, start = true})
      local deploy, precheck, notify = t.node_ids.deploy, t.node_ids.precheck, t.node_ids.notify
      local function keys(obj)
        local out = {}
        for k in pairs(obj) do out[#out + 1] = k end
        table.sort(out)
        return out
      end
      local function job_log(node)
        local _, body = sim:get(gw("get_node_job_executed_log", t.task_id, 2) .. (node and ("?node_id=" .. node) or ""))
        return body
      end
      sim:advance(2) -- precheck done, deploy (job_fast_execute_script) running
      local body = job_log(deploy)
      assert.same({"logs", "message", "result"}, keys(body))
      assert.is_true(body.result)
      assert.equal("success", body.message)
      assert.matches("job_fast_execute_script on 10%.0%.0%.1: deploy %(attempt 1%)\n[^\n]+ version=1%.0%.0$",
        body.logs)
      sim:advance(5) -- deploy failed
      body = job_log(deploy)
      assert.matches("\n%[[^%]]+%] exit code 1: job execution failed: step%[1%] exit code 1 on 10%.0%.0%.12$",
        body.logs)
      -- a node of another plugin: no job_inst_id, so JOB refuses, in the same envelope
      body = job_log(precheck)
      assert.same({"logs", "message", "result"}, keys(body))
      assert.is_false(body.result)
      assert.equal("", body.logs)
      assert.matches("^调用作业平台%(JOB%)接口jobv3%.get_job_instance_status返回失败, error=", body.message)
      assert.matches('"job_instance_id": null', body.message, 1, true)
      -- a node that has not run has no execution data; an unknown node, none
      body = job_log(notify)
      assert.same({result = false, code = 3540400,
        message = "[API] get_node_job_executed_log execution data not found for node_id: " .. notify}, body)
      body = job_log("nope")
      assert.same({result = false, code = 3540400,
        message = "[API] get_node_job_executed_log task[id=" .. t.task_id .. "] does not have node[nope]"}, body)
      body = job_log(nil)
      assert.same({result = false, code = 3540000, message = "[API] get_node_job_executed_log node_id is required"},
        body)
      -- get_task_node_log: the same checks under its own name, its log with the node's error
      local _, log = sim:get(gw("get_task_node_log", t.task_id, 2) .. "?node_id=nope")
      assert.same({result = false, code = 3540400,
        message = "[API] get_task_node_log task[id=" .. t.task_id .. "] does not have node[nope]"}, log)
      _, log = sim:get(gw("get_task_node_log", t.task_id, 2) .. "?node_id=" .. deploy)
      assert.is_true(log.result)
      assert.matches(": node deploy FAILED\n[^\n]+: job execution failed: step%[1%] exit code 1 on 10%.0%.0%.12$",
        log.data)
      -- a task of no such id: the IAM lookup's refusal, before the view
      local _, missing = sim:get(gw("get_node_job_executed_log", 99999, 2) .. "?node_id=" .. deploy)
      assert.is_false(missing.result)
    end)
  end)

  describe("create_task with a pipeline_tree", function()
    it("takes the tree's constants, sets those given that the tree has, and refuses a scheme beside it", function()
      local _, first = sim:post(gw("create_task", 1, 2), {name = "one", constants = {["${version}"] = "2.0"}})
      local tree = first.data.pipeline_tree
      local _, again = sim:post(gw("create_task", 1, 2), {name = "two", pipeline_tree = tree,
        constants = {["${app}"] = "api", ["${nope}"] = "x"}})
      assert.is_true(again.result)
      local constants = again.data.pipeline_tree.constants
      assert.equal("2.0", constants["${version}"].value)
      assert.equal("api", constants["${app}"].value)
      assert.is_nil(constants["${nope}"])
      local _, refused = sim:post(gw("create_task", 1, 2), {name = "three", pipeline_tree = tree,
        template_schemes_id = {1}})
      assert.same({false, 3540000, "template_schemes_id can not be used with pipeline_tree"},
        {refused.result, refused.code, refused.message})
    end)
  end)
end)

describe("bksops-sim ESB route", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("takes credentials and ids in the query for GET, rewrites code, adds request_id", function()
    local task = sim:task({template_id = 1})
    local status, body, headers = sim:get(ESB .. "get_task_status/" .. esb_query({bk_biz_id = 2, task_id = task.task_id}),
      {auth = false})
    assert.equal(200, status)
    assert.is_true(body.result)
    assert.equal(0, body.code)
    assert.matches("^%x+$", body.request_id)
    assert.equal("CREATED", body.data.state)
    assert.is_nil(headers["x-bkapi-request-id"])
  end)

  it("takes credentials and ids in the JSON body for POST", function()
    local status, body = sim:post(ESB .. "create_task/", esb_creds({bk_biz_id = 2, template_id = 1, name = "via esb"}),
      {auth = false})
    assert.equal(200, status)
    assert.is_true(body.result)
    local id = body.data.task_id
    status, body = sim:post(ESB .. "start_task/", esb_creds({bk_biz_id = 2, task_id = id}), {auth = false})
    assert.equal(200, status)
    assert.is_true(body.result)
    status, body = sim:post(ESB .. "operate_task/", esb_creds({bk_biz_id = 2, task_id = id, action = "resume"}), {auth = false})
    assert.equal(200, status)
    assert.is_false(body.result)
    assert.equal(1306000, body.code)
    assert.equal("task not started", body.message)
  end)

  it("supports every endpoint", function()
    local task = sim:task({template_id = 3, start = true})
    sim:advance(3)
    local id = task.task_id
    local node = task.node_ids.approve
    local calls = {
      {"GET", "get_template_list", {bk_biz_id = 2}},
      {"GET", "get_template_info", {bk_biz_id = 2, template_id = 1}},
      {"GET", "get_task_status", {bk_biz_id = 2, task_id = id}},
      {"GET", "get_task_detail", {bk_biz_id = 2, task_id = id}},
      {"GET", "get_task_node_detail", {bk_biz_id = 2, task_id = id, node_id = node,
        subprocess_stack = "%5B%22" .. task.node_ids["restart service"] .. "%22%5D"}},
      {"POST", "get_tasks_status", {bk_biz_id = 2, task_id_list = {id}}},
      {"POST", "operate_node", {bk_biz_id = 2, task_id = id, node_id = node, action = "callback", data = {ok = 1}}},
      {"POST", "operate_task", {bk_biz_id = 2, task_id = id, action = "pause"}},
    }
    for _, c in ipairs(calls) do
      local status, body
      if c[1] == "GET" then
        status, body = sim:get(ESB .. c[2] .. "/" .. esb_query(c[3]), {auth = false})
      else
        status, body = sim:post(ESB .. c[2] .. "/", esb_creds(c[3]), {auth = false})
      end
      assert.equal(200, status)
      assert.is_true(body.result, c[2] .. ": " .. tostring(body.message))
      assert.equal(0, body.code)
    end
    local other = sim:task({template_id = 3, start = true})
    sim:advance(3)
    local _, body = sim:post(ESB .. "node_callback/", esb_creds({bk_biz_id = 2, task_id = other.task_id,
      node_id = other.node_ids.approve, callback_data = {ok = true}}), {auth = false})
    assert.is_true(body.result)
  end)

  it("refuses missing ids and bad credentials with ESB codes", function()
    local _, body = sim:get(ESB .. "get_task_status/" .. esb_query({bk_biz_id = 2}), {auth = false})
    assert.equal(1306406, body.code)
    assert.equal("Parameters error, param task_id is required", body.message)
    _, body = sim:get(ESB .. "get_template_list/?bk_biz_id=2", {auth = false})
    assert.equal(1306406, body.code)
    _, body = sim:get(ESB .. "get_template_list/" .. esb_query({bk_biz_id = 2, bk_app_secret = "wrong"}), {auth = false})
    assert.equal(1306403, body.code)
    _, body = sim:get(ESB .. "get_template_list/?bk_biz_id=2&bk_app_code=spec-app&bk_app_secret=spec-secret-0123",
      {auth = false})
    assert.equal(1306401, body.code)
    assert.equal("User authentication failed, please provide a valid user identity, such as bk_token, bk_username",
      body.message)
    _, body = sim:get(ESB .. "no_such/" .. esb_query({}), {auth = false})
    assert.equal(1306404, body.code)
  end)

  it("accepts the gateway credential header on ESB", function()
    local _, body = sim:get(ESB .. "get_template_list/?bk_biz_id=2")
    assert.is_true(body.result)
    -- a body ESB cannot read hides the ids it carries
    _, body = sim:post(ESB .. "get_tasks_status/", "{broken")
    assert.equal("Parameters error, param bk_biz_id is required", body.message)
    assert.equal(1306406, body.code)
  end)
end)

describe("bksops-sim's views", function()
  it("are put together with every route given a view, once, and no view without a route", function()
    if not math.type then -- luacheck: ignore 143
      return pending("bksops-sim's modules need Lua 5.3 or later")
    end
    local views = require "sops.sim.views"
    local routes = {{name = "a", method = "GET", path = "/a/"}, {name = "b", method = "POST", path = "/b/{id}/"}}
    local function a() end
    local function b() end
    assert.same({a = a, b = b}, views.merge({{"one", {a = a}}, {"two", {b = b}}}, routes))
    assert.has_error(function() views.merge({{"one", {a = a}}}, routes) end,
      "sops.sim.views: the route b (POST /b/{id}/) has no view")
    assert.has_error(function() views.merge({{"one", {a = a, b = b, c = a}}}, routes) end,
      "sops.sim.views: the view c (in one) has no route")
    assert.has_error(function() views.merge({{"one", {a = a, b = b}}, {"two", {b = b}}}, routes) end,
      "sops.sim.views: b has a view in both one and two")
    assert.has_error(function() views.merge({{"one", {a = a, b = "b"}}}, routes) end,
      "sops.sim.views: the view b (in one) is not a function")
  end)

  it("keep the simulator from starting when a route has lost its view", function()
    -- (the plugins group without get_plugin_list, as a module edited wrongly would be)
    local init = "package.path = './lua/?.lua;./lua/?/init.lua;' .. package.path; "
      .. "local g = require 'sops.sim.views.plugins'; g.get_plugin_list = nil"
    -- (a simulator that did start is ended, and fails the test, a minute on)
    local out, err, code = h.run("LUA_INIT=" .. h.shell_quote(init) .. " timeout 60 " .. h.SIM_LUA
      .. " bin/bksops-sim --port 0 --app-code x --app-secret y")
    assert.equal("", out)
    assert.not_equal(0, code)
    assert.matches("sops.sim.views: the route get_plugin_list (GET /get_plugin_list/{bk_biz_id}/) has no view",
      err, 1, true)
  end)
end)
