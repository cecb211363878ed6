-- What every call returns: the result shapes of sops.api (`returns`) and
-- sops.shapes, held to bksops-sim's answers. Each endpoint is called
-- through its method (spec 19's cases, then the cases below, which reach
-- the answers those leave out: a node retried, a callback taken, the
-- include_* flags on), and every successful answer must have each field
-- its shape declares as always there, every field of the declared kind,
-- and no field a closed shape lacks. Then every field the shapes declare
-- must have been met in some answer, or be listed in NOT_SIMULATED with
-- the reason.
local h = require "helpers"
local api = require "sops.api"
local shapes = require "sops.shapes"
local catalog = require "sops.sim.catalog"
local endpoint_cases = require "support.endpoint_cases"
local shape_check = require "support.shape_check"

-- Endpoints no successful answer of the simulator's can show, and why.
local NEVER_ANSWERED = {
  callback = "the simulator issues no node-callback tokens: it refuses every one, as bk-sops refuses a bad one",
  dispatch_plugin_query = "the simulator resolves no plugin view: its answer would be the view's own JSON",
  apply_job_file_upload_ticket = "declared to the gateway, but no bk-sops view serves it: 404",
  job_file_upload = "declared to the gateway, but no bk-sops view serves it: 404",
}

-- Fields the shapes declare, from bk-sops' source, that no answer of the
-- simulator's carries, and why.
local NOT_SIMULATED = {
  ["get_task_detail.task_webhook_history"] = "the simulator keeps no webhook deliveries",
  ["get_task_node_data.execution_time"] = "the simulator keeps no node execution statistics",
  ["execution_time"] = "the simulator keeps no node execution statistics",
  ["get_mini_app_list[]"] = "the simulator has no mini apps: the list is empty",
  ["template_detail.has_subprocess"] = "the simulator does not answer include_subprocess",
  ["template_detail.subprocess_has_update"] = "the simulator does not answer include_subprocess",
  ["periodic_task.editor"] = "the simulator does not answer include_edit_info",
  ["periodic_task.edit_time"] = "the simulator does not answer include_edit_info",
  ["periodic_task.is_latest"] = "the simulator does not answer include_edit_info",
  ["plugin_gateway_get_plugin_detail.outputs[]"] = "the simulator's plugins declare no outputs there",
  ["get_node_execution_record.execution_time[]"] = "no task of the template has ended when the case asks "
    .. "(spec 38 checks the records)",
}

-- whether field path `path` is in NOT_SIMULATED, or beneath a path there
local function not_simulated(path)
  while path ~= "" do
    if NOT_SIMULATED[path] then return true end
    path = path:match("^(.*)%[%]$") or path:match("^(.*)%.[^.]*$") or ""
  end
  return false
end

-- Cases for the answers spec 19's leave out (run after them, on the same
-- simulator): {name, args}.
local function more_cases(sim, c)
  local function started(template_id, seconds)
    local t = sim:task({template_id = template_id, start = true})
    sim:advance(seconds)
    return t
  end
  local flaky = started(2, 30)    -- deploy FAILED, retryable
  local approval = started(3, 30) -- approve waits for its callback
  local done = started(1, 60)     -- FINISHED
  local outputs = started(8, 60)  -- FINISHED, with outputs
  local auto = started(8, 3)      -- deploy FAILED, bk-sops' own retry pending
  sim:control("POST", "templates", {id = 91, name = "With schemes", steps = {{name = "a"}, {name = "b"}},
    constants = {{key = "${x}", name = "x", value = "1"}}, schemes = {{name = "only a", nodes = {}}}})
  local run = assert(c:plugin_gateway_create_run{source_key = "k", plugin_id = "builtin__sleep_timer",
    plugin_version = "legacy", client_request_id = "shape-run", callback_url = "https://x.example/cb",
    callback_token = "t"}).open_plugin_run_id
  local periodic = assert(c:create_periodic_task{template_id = 1, name = "shapes", cron = {minute = "1"}}).id
  local created = sim:task({template_id = 1})
  for _ = 1, 2 do sim:task({template_id = 1, name = "twice [key:shapes-2]"}) end
  return {
    {"get_task_status", {task_id = flaky.task_id, with_ex_data = true, with_failed_node_info = true,
      with_auto_retry_status = true}},
    {"get_task_status", {task_id = auto.task_id, with_failed_node_info = true, with_auto_retry_status = true}},
    {"get_task_status", {task_id = created.task_id}},
    {"get_tasks_status", {task_id_list = {flaky.task_id, done.task_id}}},
    {"get_task_detail", {task_id = done.task_id, include_webhook_history = true}},
    {"get_task_detail", {task_id = outputs.task_id}},
    {"create_task", {template_id = 1, name = "claimed later", flow_type = "common_func"}},
    {"create_task", {template_id = 1, name = "keyed", key = "shapes-1"}},
    {"create_task", {template_id = 1, name = "keyed", key = "shapes-1"}},
    {"create_task", {template_id = 1, name = "twice", key = "shapes-2"}},
    {"get_task_status", {task_id = approval.task_id}},
    {"start_task", {task_id = done.task_id, ensure = true}},
    {"operate_node", {task_id = flaky.task_id, node_id = flaky.node_ids.deploy, action = "retry"}},
    {"get_task_node_detail", {task_id = flaky.task_id, node_id = flaky.node_ids.deploy}},
    {"node_callback", {task_id = approval.task_id, node_id = approval.node_ids.approve, callback_data = {}}},
    {"get_node_job_executed_log", {task_id = done.task_id, node_id = done.node_ids.deploy}},
    {"get_task_node_detail", {task_id = done.task_id, node_id = done.node_ids.deploy}},
    {"get_task_node_detail", {task_id = created.task_id, node_id = created.node_ids.deploy}},
    {"get_task_node_data", {task_id = done.task_id, node_id = done.node_ids.deploy, template_node_id = "x"}},
    {"get_template_list", {include_labels = true, include_notify = true, include_executor_proxy = true}},
    {"get_template_info", {template_id = 1, include_notify = true, include_executor_proxy = true}},
    {"get_template_info", {template_id = 1, format = "yaml"}},
    {"get_template_schemes", {template_id = 91, with_constants = true}},
    {"get_common_template_info", {template_id = 90, include_constants = true, include_notify = true}},
    {"get_common_template_list", {include_notify = true}},
    {"get_periodic_task_list", {include_edit_info = true}},
    {"get_periodic_task_info", {task_id = periodic, include_edit_info = true}},
    {"get_user_project_list", {include_executor_proxy = true}},
    {"get_user_project_detail", {include_executor_proxy = true, include_staff_groups = true}},
    {"plugin_gateway_get_run_status", {task_tag = run}},
    {"plugin_gateway_get_run_detail", {run_id = run}},
    {"plugin_gateway_internal_callback", {run_id = run, callback_data = {x = 1}}},
    {"plugin_gateway_cancel_run", {run_id = run}},
    {"plugin_gateway_cancel_run_compat", {run_id = run}},
    -- (bk-sops' master branch; a simulator without it answers 404)
    {"get_node_execution_record", {template_id = 1, template_node_id = done.node_ids.deploy}},
  }
end

local function sorted(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

describe("the result shapes", function()
  it("are written for every endpoint, each kind and name existing, each table as sops.shapes reads it", function()
    local problems = {}
    for _, e in ipairs(api.ENDPOINTS) do
      assert.is_not_nil(e.returns, e.name .. " has no returns")
      shapes.problems(e.returns, e.name, problems)
    end
    for name, s in pairs(shapes.NAMED) do
      assert.is_nil(shapes.KINDS[name], name .. " is a kind's name")
      shapes.problems(s, name, problems)
    end
    assert.same({}, problems)
  end)

  it("are found for every call through its endpoint, shortcuts included", function()
    for name, call in pairs(api.CALLS) do
      assert.equal(api.BY_NAME[call.api].returns, shapes.of_call(name), name)
    end
    assert.equal("none", shapes.of_call("retry_node"))
  end)

  it("catch what they are for: a missing field, a wrong kind, a field a closed shape lacks", function()
    local checker = shape_check.new()
    local returns = {kind = "object", closed = true, fields = {task_id = "integer", url = "string|null"},
      optional = {url = "sometimes"}}
    assert.same({}, checker:check({task_id = 7}, returns, "x"))
    assert.same({}, checker:check({task_id = 7, url = h.null}, returns, "x"))
    assert.same({"x.task_id: missing"}, checker:check({}, returns, "x"))
    assert.same({"x.task_id: integer expected, got string 7"}, checker:check({task_id = "7"}, returns, "x"))
    assert.same({"x.extra: not in the shape, which is closed"}, checker:check({task_id = 7, extra = 1}, returns, "x"))
    assert.same({"x[].id: missing"}, checker:check({{}}, {kind = "list", items = {kind = "object",
      fields = {id = "integer"}}}, "x"))
    assert.same({"x: execution_time.archived_time: missing"}, checker:check({elapsed_time = 1}, "execution_time", "x"))
  end)

  describe("against bksops-sim's answers", function()
    local sim, c, checker
    local answered, problems = {}, {}
    setup(function()
      sim = h.start_sim({"--speed", "0"})
      c = sim:client()
      checker = shape_check.new()
      local ctx = endpoint_cases.context(sim)
      local function run(name, args)
        local value, _, response = c[name](c, args)
        if value == nil then return end
        local call = api.CALLS[name]
        answered[call.api] = true
        for _, p in ipairs(checker:check(value, api.BY_NAME[call.api].returns, call.api, response)) do
          problems[#problems + 1] = p
        end
        if api.BY_NAME[call.api].returns == "none" then
          assert.is_nil(response.data, name .. " answered data: its shape says none")
        end
      end
      for _, case in ipairs(endpoint_cases.cases(ctx)) do
        if case.advance then sim:advance(case.advance) end
        run(case[1], case[2])
      end
      for _, case in ipairs(more_cases(sim, c)) do run(case[1], case[2]) end
    end)
    teardown(function()
      c:close()
      sim:stop()
    end)

    it("fit the shapes: each declared field there (unless optional) and of its kind, none a closed one lacks",
      function()
      assert.same({}, problems)
    end)

    it("come for every endpoint the simulator serves, but those listed with the reason", function()
      for _, e in ipairs(api.ENDPOINTS) do
        if NEVER_ANSWERED[e.name] then
          assert.is_nil(answered[e.name], e.name .. " answered now: take it out of NEVER_ANSWERED")
        elseif catalog.BY_NAME[e.name] then
          assert.is_true(answered[e.name], e.name .. ": no successful answer to check its shape with")
        end
      end
    end)

    it("meet every field the shapes declare, but those listed with the reason", function()
      local missed = {}
      for path in pairs(shape_check.declared(api)) do
        local call = path:match("^([%w_]+)")
        local served = not api.BY_NAME[call] or catalog.BY_NAME[call]
        if not checker.seen[path] and not not_simulated(path) and not NEVER_ANSWERED[call] and served then
          missed[path] = true
        end
      end
      assert.same({}, sorted(missed))
      for path in pairs(NOT_SIMULATED) do
        assert.is_true(shape_check.declared(api)[path] or shapes.named(path) ~= nil, path .. " is declared nowhere")
        assert.is_nil(checker.seen[path], path .. " is met now: take it out of NOT_SIMULATED")
      end
    end)
  end)
end)
