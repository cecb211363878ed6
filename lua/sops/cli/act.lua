-- The commands of `bksops` that change something: run, create, start,
-- pause, resume, revoke, retry, skip, skip-exg and callback. Each is
-- run(ctx, client, args) -> exit code; each state-changing request is sent
-- once.
local sops = require "sops"
local core = require "sops.core"
local nodes = require "sops.nodes"
local read = require "sops.cli.read"
local watch = require "sops.cli.watch"
local callbacks = require "sops.callbacks"
local context = require "sops.cli.context"
local render = require "sops.cli.render"
local attempts = require "sops.attempts"
local keyed = require "sops.keyed"
local check = require "sops.check"
local template = require "sops.cli.template"

local EXIT = context.EXIT
local M = {}

-- The constants of --constants and -c KEY=VALUE (a bare KEY becomes
-- ${KEY}); nil, message.
local function constants(a)
  local out = {}
  for k, v in pairs(a.constants or {}) do out[k] = v end
  for _, kv in ipairs(a.constant or {}) do
    local k, v = kv:match("^([^=]+)=(.*)$")
    if not k then return nil, "-c takes KEY=VALUE, got '" .. kv .. "'" end
    if not k:find("^%${.*}$") then k = "${" .. k .. "}" end
    out[k] = v
  end
  return out
end

-- The receiver of --callback-listen (with --callback-url), in a.receiver:
-- true, or nil and the exit code.
local function receiver_for(ctx, a)
  if not a.callback_listen then
    if a.callback_url then return nil, ctx:usage("--callback-url goes with --callback-listen") end
    return true
  end
  if not a.wait then return nil, ctx:usage("--callback-listen needs --wait (callbacks come to a waiting bksops)") end
  local host, port = a.callback_listen:match("^%[?([^%]]*)%]?:(%d+)$")
  if not host or host == "" or tonumber(port) > 65535 then
    return nil, ctx:usage("--callback-listen takes HOST:PORT, got '" .. a.callback_listen .. "'")
  end
  local ok, r, _, err = pcall(callbacks.listen, {host = host, port = tonumber(port), public_url = a.callback_url})
  if not ok then return nil, ctx:bad_argument(r) end
  if not r then return nil, ctx:fail(err) end
  a.receiver = r
  return true
end

-- Creates the task: {task_id, task_url, name}; or nil, exit code. With
-- --key, a task that carries the key already is found instead ({...,
-- key, existing = true, state}), and one made at the same time by another
-- caller is reported (duplicates, keep: README "Once per key").
local function create(ctx, c, a)
  local consts, cerr = constants(a)
  if not consts then return nil, ctx:usage(cerr) end
  local template_id, template_name = template.find(ctx, c, a.TEMPLATE, true)
  if not template_id then return nil, template_name end
  local name = a.name or string.format("%s_%s", tostring(template_name), os.date("%Y%m%d%H%M%S"))
  local ok, task, _, err = pcall(c.create_task, c, {template_id = template_id, name = name, constants = consts,
    callback = a.receiver, key = a.key})
  if not ok then return nil, ctx:bad_argument(task) end
  if not task then return nil, ctx:fail(err) end
  local out = {task_id = task.task_id, task_url = task.task_url, name = name, template_id = template_id}
  if a.key == nil then return out end
  out.name = task.name or keyed.name({name = name, key = a.key})
  out.key, out.existing, out.state, out.duplicates, out.keep = a.key, task.existing, task.state, task.duplicates,
    task.keep
  if task.existing then
    ctx:say(string.format("task %d found: %s (it is %s)", out.task_id, out.name, tostring(out.state)))
  else
    ctx:say(string.format("task %d created: %s", out.task_id, out.name))
  end
  if task.rechecked == false then
    ctx:warn(string.format("task %d: the second look for key %s failed, so a task made at the same time "
      .. "would go unseen", out.task_id, a.key))
  end
  if out.duplicates then
    local ids = {}
    for i, id in ipairs(out.duplicates) do ids[i] = tostring(id) end
    ctx:warn(string.format("task%s %s also carr%s the key %s (made at the same time); task %d, the lowest id, "
      .. "is the one", #ids > 1 and "s" or "", table.concat(ids, ", "), #ids > 1 and "y" or "ies", a.key, out.keep))
  end
  return out
end

function M.create(ctx, c, a)
  local task, code = create(ctx, c, a)
  if not task then return code end
  return ctx:show(task, function()
    local lines = {}
    if not task.key then lines[1] = string.format("task %d created: %s", task.task_id, task.name) end
    if task.task_url then lines[#lines + 1] = tostring(task.task_url) end
    if not task.existing or task.state == "CREATED" then
      lines[#lines + 1] = string.format("(bksops start %d starts it)", task.task_id)
    end
    return lines
  end)
end

-- Starts a task just created (or found by its key and never started), and
-- with --wait watches it to the end: the exit code; task goes into the JSON
-- document.
local function start_and_watch(ctx, c, a, task)
  local id = task.task_id
  -- (a found task never started is started, unless it started meanwhile)
  local ok, _, err = c:start_task{task_id = id, ensure = task.existing or nil}
  if not ok and not attempts.unclear(err) then
    ctx:warn(string.format("task %d was created but not started (bksops start %d starts it)", id, id))
    return ctx:fail(err)
  elseif not ok then
    -- the start went out and its answer was lost: the task's state settles
    -- it, unless bk-sops has the start queued still (it reads CREATED then)
    local status = c:get_task_status{task_id = id}
    if not (status and status.state ~= "CREATED") then
      ctx:warn(string.format("task %d: the start was sent but its answer was lost, so it may have started; "
        .. "'bksops status %d' shows whether it did, 'bksops start %d' starts it if it did not (bk-sops refuses "
        .. "to start a task twice)", id, id, id))
      return ctx:fail(err)
    end
    ctx:warn(string.format("task %d: the start's answer was lost (%s), but the task started: it is %s", id,
      render.one_line(err.message), tostring(status.state)))
  end
  if a.wait then
    local ended = watch.one(ctx, c, task.task_id, a, task)
    if a.receiver then a.receiver:close() end
    return ended
  end
  return ctx:show(task, function()
    return {string.format("task %d: start queued (bksops wait %d watches it)", task.task_id, task.task_id)}
  end)
end

-- bksops run: create, start, and with --wait watch to the end
function M.run(ctx, c, a)
  local ready, rcode = receiver_for(ctx, a)
  if not ready then return rcode end
  local task, code = create(ctx, c, a)
  if not task then return code end
  if not task.key then ctx:say(string.format("task %d created: %s", task.task_id, task.name)) end
  if task.keep and task.keep ~= task.task_id then
    -- another caller made the task with the key first: that one runs, and
    -- this one is left as it is
    ctx:warn(string.format("task %d is left unstarted; task %d is the one", task.task_id, task.keep))
    task.duplicates = setmetatable({task.task_id}, core.array_mt)
    task.task_id, task.task_url, task.existing, task.state = task.keep, nil, true, nil
  end
  local id = task.task_id
  if task.existing and task.state ~= "CREATED" then
    if a.wait then
      local ended = watch.one(ctx, c, id, a, task)
      if a.receiver then a.receiver:close() end
      return ended
    end
    return ctx:show(task, function()
      return {string.format("task %d: not started again (bksops wait %d watches it)", id, id)}
    end)
  end
  return start_and_watch(ctx, c, a, task)
end

-- The template_source get_task_list gives task_id (get_task_detail has
-- none): its page of the template's tasks, newest first. nil when the
-- listing has no such task; nil, exit code when it fails.
local function source_of(ctx, c, task_id, template_id)
  local items, pager = c:pages("get_task_list", {template_id = tostring(template_id), limit = 100})
  for t in items do
    if t.id == task_id then return t.template_source or "project" end
  end
  if pager.err then return nil, ctx:fail(pager.err) end
  return nil
end

-- bksops rerun TASK: a new task from the task's template, with the task's
-- pipeline_tree (its nodes, as its scheme chose them, and its constants'
-- values: create_task takes a tree and sets the constants given on it),
-- -c/--constants changing some; started, and with --wait watched, as run's.
function M.rerun(ctx, c, a)
  local changed, cerr = constants(a)
  if not changed then return ctx:usage(cerr) end
  local detail, _, err = c:get_task_detail{task_id = a.TASK}
  if not detail then return ctx:fail(err) end
  local template_id = check.id(detail.template_id)
  if not template_id or template_id == 0 then
    return ctx:usage(string.format("task %d has no template to run again (template_id %s: made by "
      .. "fast_create_task?)", a.TASK, sops.encode(detail.template_id)))
  end
  local tree = detail.pipeline_tree
  if type(tree) ~= "table" or type(tree.constants) ~= "table" then
    return ctx:usage(string.format("task %d: its detail has no pipeline_tree with constants to run again",
      a.TASK))
  end
  local source, scode = source_of(ctx, c, a.TASK, template_id)
  if scode then return scode end
  if not source then
    return ctx:usage(string.format("task %d: not in the business's tasks of template %d, so where its template "
      .. "is (project or common) is unknown", a.TASK, template_id))
  end
  if source == "common" then
    return ctx:usage(string.format("task %d was made from common template %d: rerun makes tasks from the "
      .. "business's own templates only", a.TASK, template_id))
  end
  local info, _, ierr = c:get_template_info{template_id = template_id}
  if not info then
    ctx:warn(string.format("task %d: its template %d cannot be read (deleted?), so it cannot be run again",
      a.TASK, template_id))
    return ctx:fail(ierr)
  end
  -- (bk-sops sets only the constants the tree has, silently: a key it
  -- does not have is a mistake)
  local names = {}
  for k in pairs(tree.constants) do names[#names + 1] = k end
  table.sort(names)
  for k in pairs(changed) do
    if tree.constants[k] == nil then
      return ctx:usage(string.format("task %d has no constant %s (it has %s)", a.TASK, k,
        #names > 0 and table.concat(names, ", ") or "none"))
    end
  end
  local name = a.name or string.format("%s_%s", tostring(info.name), os.date("%Y%m%d%H%M%S"))
  local ok, task, _, terr = pcall(c.create_task, c, {template_id = template_id, name = name, constants = changed,
    pipeline_tree = tree})
  if not ok then return ctx:bad_argument(task) end
  if not task then return ctx:fail(terr) end
  ctx:say(string.format("task %d created: %s (task %d again)", task.task_id, name, a.TASK))
  return start_and_watch(ctx, c, a, {task_id = task.task_id, task_url = task.task_url, name = name,
    template_id = template_id, rerun_of = a.TASK})
end

function M.start(ctx, c, a)
  local ok, _, err = c:start_task{task_id = a.TASK}
  if not ok then return ctx:fail(err) end
  if a.wait then return watch.one(ctx, c, a.TASK, a) end
  return ctx:show(ok, function() return {string.format("task %d: start queued", a.TASK)} end)
end

-- A task action: pause, resume, revoke.
local function task_action(method, what)
  return function(ctx, c, a)
    local ok, _, err = c[method](c, {task_id = a.TASK})
    if not ok then return ctx:fail(err) end
    return ctx:show(ok, function() return {string.format("task %d: %s", a.TASK, what)} end)
  end
end
M.pause = task_action("pause_task", "paused")
M.resume = task_action("resume_task", "resumed")
M.revoke = task_action("revoke_task", "revoked")

-- A node action on a node as a person names it; build(args, a) adds the
-- action's own fields.
local function node_action(method, word_of, build, what)
  return function(ctx, c, a)
    local id, entry = read.find_node(ctx, c, a.TASK, a[word_of])
    if not id then return entry end
    local args = {task_id = a.TASK, node_id = id}
    if build then build(args, a) end
    local ok, _, err = c[method](c, args)
    if not ok then return ctx:fail(err) end
    return ctx:show(ok, function()
      return {string.format("task %d: node %s (%s) %s", a.TASK, entry.path ~= "" and entry.path or id, id,
        what(a, args))}
    end)
  end
end

M.skip = node_action("skip_node", "NODE", nil, function() return "skipped" end)
M["skip-exg"] = node_action("skip_exg", "GATEWAY", function(args, a) args.flow_id = a.FLOW end,
  function(a) return "takes flow " .. a.FLOW end)
M.callback = node_action("callback_node", "NODE", function(args, a) args.data = a.data end,
  function() return "got the callback" end)

local retry_one = node_action("retry_node", "NODE", function(args, a) args.inputs = a.inputs end,
  function(a) return a.inputs and "retried with new inputs" or "retried" end)

-- bksops retry TASK NODE [--inputs JSON] | bksops retry TASK --failed
function M.retry(ctx, c, a)
  if not a.failed then
    if not a.NODE then return ctx:usage("give the NODE to retry, or --failed for every failed node") end
    return retry_one(ctx, c, a)
  end
  if a.NODE then return ctx:usage("give a NODE or --failed, not both") end
  local status, _, err = c:get_task_status{task_id = a.TASK}
  if not status then return ctx:fail(err) end
  local failed = sops.failed_nodes(status)
  if #failed == 0 then
    ctx:warn(string.format("task %d has no failed node (it is %s)", a.TASK, tostring(status.state)))
    return EXIT.USAGE
  end
  if a.inputs and #failed > 1 then
    return ctx:usage(string.format("--inputs is for one node, and %d nodes failed: retry them one by one", #failed))
  end
  local short = nodes.short_ids(status)
  local retried = {}
  for _, f in ipairs(failed) do
    local ok, _, rerr = c:retry_node{task_id = a.TASK, node_id = f.id, inputs = a.inputs}
    if not ok then
      -- those retried so far stay retried: say which, then why this one was not
      ctx:warn(string.format("task %d: node %s (%s) was not retried", a.TASK, tostring(f.node.name), short[f.id]))
      return ctx:fail(rerr)
    end
    retried[#retried + 1] = f.id
    if not ctx:document() then
      ctx:say(string.format("task %d: %s (%s) retried", a.TASK, tostring(f.node.name), short[f.id]))
    end
  end
  if ctx:document() then
    return ctx:emit({task_id = a.TASK, retried = setmetatable(retried, core.array_mt)})
      and EXIT.OK or EXIT.TRANSPORT
  end
  return EXIT.OK
end

return M
