-- bksops-sim against bk-sops 1c5e18d1 and bamboo-engine cd9f7b80 (issue 25,
-- areas 3 to 5): get_task_status and get_tasks_status at their edges, the
-- IAM interceptor's look-up of a task and each view's own, soft-deleted
-- tasks and tasks of other projects view by view, and get_task_node_detail
-- on engine v2. Each `it` names the source it follows (docs/fidelity.md).
local h = require "helpers"
local gw = h.gw

local cjson = require "cjson"

-- ["<id>"], as a query value
local function stack_of(id) return "%5B%22" .. id .. "%22%5D" end

local function mw(text)
  return "数据不存在错误: 数据不存在错误, 错误内容 " .. text .. " | process_exception"
end

describe("bksops-sim status edges", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)
  before_each(function()
    sim:reset()
    sim:freeze()
  end)

  local function status(task_id, query)
    local _, body = sim:get(gw("get_task_status", task_id, 2) .. (query or ""))
    return body
  end
  local function tasks_status(ids, with_children)
    local _, body, _, raw = sim:post(gw("get_tasks_status", 2),
      {task_id_list = ids, include_children_status = with_children or nil})
    return body, raw
  end
  local function whitelisted() sim:config({whitelist = {"spec-app"}}) end
  local function delete(task_id) sim:control("POST", "tasks/" .. task_id .. "/delete") end
  local function expire(task_id) sim:control("POST", "tasks/" .. task_id .. "/expire") end

  describe("get_task_status with subprocess_id (dispatchers/task.py:601-614)", function()
    it("answers an activity's own status when subprocess_id names an activity", function()
      local t = sim:task({template_id = 2, start = true, name = "flaky"})
      sim:advance(4)
      local body = status(t.task_id, "?subprocess_id=" .. t.node_ids.deploy
        .. "&with_ex_data=1&with_failed_node_info=1")
      assert.is_true(body.result)
      local d = body.data
      assert.same({t.node_ids.deploy, "FAILED", "flaky"}, {d.id, d.state, d.name})
      assert.same({}, d.children)
      -- (its children are the ones walked: no failed node, no ex_data)
      assert.same({}, d.ex_data)
      assert.same({}, d.failed_node_info)
      -- a finished one, in the root pipeline
      d = status(t.task_id, "?subprocess_id=" .. t.node_ids.precheck).data
      assert.same({t.node_ids.precheck, "FINISHED", 1}, {d.id, d.state, d.elapsed_time})
    end)

    it("names no node under a subprocess_id: add_node_name_to_status_tree looks in the root's activities", function()
      local t = sim:task({template_id = 6, start = true, name = "nested"})
      sim:advance(3)
      local outer, inner = t.node_ids.outer, t.node_ids.inner
      local d = status(t.task_id, "?subprocess_id=" .. outer).data
      assert.equal("nested", d.name)
      assert.equal("", d.children[t.node_ids["outer step"]].name)
      assert.equal("", d.children[inner].name)
      assert.equal("", d.children[inner].children[t.node_ids["inner step"]].name)
      -- the whole tree names them
      d = status(t.task_id).data
      assert.equal("outer step", d.children[outer].children[t.node_ids["outer step"]].name)
    end)

    it("answers CREATED for a node not reached, with children put back by engine v2's formatting", function()
      local t = sim:task({template_id = 6, start = true, name = "early"})
      sim:advance(0.5)
      local waiting = sim:task({template_id = 1, name = "waiting"})
      -- get_tasks_status pops CREATED_STATUS' children...
      tasks_status({waiting.task_id})
      assert.is_nil(status(waiting.task_id).data.children)
      -- ...and _format_status_time's setdefault puts them back, at the end
      local _, body, _, raw = sim:get(gw("get_task_status", t.task_id, 2) .. "?subprocess_id=" .. t.node_ids.inner)
      assert.same({state = "CREATED", name = "early", children = {}, start_time = body.data.start_time,
        finish_time = body.data.finish_time, retry = 0, skip = 0, elapsed_time = 0}, body.data)
      assert.matches('"name":%s*"early",%s*"children":%s*{}}', raw)
      assert.same({}, status(waiting.task_id).data.children)
    end)
  end)

  describe("CREATED_STATUS, one dict of the class (dispatchers/task.py:70-78,570-576)", function()
    it("gives every not-started task of a get_tasks_status the last one's name", function()
      local a = sim:task({template_id = 1, name = "alpha"})
      local b = sim:task({template_id = 1, name = "beta"})
      local c = sim:task({template_id = 1, name = "gamma", start = true})
      sim:advance(1)
      local body = tasks_status({a.task_id, b.task_id, c.task_id})
      -- (ordered by -id: alpha, the lowest id, is the last one named)
      assert.same({c.task_id, b.task_id, a.task_id}, {body.data[1].id, body.data[2].id, body.data[3].id})
      assert.same({"gamma", "beta", "alpha"}, {body.data[1].name, body.data[2].name, body.data[3].name})
      assert.same({"gamma", "alpha", "alpha"},
        {body.data[1].status.name, body.data[2].status.name, body.data[3].status.name})
      assert.is_nil(body.data[2].status.children)
    end)

    it("keeps what get_tasks_status did to it: a later get_task_status of a task not started has no children", function()
      local a = sim:task({template_id = 1, name = "alpha"})
      assert.same({}, status(a.task_id).data.children)
      tasks_status({a.task_id})
      local d = status(a.task_id).data
      assert.same({"CREATED", "alpha"}, {d.state, d.name})
      assert.is_nil(d.children)
      -- include_children_status cannot give back what is gone
      local body = tasks_status({a.task_id}, true)
      assert.is_nil(body.data[1].status.children)
      -- a reset is a restart of the worker: a new class
      sim:reset()
      a = sim:task({template_id = 1, name = "alpha"})
      assert.same({}, status(a.task_id).data.children)
    end)
  end)

  describe("a soft-deleted task's status, an expired task's", function()
    it("answers get_task_status' own text for a soft-deleted task: its query filters is_deleted", function()
      local t = sim:task({template_id = 1, start = true})
      delete(t.task_id)
      local body = status(t.task_id)
      assert.same({false, 3599999}, {body.result, body.code})
      assert.equal(string.format("task[id=%d] get status error: TaskFlowInstance matching query does not exist.",
        t.task_id), body.message)
      assert.is_string(body.trace_id)
      -- get_tasks_status' query does not: it lists the task, is_deleted true
      local list = tasks_status({t.task_id})
      assert.same({t.task_id, true}, {list.data[1].id, list.data[1].is_deleted})
    end)

    it("fails with_failed_node_info on an EXPIRED task of engine v1: the answer has no id", function()
      sim:control("POST", "templates", {id = 140, name = "old engine", engine_ver = 1,
        steps = {{name = "only", duration = 1}}})
      local t = sim:task({template_id = 140, start = true, name = "old"})
      sim:advance(2)
      expire(t.task_id)
      assert.same({state = "EXPIRED", name = "old"}, status(t.task_id).data)
      for _, flag in ipairs({"with_failed_node_info", "with_auto_retry_status"}) do
        local body = status(t.task_id, "?" .. flag .. "=1")
        assert.same({false, 3599999}, {body.result, body.code})
        assert.equal(string.format("task[id=%d] extract failed node info error: 'id'", t.task_id), body.message)
      end
      assert.same({state = "EXPIRED", name = "old"}, tasks_status({t.task_id}).data[1].status)
    end)

    it("cannot name an EXPIRED task of engine v2 (its execution snapshot is gone): an error, a 500 in a list", function()
      local t = sim:task({template_id = 1, start = true})
      local other = sim:task({template_id = 1, start = true})
      sim:advance(6)
      expire(t.task_id)
      local text = string.format("task[id=%d] add node name error: 'NoneType' object has no attribute 'data'",
        t.task_id)
      for _, q in ipairs({"", "?with_failed_node_info=1"}) do
        local body = status(t.task_id, q)
        assert.same({false, 3599999, text}, {body.result, body.code, body.message})
      end
      local code = sim:post(gw("get_tasks_status", 2), {task_id_list = {other.task_id, t.task_id}})
      assert.equal(500, code)
      assert.is_true(tasks_status({other.task_id}).result)
    end)
  end)

  describe("the IAM interceptor's look-up of the task (res_factory.py:100-103, models.py:723-729)", function()
    it("comes before the body is read, for an app that is not whitelisted, and finds a task by id alone", function()
      local missing = mw("TaskFlowInstance(id=4242) does not exist.")
      for _, c in ipairs({
        {gw("operate_task", 4242, 2), "invalid json format"},
        {gw("operate_node", 2, 4242), "request body is not a valid json"},
        {gw("node_callback", 4242, 2), "invalid json format"},
      }) do
        local _, body = sim:post(c[1], "")
        assert.same({false, missing, cjson.null, 3540400}, {body.result, body.message, body.data, body.code})
        assert.is_nil(body.trace_id)
        -- a whitelisted app has no interceptor: the view's own refusal
        whitelisted()
        _, body = sim:post(c[1], "")
        assert.same({false, c[2], 3540000}, {body.result, body.message, body.code})
        sim:config({whitelist = {}})
      end
      -- by id alone: a task of another project reaches the view (IAM passes)
      local t = sim:task({template_id = 1, bk_biz_id = 5})
      local _, body = sim:post(gw("operate_node", 2, t.task_id), {node_id = "x", action = "retry"})
      assert.same({false, string.format("task[id=%d] of project[id=2] does not exist", t.task_id), 3540400},
        {body.result, body.message, body.code})
    end)
  end)

  describe("soft-deleted tasks and other projects' tasks, view by view", function()
    it("get_task_detail, operate_node and the node views serve a soft-deleted task (no is_deleted in their query)",
      function()
        local t = sim:task({template_id = 1, start = true, name = "gone"})
        sim:advance(2)
        delete(t.task_id)
        local _, body = sim:get(gw("get_task_detail", t.task_id, 2))
        assert.same({true, "gone"}, {body.result, body.data.name})
        local q = "?node_id=" .. t.node_ids.precheck
        _, body = sim:get(gw("get_task_node_detail", t.task_id, 2) .. q)
        assert.same({true, "FINISHED"}, {body.result, body.data.state})
        _, body = sim:get(gw("get_task_node_data", 2, t.task_id) .. q)
        assert.is_true(body.result)
        _, body = sim:get(gw("get_task_node_log", t.task_id, 2) .. q)
        assert.is_true(body.result)
        _, body = sim:get(gw("get_task_operate_record", t.task_id, 2))
        assert.equal(2, #body.data)
        _, body = sim:post(gw("operate_node", 2, t.task_id), {node_id = t.node_ids.deploy, action = "pause"})
        assert.is_true(body.result)
      end)

    it("start_task starts a soft-deleted task (is_task_started has no is_deleted); operate_task only by `start`",
      function()
        local t = sim:task({template_id = 1})
        delete(t.task_id)
        local _, body = sim:post(gw("operate_task", t.task_id, 2), {action = "pause"})
        assert.same({result = false, message = mw("TaskFlowInstance matching query does not exist."),
          code = 3540400}, {result = body.result, message = body.message, code = body.code})
        _, body = sim:post(gw("start_task", t.task_id, 2), "{}")
        assert.is_true(body.result)
        sim:advance(1)
        assert.equal("RUNNING", tasks_status({t.task_id}).data[1].status.state)
        local u = sim:task({template_id = 1})
        delete(u.task_id)
        _, body = sim:post(gw("operate_task", u.task_id, 2), {action = "start"})
        assert.same({true, "success"}, {body.result, body.message})
      end)

    it("answers each view's own text for a task of another project (IAM passes) and to a whitelisted app", function()
      local t = sim:task({template_id = 1, bk_biz_id = 5, start = true})
      sim:advance(2)
      local id = t.task_id
      local node = "?node_id=" .. t.node_ids.precheck
      local function check(trusted)
        local _, body = sim:get(gw("get_task_detail", id, 2))
        assert.equal(string.format("[API] get_task_detail task[id=%d] of project[project_id=2, biz_id2] does not exist",
          id), body.message)
        _, body = sim:get(gw("get_task_node_detail", id, 2) .. node)
        assert.same({false, string.format(
          "[API] get_task_node_detail task[id=%d] of project[project_id=2, biz_id2] does not exist", id), 3540400},
          {body.result, body.message, body.code})
        assert.is_string(body.trace_id)
        _, body = sim:get(gw("get_task_node_data", 2, id) .. node)
        assert.equal(mw("TaskFlowInstance matching query does not exist."), body.message)
        _, body = sim:get(gw("get_task_node_log", id, 2) .. node)
        assert.same({false, string.format(
          "[API] get_task_node_log task[id=%d] of project[project_id=2, biz_id=2] does not exist", id), 3540400},
          {body.result, body.message, body.code})
        assert.is_nil(body.trace_id)
        _, body = sim:get(gw("get_task_operate_record", id, 2))
        assert.same({true, {}}, {body.result, body.data})
        _, body = sim:get(gw("get_task_effective_time", id, 2))
        assert.same({false, string.format("task[id=%d] does not exist", id), 3540400},
          {body.result, body.message, body.code})
        _, body = sim:post(gw("start_task", id, 2), "{}")
        assert.equal(mw(string.format("TaskFlowInstance(id=%d) does not exist.", id)), body.message)
        _, body = sim:post(gw("operate_task", id, 2), {action = "revoke"})
        assert.equal(mw("TaskFlowInstance matching query does not exist."), body.message)
        if trusted then
          _, body = sim:post(gw("claim_functionalization_task", id, 2), {name = "x"})
          assert.same({false, "claim_functionalization_task fail: TaskFlowInstance matching query does not exist.",
            3599999}, {body.result, body.message, body.code})
        end
      end
      check(false)
      whitelisted()
      check(true)
      -- a whitelisted app's unknown task: the same view texts
      local _, body = sim:get(gw("get_task_node_detail", 4242, 2) .. "?node_id=x")
      assert.equal("[API] get_task_node_detail task[id=4242] of project[project_id=2, biz_id2] does not exist",
        body.message)
    end)

    it("checks the throttle before start_task's look-up for a whitelisted app, after the IAM one for another", function()
      sim:fault({kind = "throttle", count = 2})
      local _, body = sim:post(gw("start_task", 4242, 2), "{}")
      assert.equal(mw("TaskFlowInstance(id=4242) does not exist."), body.message)
      whitelisted()
      _, body = sim:post(gw("start_task", 4242, 2), "{}")
      assert.equal("project id: 2 reach the limit of starting tasks", body.message)
    end)

    it("create_task: CreateTaskInterceptor reads the template by id before the view, for an app not whitelisted",
      function()
        local _, body = sim:post(gw("create_task", 99, 2), {name = "x", callback_url = "ftp://x"})
        assert.same({result = false, message = mw("TaskTemplate(id=99) does not exist."), code = 3540400},
          {result = body.result, message = body.message, code = body.code})
        assert.is_nil(body.trace_id)
        -- any template_source but project and business (null too) is a common template
        for _, source in ipairs({"common", cjson.null}) do
          _, body = sim:post(gw("create_task", 1, 2), {name = "x", template_source = source})
          assert.equal(mw("CommonTemplate(id=1) does not exist."), body.message)
        end
        -- a template of another project: IAM's flow_create_task, which the
        -- simulator's user holds on its own project only
        sim:control("POST", "templates", {id = 141, name = "theirs", project_id = 5, steps = {{name = "s"}}})
        _, body = sim:post(gw("create_task", 141, 2), {name = "x"})
        assert.same({false, "iam authentication exception, please check, action:flow_create_task", 3599999},
          {body.result, body.message, body.code})
        whitelisted()
        _, body = sim:post(gw("create_task", 99, 2), {name = "x"})
        assert.equal("template[id=99] of project[project_id=2,biz_id=2] does not exist", body.message)
      end)
  end)

  describe("get_task_node_detail on engine v2 (dispatchers/node.py:235-251,747-821; bamboo api.py:389-430,498-526)",
    function()
      it("fails with a 500 for a node inside a subprocess asked without its subprocess_stack", function()
        local t = sim:task({template_id = 3, start = true})
        sim:advance(2)
        local sub, stop = t.node_ids["restart service"], t.node_ids.stop
        local base = gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. stop
        local code = sim:get(base)
        assert.equal(500, code)
        -- a stack through an activity, or one that is not a list, is a KeyError too
        assert.equal(500, (sim:get(base .. "&subprocess_stack=" .. stack_of(t.node_ids.precheck))))
        assert.equal(500, (sim:get(base .. "&subprocess_stack=%7B%22a%22:1%7D")))
        local _, body = sim:get(base .. "&subprocess_stack=" .. stack_of(sub))
        assert.same({true, "FINISHED"}, {body.result, body.data.state})
        -- a root node with a stack that is falsy in Python ({}, null): []
        for _, s in ipairs({"%7B%7D", "null"}) do
          _, body = sim:get(gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. t.node_ids.precheck
            .. "&subprocess_stack=" .. s)
          assert.is_true(body.result)
        end
        -- an empty text is not JSON to ujson
        _, body = sim:get(base .. "&subprocess_stack=")
        assert.same({false, "subprocess_stack is not a valid array json", 3599999}, {body.result, body.message, body.code})
      end)

      it("gives every node the root's id as parent_id, no name once it has run, and its strategy", function()
        sim:control("POST", "templates", {id = 142, name = "retried inside", steps = {
          {name = "outer", subprocess = {steps = {
            {name = "inner", duration = 1, fail = {times = 1, ex_data = "inner broke"},
              auto_retry = {times = 3, interval = 4}},
          }}},
        }})
        local t = sim:task({template_id = 142, start = true})
        sim:advance(2)
        local outer, inner = t.node_ids.outer, t.node_ids.inner
        local _, body = sim:get(gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. inner
          .. "&subprocess_stack=" .. stack_of(outer))
        local d = body.data
        local root = status(t.task_id).data.id
        assert.same({inner, root, root, "FAILED"}, {d.id, d.parent_id, d["root_id:"], d.state})
        assert.is_nil(d.name)
        assert.same({node_id = inner, auto_retry_times = 0, max_auto_retry_times = 3}, d.auto_retry_info)
        -- a node not reached keeps its name (the tree's), and no id
        local u = sim:task({template_id = 142})
        _, body = sim:get(gw("get_task_node_detail", u.task_id, 2) .. "?node_id=" .. u.node_ids.inner
          .. "&subprocess_stack=" .. stack_of(u.node_ids.outer))
        assert.same({"inner", "READY"}, {body.data.name, body.data.state})
        assert.is_nil(body.data.id)
      end)

      it("gives a SubProcess its own nodes as children, each with its state as the engine has it", function()
        local t = sim:task({template_id = 6, start = true})
        sim:advance(3)
        local outer, inner = t.node_ids.outer, t.node_ids.inner
        local _, body = sim:get(gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. outer)
        local d = body.data
        -- (the status tree says FAILED: format_pipeline_status rewrites no RUNNING container)
        assert.equal("FAILED", status(t.task_id).data.children[outer].state)
        assert.equal("RUNNING", d.state)
        -- the nodes of its own pipeline that have a state (its start event,
        -- "outer step", "inner"), not the ones below them
        local ids, want = {}, {}
        for id in pairs(d.children) do ids[#ids + 1] = id end
        for id in pairs(status(t.task_id, "?subprocess_id=" .. outer).data.children) do want[#want + 1] = id end
        table.sort(ids)
        table.sort(want)
        assert.equal(3, #ids)
        assert.same(want, ids)
        local c = d.children[inner]
        assert.same({inner, outer, "RUNNING", {}}, {c.id, c.parent_id, c.state, c.children})
        assert.is_nil(c.name)
        assert.equal("FAILED", status(t.task_id, "?subprocess_id=" .. inner).data.state)
      end)

      it("writes a history's outputs as the engine keeps them: an object, its ex_data in it", function()
        local t = sim:task({template_id = 2, start = true})
        sim:advance(4)
        sim:post(gw("operate_node", 2, t.task_id), {node_id = t.node_ids.deploy, action = "retry"})
        sim:advance(3)
        local _, body, _, raw = sim:get(gw("get_task_node_detail", t.task_id, 2) .. "?node_id=" .. t.node_ids.deploy)
        local hist = body.data.histories[1]
        assert.same({ex_data = "job execution failed: step[1] exit code 1 on 10.0.0.12"}, hist.outputs)
        assert.matches('"outputs":%s*{"ex_data"', raw)
        assert.equal(hist.outputs.ex_data, hist.ex_data)
        assert.is_nil(body.data.name)
      end)
    end)
end)
