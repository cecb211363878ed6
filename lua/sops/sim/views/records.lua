-- get_node_execution_record (bk-sops' master since 246c3830c,
-- gcloud/apigw/views/get_node_execution_record.py): the last successful
-- runs of one node of a template, from the statistics bk-sops keeps of the
-- tasks made from it.
--
-- bk-sops writes those statistics when a task's pipeline ends, finished or
-- revoked (gcloud/analysis_statistics/signals/handlers.py,
-- tasks.py pipeline_archive_statistics_task): one row for each service
-- activity of the status tree in an archived state (FINISHED, FAILED,
-- REVOKED; in subprocesses too), keyed by the task's template
-- (trigger_template_id) and the node's template_node_id, with status true
-- for FINISHED, is_skip, archived_time (its finish_time, to the second) and
-- elapsed_time (the status tree's). The simulator reads the same facts off
-- its tasks when asked, which comes to the same: nothing of a task changes
-- once its pipeline has ended.
--
-- M: api name -> view, handler(self, ctx, project) with self the Views
-- object (sops.sim.views.base) and project the one project_inject found.
local json = require "sops.sim.json"
local base = require "sops.sim.views.base"

local view_result, fail, not_exist, iam_denied = base.view_result, base.fail, base.not_exist, base.iam_denied
local SUCCESS, PARAM_INVALID = base.SUCCESS, base.PARAM_INVALID

local M = {}

-- settings.MAX_RECORDED_NODE_EXECUTION_TIMES (config/default.py, from
-- env.py's BKAPP_MAX_RECORDED_NODE_EXECUTION_TIMES, 5 by default)
local MAX_RECORDED = 5

-- archived_time as the view answers it: the serializer's validated_data
-- holds a datetime in Asia/Shanghai (the field's default_timezone), which
-- Django's JsonResponse writes with isoformat(); the field's `format` only
-- applies to .data, which the view does not use. No microseconds: the row
-- was made from the status tree's time, written to the second.
local function iso(t)
  return os.date("!%Y-%m-%dT%H:%M:%S", math.floor(t) + 8 * 3600) .. "+08:00"
end

-- whether a task's pipeline has ended (post_pipeline_finish or
-- post_pipeline_revoke sent: its statistics are written)
local function archived(task)
  local root = task.states[task.root.id]
  return root ~= nil and (root.state == "FINISHED" or root.state == "REVOKED")
end

-- The task's successful, not skipped runs of the activity whose
-- template_node_id is node_id, added to `out`.
local function collect(task, pdef, node_id, out)
  for _, node in ipairs(pdef.nodes) do
    if node.type == "ServiceActivity" and node.template_node_id == node_id then
      local st = task.states[node.id]
      if st and st.state == "FINISHED" and not st.skip and st.start and st.finish then
        out[#out + 1] = {at = math.floor(st.finish), elapsed = math.floor(st.finish - st.start + 0.5), task = task.id}
      end
    end
    if node.sub then collect(task, node.sub, node_id, out) end
  end
end

-- NodeExecutionRecordQuerySerializer: template_node_id, a DRF CharField
-- (required, not blank, stripped, no NUL). The value, or nil and the
-- field's error as DRF's ValidationError.detail prints it.
local function node_id_arg(ctx)
  local v = ctx.args.template_node_id
  local code, text
  if v == nil then
    code, text = "required", "This field is required."
  elseif v:match("^%s*$") then
    code, text = "blank", "This field may not be blank."
  elseif v:find("\0", 1, true) then
    code, text = "null_characters_not_allowed", "Null characters are not allowed."
  else
    return (v:match("^%s*(.-)%s*$"))
  end
  return nil, string.format("{'template_node_id': [ErrorDetail(string='%s', code='%s')]}", text, code)
end

function M.get_node_execution_record(self, ctx, project)
  -- iam_intercept(FlowViewInterceptor()), skipped for a whitelisted app:
  -- res_factory.resources_for_flow reads the TaskTemplate by id
  -- (DoesNotExist for a common template's id too), and the simulator's user
  -- holds flow_view on the templates of the project it names only
  if not self:is_trusted(ctx) then
    local t = self.engine.templates[ctx.ids.template_id]
    if not t or t.common then
      return not_exist(ctx, string.format("TaskTemplate(id=%s) does not exist.", ctx.ids.template_id_raw))
    end
    if t.project_id and t.project_id ~= project.id then return iam_denied(ctx, "flow_view") end
  end
  local node_id, problem = node_id_arg(ctx)
  if not node_id then return fail(ctx, "params is invalid, error: " .. problem, PARAM_INVALID) end
  -- the rows of every task made from the template, whatever its project or
  -- state of deletion (the view filters by trigger_template_id alone)
  local engine, tid, rows = self.engine, ctx.ids.template_id, {}
  for id = 1, engine.next_task_id - 1 do
    local task = engine.tasks[id]
    if task and task.template.id == tid then
      engine:advance(task)
      if archived(task) then collect(task, task.root, node_id, rows) end
    end
  end
  -- order_by("-archived_time"), then the newest task first
  table.sort(rows, function(a, b)
    if a.at ~= b.at then return a.at > b.at end
    return a.task > b.task
  end)
  local list = json.array()
  for i = 1, math.min(#rows, MAX_RECORDED) do
    list[i] = json.obj("archived_time", iso(rows[i].at), "elapsed_time", rows[i].elapsed)
  end
  return view_result(ctx, "result", true, "data", json.obj("execution_time", list, "total", #rows),
    "message", "", "code", SUCCESS)
end

return M
