-- bksops tasks: the business's tasks, newest first, each with its state as
-- get_tasks_status reports it (FAILED, SUSPENDED, REVOKED... which the task
-- list cannot tell), filtered by state, template, creator and creation time.
-- bk-sops filters what it can (get_task_list: is_started, is_finished,
-- template_id, create_time_start/_end); the creator and the exact state are
-- filtered here.
local core = require "sops.core"
local api = require "sops.api"
local client = require "sops.client"
local template = require "sops.cli.template"
local times = require "sops.cli.times"
local render = require "sops.cli.render"

local M = {}

-- the tasks a get_tasks_status asks about at most (bk-sops refuses more)
local BATCH = api.BY_NAME.get_tasks_status.fields.task_id_list.max
-- the tasks asked for in one go: a page of the listing
local PAGE = 100

-- What get_task_list can narrow the listing to for each state: the
-- states of tasks not started, started and not finished, or finished.
-- (A revoked or expired task's is_finished is not relied on.)
local STARTED, UNFINISHED = {is_started = true}, {is_started = true, is_finished = false}
local LISTED = {
  CREATED = {is_started = false}, FINISHED = {is_finished = true}, RUNNING = UNFINISHED, READY = UNFINISHED,
  FAILED = UNFINISHED, SUSPENDED = UNFINISHED, NODE_SUSPENDED = UNFINISHED, REVOKED = STARTED, EXPIRED = STARTED,
}

-- The state the task list itself implies, for a task get_tasks_status
-- did not report.
local function listed_state(t)
  return t.is_finished == true and "FINISHED" or t.is_started == true and "RUNNING" or "CREATED"
end

-- The states of tasks (a list of task list items) by id: one
-- get_tasks_status per BATCH tasks, sent together; or nil, the first
-- failure's message and error.
local function states_of(c, tasks)
  local calls = {}
  for first = 1, #tasks, BATCH do
    local ids = setmetatable({}, core.array_mt)
    for i = first, math.min(first + BATCH - 1, #tasks) do ids[#ids + 1] = tasks[i].id end
    local name, params = client.params(c, "get_tasks_status", {task_id_list = ids})
    calls[#calls + 1] = {name, params}
  end
  local states = {}
  if #calls == 0 then return states end
  for _, r in ipairs(c:call_many(calls)) do
    if r[1] == nil then return nil, r[2], r[3] end
    for _, item in ipairs(type(r[1]) == "table" and r[1] or {}) do
      local status = type(item) == "table" and item.status
      if type(status) == "table" and type(status.state) == "string" then states[item.id] = status.state end
    end
  end
  return states
end

-- The get_task_list arguments for the options; or nil, exit code.
local function listing(ctx, c, a)
  local args = {limit = PAGE}
  for k, v in pairs(a.state and LISTED[a.state] or {}) do args[k] = v end
  if a.template then
    local id, code = template.find(ctx, c, a.template)
    if not id then return nil, code end
    args.template_id = tostring(id)
  end
  if a.since then args.create_time_start = times.form_time(a.since) end
  if a["until"] then args.create_time_end = times.form_time(a["until"]) end
  -- (nothing to filter here: bk-sops' pages stop at --limit)
  if not a.creator and not a.state then args.max_items = a.limit end
  return args
end

-- M.run(ctx, c, a): every page of get_task_list, up to --limit tasks, each
-- with its state (in the JSON document: the item's `state`).
function M.run(ctx, c, a)
  if a.since and a["until"] and a.since > a["until"] then
    return ctx:usage("--since is after --until")
  end
  local args, code = listing(ctx, c, a)
  if not args then return code end
  local list = setmetatable({}, core.array_mt)
  local items, pager = c:pages("get_task_list", args)
  local done = false
  while not done and #list < a.limit do
    -- the next tasks the listing and --creator let through: a page's worth
    -- (with no state to filter by, as many as are still wanted)
    local want = a.state and PAGE or math.min(PAGE, a.limit - #list)
    local chunk = {}
    while #chunk < want do
      local t = items()
      if not t then
        done = true
        break
      end
      if type(t) == "table" and (not a.creator or t.creator == a.creator) then chunk[#chunk + 1] = t end
    end
    if pager.err then return ctx:fail(pager.err) end
    local states, _, err = states_of(c, chunk)
    if not states then return ctx:fail(err) end
    for _, t in ipairs(chunk) do
      t.state = states[t.id] or listed_state(t)
      if (not a.state or t.state == a.state) and #list < a.limit then list[#list + 1] = t end
    end
  end
  local wide = ctx.output.format == "wide"
  return ctx:show(list, function()
    local lines = {}
    -- (-o wide: who ran it, its template, when it started and finished)
    local function row(id, state, creator, name, t)
      local line = string.format("%-8s %s %-12s ", id, state, creator)
      if wide then
        line = line .. string.format("%-12s %-8s %-25s %-25s ", render.cell(t.executor), render.cell(t.template_id),
          render.cell(t.start_time), render.cell(t.finish_time))
      end
      lines[#lines + 1] = line .. name
    end
    if ctx:headers() then
      row("ID", string.format("%-9s", "STATE"), "CREATOR", "NAME",
        {executor = "EXECUTOR", template_id = "TEMPLATE", start_time = "STARTED", finish_time = "FINISHED"})
    end
    for _, t in ipairs(list) do
      row(tostring(t.id), ctx.paint(t.state, string.format("%-9s", t.state)), tostring(t.creator), tostring(t.name), t)
    end
    return lines
  end)
end

return M
