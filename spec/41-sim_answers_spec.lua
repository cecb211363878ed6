-- bksops-sim's answers as bk-sops writes them, round 3 (issue 25, areas 6-9):
-- create_task's validation (jsonschema 4.23's whole str(ValidationError),
-- what the schema checks and what it does not, common templates, execution
-- schemes, MCP callers), operate_node's data and inputs, get_tasks_status's
-- list, get_task_detail and get_task_list's fields, and every JSON answer's
-- bytes (Django's separators and ensure_ascii, DRF's compact UTF-8,
-- Sops-Trace-Id on every JSON answer bk-sops' middleware sees). The clock
-- is frozen (--speed 0) and moved by the control API; nothing sleeps.
local h = require "helpers"
local gw = h.gw

-- the expected texts are jsonschema 4.23's own (its source run on these
-- bodies with create_task.py's and create_and_start_task.py's defaults)
local SCHEMA_CASES = {
  {"ct",
    "{\"name\": 1}",
    "task params is invalid: 1 is not of type 'string'\n" ..
    "\n" ..
    "Failed validating 'type' in schema['properties']['name']:\n" ..
    "    {'type': 'string', 'minLength': 1, 'maxLength': 100}\n" ..
    "\n" ..
    "On instance['name']:\n" ..
    "    1"},
  {"ct",
    "{\"name\": \"\"}",
    "task params is invalid: '' should be non-empty\n" ..
    "\n" ..
    "Failed validating 'minLength' in schema['properties']['name']:\n" ..
    "    {'type': 'string', 'minLength': 1, 'maxLength': 100}\n" ..
    "\n" ..
    "On instance['name']:\n" ..
    "    ''"},
  {"ct",
    "{\"description\": \"nightly\", \"callback_url\": \"https://cb.example.com/x\", \"constants\": {\"${ap" ..
    "p}\": \"web\"}}",
    "task params is invalid: 'name' is a required property\n" ..
    "\n" ..
    "Failed validating 'required' in schema:\n" ..
    "    {'type': 'object',\n" ..
    "     'required': ['name'],\n" ..
    "     'properties': {'name': {'type': 'string',\n" ..
    "                             'minLength': 1,\n" ..
    "                             'maxLength': 100},\n" ..
    "                    'flow_type': {'type': 'string',\n" ..
    "                                  'enum': ['common', 'common_func']},\n" ..
    "                    'constants': {'type': 'object'},\n" ..
    "                    'exclude_task_nodes_id': {'type': 'array'},\n" ..
    "                    'execute_task_nodes_id': {'type': 'array'},\n" ..
    "                    'template_schemes_id': {'oneOf': [{'oneOf': [{'type': 'string',\n" ..
    "                                                                  'minLength': 1},\n" ..
    "                                                                 {'type': 'integer',\n" ..
    "                                                                  'minimum': 1}]},\n" ..
    "                                                      {'type': 'array',\n" ..
    "                                                       'items': {'oneOf': [{'type': 'string',\n" ..
    "                                                                            'minLength': 1},\n" ..
    "                                                                           {'type': 'integer',\n" ..
    "                                                                            'minimum': 1}]}}]}}}\n" ..
    "\n" ..
    "On instance:\n" ..
    "    {'description': 'nightly',\n" ..
    "     'constants': {'${app}': 'web'},\n" ..
    "     'flow_type': 'common',\n" ..
    "     'exclude_task_nodes_id': [],\n" ..
    "     'simplify_vars': [],\n" ..
    "     'execute_task_nodes_id': [],\n" ..
    "     'template_schemes_id': []}"},
  {"ct",
    "{\"name\": \"n\", \"constants\": []}",
    "task params is invalid: [] is not of type 'object'\n" ..
    "\n" ..
    "Failed validating 'type' in schema['properties']['constants']:\n" ..
    "    {'type': 'object'}\n" ..
    "\n" ..
    "On instance['constants']:\n" ..
    "    []"},
  {"ct",
    "{\"name\": \"n\", \"exclude_task_nodes_id\": {}}",
    "task params is invalid: {} is not of type 'array'\n" ..
    "\n" ..
    "Failed validating 'type' in schema['properties']['exclude_task_nodes_id']:\n" ..
    "    {'type': 'array'}\n" ..
    "\n" ..
    "On instance['exclude_task_nodes_id']:\n" ..
    "    {}"},
  {"ct",
    "{\"name\": \"n\", \"execute_task_nodes_id\": \"precheck\"}",
    "task params is invalid: 'precheck' is not of type 'array'\n" ..
    "\n" ..
    "Failed validating 'type' in schema['properties']['execute_task_nodes_id']:\n" ..
    "    {'type': 'array'}\n" ..
    "\n" ..
    "On instance['execute_task_nodes_id']:\n" ..
    "    'precheck'"},
  {"ct",
    "{\"name\": \"n\", \"flow_type\": \"daily\"}",
    "task params is invalid: 'daily' is not one of ['common', 'common_func']\n" ..
    "\n" ..
    "Failed validating 'enum' in schema['properties']['flow_type']:\n" ..
    "    {'type': 'string', 'enum': ['common', 'common_func']}\n" ..
    "\n" ..
    "On instance['flow_type']:\n" ..
    "    'daily'"},
  {"ct",
    "{\"name\": \"n\", \"template_schemes_id\": [\"\"]}",
    "task params is invalid: '' should be non-empty\n" ..
    "\n" ..
    "Failed validating 'minLength' in schema[0]:\n" ..
    "    {'type': 'string', 'minLength': 1}\n" ..
    "\n" ..
    "On instance:\n" ..
    "    ''"},
  {"ct",
    "{\"name\": \"n\", \"template_schemes_id\": {}}",
    "task params is invalid: {} is not valid under any of the given schemas\n" ..
    "\n" ..
    "Failed validating 'oneOf' in schema[0]:\n" ..
    "    {'oneOf': [{'type': 'string', 'minLength': 1},\n" ..
    "               {'type': 'integer', 'minimum': 1}]}\n" ..
    "\n" ..
    "On instance:\n" ..
    "    {}"},
  {"ct",
    "{\"name\": \"n\", \"template_schemes_id\": [0]}",
    "task params is invalid: 0 is less than the minimum of 1\n" ..
    "\n" ..
    "Failed validating 'minimum' in schema[1]:\n" ..
    "    {'type': 'integer', 'minimum': 1}\n" ..
    "\n" ..
    "On instance:\n" ..
    "    0"},
  {"ct",
    "{\"name\": \"a name far longer than the hundred characters that bk-sops allows for the name o" ..
    "f a task, by some way\"}",
    "task params is invalid: 'a name far longer than the hundred characters that bk-sops allows" ..
    " for the name of a task, by some way' is too long\n" ..
    "\n" ..
    "Failed validating 'maxLength' in schema['properties']['name']:\n" ..
    "    {'type': 'string', 'minLength': 1, 'maxLength': 100}\n" ..
    "\n" ..
    "On instance['name']:\n" ..
    "    ('a name far longer than the hundred characters that bk-sops allows '\n" ..
    "     'for the name of a task, by some way')"},
  {"ct",
    "{\"name\": 1, \"constants\": [], \"template_schemes_id\": [{}]}",
    "task params is invalid: {} is not valid under any of the given schemas\n" ..
    "\n" ..
    "Failed validating 'oneOf' in schema[1]['items']:\n" ..
    "    {'oneOf': [{'type': 'string', 'minLength': 1},\n" ..
    "               {'type': 'integer', 'minimum': 1}]}\n" ..
    "\n" ..
    "On instance[0]:\n" ..
    "    {}"},
  {"cs",
    "{\"name\": 5}",
    "task parmas is invalid: 5 is not of type 'string'\n" ..
    "\n" ..
    "Failed validating 'type' in schema['properties']['name']:\n" ..
    "    {'type': 'string', 'minLength': 1, 'maxLength': 100}\n" ..
    "\n" ..
    "On instance['name']:\n" ..
    "    5"},
  {"cs",
    "{\"name\": \"n\", \"template_source\": 2}",
    "task parmas is invalid: 2 is not of type 'string'\n" ..
    "\n" ..
    "Failed validating 'type' in schema['properties']['template_source']:\n" ..
    "    {'type': 'string'}\n" ..
    "\n" ..
    "On instance['template_source']:\n" ..
    "    2", 92},
}

local SHORT = {id = 91, name = "short", category = "OpsTools", steps = {{name = "check", duration = 1},
  {name = "deploy", duration = 1}}, schemes = {{name = "1", nodes = {}}, {name = "2", nodes = {}}},
  constants = {{key = "${app}", name = "app", value = "web"}}}
local COMMON = {id = 92, name = "shared", common = true, category = "DevTools", steps = {{name = "one", duration = 1}}}

describe("bksops-sim answers as bk-sops writes them", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)
  before_each(function()
    sim:control("POST", "templates", SHORT)
    sim:control("POST", "templates", COMMON)
  end)

  local function post(path, raw, headers)
    return sim:post(path, raw, {headers = headers})
  end

  describe("create_task's validation (create_task.py, jsonschema 4.23)", function()
    it("refuses with jsonschema's whole str(ValidationError): best_match of the errors, schema and instance "
      .. "by pprint", function()
      for _, c in ipairs(SCHEMA_CASES) do
        local which, body, want = c[1], c[2], c[3]
        -- (a template_source other than business: create_and_start_task finds a common template first)
        local path = gw(which == "ct" and "create_task" or "create_and_start_task", c[4] or 91, 2)
        local status, answer = post(path, body)
        assert.equal(200, status)
        if want then
          assert.same({false, 3540000, want}, {answer.result, answer.code, answer.message}, body)
          assert.is_string(answer.trace_id)
        else
          assert.is_true(answer.result, body)
        end
      end
    end)

    it("leaves out of the schema what bk-sops' leaves out: simplify_vars of any type", function()
      local _, body = post(gw("create_task", 91, 2), '{"name": "n", "simplify_vars": "not a list"}')
      assert.is_true(body.result)
      _, body = post(gw("create_task", 91, 2), '{"name": "n", "simplify_vars": {"a": 1}}')
      assert.is_true(body.result)
    end)

    it("refuses an empty body as request_validate does, before the view (no trace_id)", function()
      local _, body = post(gw("create_task", 91, 2), "")
      assert.same({false, "非法请求: 数据错误, 请求不是合法的Json格式 | validate", 3540000},
        {body.result, body.message, body.code})
      assert.is_nil(body.trace_id)
      -- and create_and_start_task's throttle comes after it
      sim:fault({kind = "throttle"})
      _, body = post(gw("create_and_start_task", 91, 2), "")
      assert.equal("非法请求: 数据错误, 请求不是合法的Json格式 | validate", body.message)
    end)

    it("creates from a common template for any template_source but business and project, recorded as given",
      function()
        -- (a whitelisted app: the view's own texts; for another, IAM reads the
        -- template first, spec 40)
        sim:config({whitelist = {h.APP_CODE}})
        local _, body = post(gw("create_task", 92, 2), '{"name": "from common", "template_source": "common"}')
        assert.is_true(body.result)
        local id = body.data.task_id
        _, body = post(gw("create_task", 93, 2), '{"name": "x", "template_source": "common"}')
        assert.same({false, 3540400, "common template[id=93] does not exist"}, {body.result, body.code, body.message})
        -- a common template is no project template
        _, body = post(gw("create_task", 92, 2), '{"name": "x"}')
        assert.equal("template[id=92] of project[project_id=2,biz_id=2] does not exist", body.message)
        -- and a project template no common one
        _, body = post(gw("create_task", 91, 2), '{"name": "x", "template_source": "common"}')
        assert.equal("common template[id=91] does not exist", body.message)
        local _, list = sim:get(gw("get_task_list", 2))
        for _, t in ipairs(list.data) do
          if t.id == id then assert.same({"common", "92"}, {t.template_source, t.template_id}) end
        end
      end)

    it("resolves template_schemes_id as task_node_selector.py does, in its order", function()
      local cases = {
        {'{"name": "n", "template_schemes_id": ["91-1", "91-2"]}', nil},
        {'{"name": "n", "template_schemes_id": "91-2"}', nil},
        {'{"name": "n", "template_schemes_id": 2}', nil},
        {'{"name": "n", "template_schemes_id": ["91-9", 7, "91-1"]}', "unknown template_schemes_id: 91-9, 7"},
        {'{"name": "n", "template_schemes_id": ["91-1", "91-1", 2, 2]}', "duplicate template_schemes_id: 91-1, 2"},
        -- "0" passes the schema (a non-empty string), then is made the int 0
        {'{"name": "n", "template_schemes_id": ["0"]}',
          "invalid template_schemes_id: all items must be non-empty strings or positive integers"},
        -- 5.0 is an integer to the schema, and no list or int to the selector
        {'{"name": "n", "template_schemes_id": 5.0}', "invalid template_schemes_id"},
        {'{"name": "n", "template_schemes_id": ["91-1"], "exclude_task_nodes_id": ["x"]}',
          "template_schemes_id can not be used with exclude_task_nodes_id or execute_task_nodes_id"},
        {'{"name": "n", "template_schemes_id": ["91-1"], "execute_task_nodes_id": ["x"]}',
          "template_schemes_id can not be used with exclude_task_nodes_id or execute_task_nodes_id"},
        {'{"name": "n", "template_schemes_id": "91-1", "pipeline_tree": {"constants": {}}}',
          "template_schemes_id can not be used with pipeline_tree"},
      }
      for _, c in ipairs(cases) do
        local _, body = post(gw("create_task", 91, 2), c[1])
        if c[2] then
          assert.same({false, 3540000, c[2]}, {body.result, body.code, body.message}, c[1])
        else
          assert.is_true(body.result, c[1])
        end
      end
      -- create_and_start_task resolves them too
      local _, body = post(gw("create_and_start_task", 91, 2), '{"name": "n", "template_schemes_id": ["91-3"]}')
      assert.equal("unknown template_schemes_id: 91-3", body.message)
    end)

    it("answers an MCP caller without pipeline_tree and makes its task by create_method mcp", function()
      local mcp = {["X-Bkapi-Mcp-Server-Id"] = "srv-1"}
      local _, body, _, raw = post(gw("create_task", 91, 2), '{"name": "by mcp"}', mcp)
      assert.is_true(body.result)
      assert.is_nil(body.data.pipeline_tree)
      assert.matches('^{"result": true, "data": {"task_id": %d+, "task_url": "[^"]+"}, "code": 0, "trace_id": "%x+"}$',
        raw)
      local mcp_id = body.data.task_id
      _, body = post(gw("create_task", 91, 2), '{"name": "by app"}', {["X-Bkapi-Mcp-Server-Id"] = "  "})
      assert.is_table(body.data.pipeline_tree) -- a blank server id is no MCP caller
      local app_id = body.data.task_id
      _, body = post(gw("create_and_start_task", 91, 2), '{"name": "started by mcp"}', mcp)
      assert.is_table(body.data.pipeline_tree) -- (its mcp_apigw() removes nothing)
      local started_id = body.data.task_id
      local _, list = sim:get(gw("get_task_list", 2))
      local methods = {}
      for _, t in ipairs(list.data) do methods[t.id] = t.create_method end
      assert.same({"mcp", "api", "mcp"}, {methods[mcp_id], methods[app_id], methods[started_id]})
    end)
  end)

  describe("lists and objects as Python tells them apart", function()
    it("operate_node refuses data: [] and inputs: [] (not dicts)", function()
      local t = sim:task({template_id = 91, start = true})
      local node = t.node_ids.check
      local _, body = post(gw("operate_node", 2, t.task_id),
        '{"node_id": "' .. node .. '", "action": "callback", "data": []}')
      assert.same({false, 3540000, "data field is not a valid object"}, {body.result, body.code, body.message})
      _, body = post(gw("operate_node", 2, t.task_id), '{"node_id": "' .. node .. '", "action": "retry", "inputs": []}')
      assert.same({false, 3540000, "inputs field is not a valid object"}, {body.result, body.code, body.message})
    end)

    it("get_tasks_status refuses task_id_list: {} (not a list), and takes []", function()
      local _, body = post(gw("get_tasks_status", 2), '{"task_id_list": {}}')
      assert.same({false, 3540000, "task_id_list must be a list"}, {body.result, body.code, body.message})
      _, body = post(gw("get_tasks_status", 2), '{"task_id_list": []}')
      assert.is_true(body.result)
    end)
  end)

  describe("get_task_detail and get_task_list", function()
    it("answers an MCP caller's get_task_detail without pipeline_tree, or trimmed with include_pipeline_tree",
      function()
        local t = sim:task({template_id = 91})
        local mcp = {headers = {["X-Bkapi-Mcp-Server-Id"] = "srv-1"}}
        local _, full = sim:get(gw("get_task_detail", t.task_id, 2))
        assert.is_table(full.data.pipeline_tree)
        local _, body, headers, raw = sim:get(gw("get_task_detail", t.task_id, 2), mcp)
        assert.is_true(body.result)
        assert.is_nil(body.data.pipeline_tree)
        assert.equal(full.data.task_url, body.data.task_url)
        assert.equal(body.trace_id, headers["sops-trace-id"])
        assert.matches('"executor": "", "elapsed_time": 0, "task_url": ', raw, 1, true)
        for _, yes in ipairs({"true", "1", "YES"}) do
          _, body = sim:get(gw("get_task_detail", t.task_id, 2) .. "?include_pipeline_tree=" .. yes, mcp)
          local tree = body.data.pipeline_tree
          assert.is_nil(tree.line)
          assert.is_nil(tree.location)
          local act = tree.activities[t.node_ids.check]
          assert.same({"component", "error_ignorable", "id", "name", "retryable", "skippable", "stage_name", "type"},
            (function() local k = {} for name in pairs(act) do k[#k + 1] = name end table.sort(k) return k end)())
          -- empty strings are left out of component.data and of constants
          assert.same({code = "sleep_timer", version = "legacy", data = {}}, act.component)
          for _, fl in pairs(tree.flows) do
            assert.same({"source", "target"},
              (function() local k = {} for name in pairs(fl) do k[#k + 1] = name end table.sort(k) return k end)())
          end
          assert.same({"id", "name", "type"},
            (function() local k = {} for name in pairs(tree.start_event) do k[#k + 1] = name end table.sort(k)
              return k end)())
          assert.same({key = "${app}", name = "app", source_type = "custom", custom_type = "input",
            value = "web", source_tag = "input.input"}, tree.constants["${app}"])
        end
        _, body = sim:get(gw("get_task_detail", t.task_id, 2) .. "?include_pipeline_tree=false", mcp)
        assert.is_nil(body.data.pipeline_tree)
      end)

    it("names the user who started a task as its executor", function()
      local t = sim:task({template_id = 91})
      local ops = '{"bk_app_code":"' .. h.APP_CODE .. '","bk_app_secret":"' .. h.APP_SECRET .. '","bk_username":"ops"}'
      local _, body = sim:post(gw("start_task", t.task_id, 2), "", {auth = ops})
      assert.is_true(body.result)
      sim:advance(1)
      local _, detail = sim:get(gw("get_task_detail", t.task_id, 2))
      assert.same({"admin", "ops"}, {detail.data.creator, detail.data.executor})
      local _, list = sim:get(gw("get_task_list", 2) .. "?executor=ops")
      assert.same({1, t.task_id, "ops"}, {list.count, list.data[1].id, list.data[1].executor})
      -- operate_task start and create_and_start_task too
      local t2 = sim:task({template_id = 91})
      sim:post(gw("operate_task", t2.task_id, 2), {action = "start"}, {auth = ops})
      _, body = sim:post(gw("create_and_start_task", 91, 2), '{"name": "n"}', {auth = ops})
      local t3 = body.data.task_id
      sim:advance(1)
      for _, id in ipairs({t2.task_id, t3}) do
        _, detail = sim:get(gw("get_task_detail", id, 2))
        assert.equal("ops", detail.data.executor)
      end
    end)

    it("writes get_task_list's category as its display name, in the request's language", function()
      sim:task({template_id = 91})
      local _, body = sim:get(gw("get_task_list", 2))
      assert.equal("运维工具", body.data[1].category)
      _, body = sim:get(gw("get_task_list", 2), {headers = {["Accept-Language"] = "en-US,en;q=0.9"}})
      assert.equal("OPS Tools", body.data[1].category)
      _, body = sim:get(gw("get_task_list", 2), {headers = {["Accept-Language"] = "fr, zh-CN;q=0.8, en;q=0.5"}})
      assert.equal("运维工具", body.data[1].category)
    end)

    it("writes get_task_list's times in expected_timezone, else as the datetimes JsonResponse writes", function()
      if not math.type then -- luacheck: ignore 143
        return pending("bksops-sim's modules need Lua 5.3 or later")
      end
      local t = sim:task({template_id = 91, start = true})
      sim:advance(5)
      local _, detail = sim:get(gw("get_task_detail", t.task_id, 2))
      local y, mo, d, hh, mi, ss = detail.data.start_time:match("^(%d+)-(%d+)-(%d+) (%d+):(%d+):(%d+) %+0800$")
      assert.is_string(y)
      local util = require "sops.sim.util"
      local start = util.utc_epoch(tonumber(y), tonumber(mo), tonumber(d), tonumber(hh), tonumber(mi), tonumber(ss))
        - 8 * 3600
      local _, body = sim:get(gw("get_task_list", 2) .. "?expected_timezone=Asia/Kolkata")
      assert.equal(os.date("!%Y-%m-%d %H:%M:%S", start + 19800) .. " +0530", body.data[1].start_time)
      _, body = sim:get(gw("get_task_list", 2) .. "?expected_timezone=etc/gmt%2B5")
      assert.equal(os.date("!%Y-%m-%d %H:%M:%S", start - 18000) .. " -0500", body.data[1].start_time)
      local fresh = sim:task({template_id = 91})
      _, body = sim:get(gw("get_task_list", 2) .. "?expected_timezone=UTC")
      assert.same({fresh.task_id, "", ""}, {body.data[1].id, body.data[1].start_time, body.data[1].finish_time})
      -- without it: the datetime itself (UTC, milliseconds at most, Z), null when unset
      _, body = sim:get(gw("get_task_list", 2))
      assert.equal(h.null, body.data[1].start_time)
      assert.matches("^" .. os.date("!%Y-%m-%dT%H:%M:%S", start):gsub("%-", "%%-") .. "%.?%d*Z$",
        body.data[2].start_time)
    end)

    it("keeps the daylight-saving rules of the zones it knows", function()
      if not math.type then -- luacheck: ignore 143
        return pending("bksops-sim's modules need Lua 5.3 or later")
      end
      local base = require "sops.sim.views.base"
      local util = require "sops.sim.util"
      local cases = {
        {"America/New_York", {2026, 3, 8, 6, 59, 59}, "2026-03-08 01:59:59 -0500"},
        {"America/New_York", {2026, 3, 8, 7, 0, 0}, "2026-03-08 03:00:00 -0400"},
        {"America/New_York", {2026, 11, 1, 5, 59, 59}, "2026-11-01 01:59:59 -0400"},
        {"America/New_York", {2026, 11, 1, 6, 0, 0}, "2026-11-01 01:00:00 -0500"},
        {"Europe/London", {2026, 3, 29, 1, 0, 0}, "2026-03-29 02:00:00 +0100"},
        {"Australia/Sydney", {2026, 4, 4, 15, 59, 59}, "2026-04-05 02:59:59 +1100"},
        {"Australia/Sydney", {2026, 4, 4, 16, 0, 0}, "2026-04-05 02:00:00 +1000"},
        {"Pacific/Auckland", {2026, 9, 26, 14, 0, 0}, "2026-09-27 03:00:00 +1300"},
        {"asia/shanghai", {2026, 1, 1, 0, 0, 0}, "2026-01-01 08:00:00 +0800"},
      }
      for _, c in ipairs(cases) do
        local t = c[2]
        assert.equal(c[3], base.format_in_zone(util.utc_epoch(t[1], t[2], t[3], t[4], t[5], t[6]), c[1]), c[1])
      end
    end)

    it("refuses offset= (int('') raises): a server error", function()
      assert.equal(500, (sim:get(gw("get_task_list", 2) .. "?offset=")))
      assert.equal(500, (sim:get(gw("get_task_list", 2) .. "?limit=")))
      local _, body = sim:get(gw("get_task_list", 2) .. "?offset=%201_0%20")
      assert.is_true(body.result) -- int(" 1_0 ") is 10
    end)
  end)

  describe("every JSON answer's bytes", function()
    it("are JsonResponse's: ', ' and ': ', and ensure_ascii's \\uXXXX", function()
      local _, _, _, raw = sim:get(gw("get_task_status", 424242, 2))
      assert.equal('{"result": false, "message": "\\u6570\\u636e\\u4e0d\\u5b58\\u5728\\u9519\\u8bef: '
        .. '\\u6570\\u636e\\u4e0d\\u5b58\\u5728\\u9519\\u8bef, \\u9519\\u8bef\\u5185\\u5bb9 '
        .. 'TaskFlowInstance(id=424242) does not exist. | process_exception", "data": null, "code": 3540400}', raw)
      local _, body
      _, body = post(gw("create_task", 91, 2), '{"name": "\\u4efb\\u52a1 \\ud83d\\ude00 \\u007f"}')
      assert.is_true(body.result)
      local _, list, _, lraw = sim:get(gw("get_task_list", 2))
      assert.equal("任务 😀 \127", list.data[1].name)
      assert.matches('"name": "\\u4efb\\u52a1 \\ud83d\\ude00 \\u007f", "category": "\\u8fd0\\u7ef4\\u5de5\\u5177"',
        lraw, 1, true)
      assert.is_nil(lraw:find("[\128-\255]"))
    end)

    it("are the same bytes from the simulator's C writer as from its Lua one", function()
      if not math.type then -- luacheck: ignore 143
        return pending("bksops-sim's modules need Lua 5.3 or later")
      end
      local json = require "sops.sim.json"
      local status = require "sops.sim.status"
      local simmod = require "sops.sim"
      if not json.fast_py then
        return pending("the simulator's C helper (make sim) is built for " .. h.SIM_LUA .. " only")
      end
      local s = simmod.new({speed = 0, app_code = "a", app_secret = "s"})
      local eng, project = s.engine, s.projects[1]
      local docs = {}
      for id = 1, 6 do
        local t = eng:create_task(project, eng.templates[id], {name = "任务 \240\159\152\128 " .. id, creator = "admin",
          constants = {}})
        eng:queue_start(t)
        s.clock:advance(1)
        eng:advance_all()
        s.clock:advance(5)
        eng:advance_all()
        docs[#docs + 1] = json.obj("result", true, "data", status.tree(t, eng:now(), {}), "tree", t.compiled.tree)
      end
      docs[#docs + 1] = json.obj("n", json.array({1, -2, 0.5, 1e16, 1e-5, 2 ^ 53, -0.0, 1 / 0}), "s",
        "\0\1\t\n\"\\/\127\194\128\226\128\168\226\128\169\239\191\191\240\144\128\128\255\237\160\128", "e", json.obj(), "a",
        json.array(), "m", {z = 1, a = {}, b = json.null})
      for _, doc in ipairs(docs) do
        assert.equal(json.lua_encode_django(doc), json.encode_django(doc))
        assert.equal(json.lua_encode_drf(doc), json.encode_drf(doc))
      end
      assert.equal('[1, 0.5, 1e+16, 1e-05, 9007199254740992.0, -0.0, Infinity]',
        json.encode_django(json.array({1, 0.5, 1e16, 1e-5, 2 ^ 53, -0.0, 1 / 0})))
    end)

    it("are DRF's for the log views: compact and UTF-8", function()
      local t = sim:task({template_id = 91, start = true})
      local _, body, headers, raw = sim:get(gw("get_task_node_log", t.task_id, 2))
      assert.equal('{"result":false,"message":"[API] get_task_node_log node_id is required","code":3540000}', raw)
      assert.matches("^%x+$", headers["sops-trace-id"])
      assert.is_false(body.result)
    end)

    it("carry Sops-Trace-Id on every answer the middleware sees, refusals too, and not on the gateway's",
      function()
        local trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        local with = {headers = {traceparent = trace}}
        local paths = {
          gw("get_task_status", 424242, 2), -- ObjectDoesNotExistExceptionMiddleware
          gw("get_task_list", 77), -- project_inject
          gw("get_task_list", 2) .. "?expected_timezone=Mars/Base", -- timezone_inject
          gw("get_task_list", 2), -- the view
        }
        for _, p in ipairs(paths) do
          local _, _, headers = sim:get(p, with)
          assert.equal(trace, headers["sops-trace-id"], p)
        end
        local _, _, headers = post(gw("create_task", 91, 2), "", {traceparent = trace}) -- request_validate
        assert.equal(trace, headers["sops-trace-id"])
        _, _, headers = post(gw("callback", "no-such-token"), '{"x": 1}', {traceparent = trace})
        assert.equal(trace, headers["sops-trace-id"])
        -- the gateway's own refusal never reached bk-sops
        _, _, headers = sim:get(gw("get_task_list", 2), {auth = false, headers = {traceparent = trace}})
        assert.is_nil(headers["sops-trace-id"])
        -- and an HTML answer has none
        local status
        status, _, headers = sim:get(gw("get_task_list", 2) .. "?offset=x", with)
        assert.same({500, nil}, {status, headers["sops-trace-id"]})
        -- a cached answer (--cache) is given each caller's, once, its own headers left as they were
        sim:config({cache = true})
        local t = sim:task({template_id = 91})
        for i = 1, 3 do
          local mine = string.format("00-%032x-b7ad6b7169203331-01", i)
          _, _, headers = sim:get(gw("get_task_detail", t.task_id, 2), {headers = {traceparent = mine}})
          assert.equal(mine, headers["sops-trace-id"])
          assert.equal(1, select(2, headers.date:gsub("GMT", "")))
        end
      end)
  end)
end)
