-- client:wait and client:wait_all: poll until tasks reach a chosen state,
-- with backoff and jitter, a hard deadline, transient failures retried
-- inside it, and change events for the task and every node. (Loaded by
-- the first wait: client:wait and sops.wait, defined in sops.client and
-- sops, call in here.)
local core = require "sops.core"
local check = require "sops.check"
local client = require "sops.client"
local events = require "sops.events"
local nodes = require "sops.nodes"
local tree = require "sops.tree"
local unpack = require("sops.compat").unpack

local M = {}

M.DEFAULT_UNTIL = {"FINISHED", "FAILED", "REVOKED", "EXPIRED"}
-- the polling options' defaults (seconds; backoff a factor, jitter a
-- fraction): sops.options', where the other defaults live
M.DEFAULTS = require("sops.options").WAIT_DEFAULTS
local STOPPING = {FAILED = true, REVOKED = true} -- what fail_fast stops on
-- the ids one get_tasks_status takes (its row in sops.api)
local BATCH = require("sops.api").BY_NAME.get_tasks_status.fields.task_id_list.max
-- with a callback receiver: polls this far apart until a callback comes
M.CALLBACK_MAX_INTERVAL = 60
M.STATUS_CACHE = 10 -- seconds bk-sops may answer a status from its cache

local default_sleep = require("sops.compat").default_sleep

local COMMON = {
  timeout = {"number"}, interval = {"number"}, max_interval = {"number"}, backoff = {"number"},
  jitter = {"number"}, until_states = {"list"}, on_poll = {"any"}, on_change = {"any"}, sleep = {"any"},
  bk_biz_id = {"id"}, scope = {"string"}, callback = {"receiver"}, stall = {"number"}, outputs = {"boolean"},
  on_timeout = {"string"},
}
-- what on_timeout may do to a task at the deadline: operate_task's action
M.ON_TIMEOUT = {revoke = "revoked", pause = "paused"}

local function fields(extra)
  local f = {}
  for k, v in pairs(COMMON) do f[k] = v end
  for k, v in pairs(extra) do f[k] = v end
  return f
end
local WAIT_FIELDS = fields({task_id = {"id", true}, node = {"string"}})
local WAIT_ALL_FIELDS = fields({task_ids = {"list", true}, fail_fast = {"boolean"},
  children = {"boolean"}})
-- (read by the editor definition generator, tools/types.lua)
M.FIELDS = {wait = WAIT_FIELDS, wait_all = WAIT_ALL_FIELDS}

-- Checks and fills in the polling options; raises on a mistake.
local function options(call, args, spec)
  check.fields(call, args, spec)
  local d = M.DEFAULTS
  if args.callback and args.sleep then
    check.fail(call, "sleep", "not with callback (the receiver sleeps, answering callbacks)")
  end
  local o = {
    timeout = args.timeout or d.timeout, interval = args.interval or d.interval,
    max_interval = args.max_interval or (args.callback and M.CALLBACK_MAX_INTERVAL) or d.max_interval,
    backoff = args.backoff or d.backoff, receiver = args.callback,
    jitter = args.jitter or d.jitter,
    on_poll = args.on_poll, on_change = args.on_change, sleep = args.sleep or default_sleep(),
  }
  o.stall, o.outputs, o.on_timeout, o.node = args.stall, args.outputs, args.on_timeout, args.node
  for _, k in ipairs({"timeout", "interval", "max_interval", "stall"}) do
    if o[k] and o[k] <= 0 then check.fail(call, k, "positive number expected") end
  end
  if o.on_timeout and not M.ON_TIMEOUT[o.on_timeout] then
    check.fail(call, "on_timeout", "'revoke' or 'pause' expected, got '" .. o.on_timeout .. "'")
  end
  if o.node == "" then check.fail(call, "node", "a node's id, id prefix, name or path expected") end
  if o.backoff < 1 then check.fail(call, "backoff", "number >= 1 expected") end
  if o.jitter < 0 or o.jitter >= 1 then check.fail(call, "jitter", "number in [0, 1) expected") end
  for _, k in ipairs({"on_poll", "on_change", "sleep"}) do
    if o[k] ~= nil and type(o[k]) ~= "function" then
      check.fail(call, k, "function expected, got " .. type(o[k]))
    end
  end
  o.until_states = {}
  for i, s in ipairs(args.until_states or M.DEFAULT_UNTIL) do
    if type(s) ~= "string" then check.fail(call, "until_states[" .. i .. "]", "string expected") end
    o.until_states[s] = true
  end
  return o
end

-- The polling schedule: next delay, grown by `backoff` up to max_interval,
-- spread by +-jitter, never past the deadline.
local function next_delay(o, delay, remaining, retry_after)
  local d = math.min(delay, o.max_interval)
  if o.jitter > 0 then d = d * (1 + o.jitter * (2 * math.random() - 1)) end
  if retry_after and retry_after > d then d = retry_after end
  return math.max(0, math.min(d, remaining))
end

-- A status tree is a table with a string state; anything else in a
-- successful answer is the server's mistake, reported as a decode error.
local function is_status(v)
  return type(v) == "table" and type(v.state) == "string"
end

-- (each returns nil, message, err: a failure as every call returns one)
local fail = core.fail

local function shape_error(api, message)
  return fail({kind = "decode", api = api, message = message, retryable = false})
end

local function timeout_error(api, message, status)
  return fail({kind = "timeout", api = api, message = message, retryable = false, status = status})
end

-- Whether a call that failed ran out of the wait's own time: it was given
-- all that was left (budget, from called_at) and timed out using it. That
-- is the deadline coming, not a failure the wait tries again.
local function out_of_time(err, called_at, budget)
  return err ~= nil and err.kind == "timeout" and core.monotime() - called_at >= budget - 0.01
end

-- A result of wait_all: what wait returns for the task, packed as
-- table.pack packs it.
-- The failure of a wait whose client was closed while it slept (or in a
-- hook): what a call in flight returns then, not a raise.
local is_open = core.client_methods.is_open
local function closed_error(api)
  return fail({kind = "closed", api = api, retryable = false,
    message = "the client was closed during the " .. (api == "wait" and "wait" or "wait_all")})
end

local function packed(...)
  return {n = 3, ...}
end

-- Polling without the receiver, on the plain schedule: for a task it holds
-- no URL for (created without it, its URL expired, or no room was left for
-- it), or when its socket failed.
local function without_receiver(o, args)
  o.receiver, o.sleep = nil, default_sleep()
  o.max_interval = args.max_interval or M.DEFAULTS.max_interval
end

-- Sleeps d seconds before the next poll: in o.sleep (and the delay grows
-- by o.backoff), or in the receiver while it answers callbacks. With a
-- receiver the polls are o.max_interval apart, but a callback for one of
-- `slots` ends the sleep: the next poll comes at once, and when it does not
-- end the wait one more follows after bk-sops' status cache has expired
-- (its answer may have been the cache's), then slow ones again. However
-- many callbacks come, such early polls are o.interval apart at least.
-- Returns the next delay, whether a callback came, and whether the whole
-- d was slept (no callback, no failed receiver cut it short).
local function pause(o, args, d, delay, slots, deadline, retry_after)
  if not o.receiver then
    o.sleep(d)
    return math.min(delay * o.backoff, o.max_interval), false, true
  end
  local start = core.monotime()
  local woke = o.receiver:sleep(d, slots)
  if woke == nil then -- the receiver's socket failed: plain polling from here on
    without_receiver(o, args)
    return o.interval, false, false
  end
  if not woke then return o.max_interval, false, true end
  -- not before the server's Retry-After, nor o.interval after the last early poll
  local not_before = start + (retry_after or 0)
  if o.woke_at then not_before = math.max(not_before, o.woke_at + o.interval) end
  local gap = math.min(not_before, deadline) - core.monotime()
  if gap > 0 then o.receiver:sleep(gap, nil) end
  o.woke_at = core.monotime()
  return math.min(M.STATUS_CACHE + 0.5, o.max_interval), true, false
end

local function state_list(o)
  local list = {}
  for s in pairs(o.until_states) do list[#list + 1] = s end
  table.sort(list)
  return table.concat(list, "/")
end

-- the states a task stops in for good: a node it has not reached by then
-- never will
local ENDED = {FINISHED = true, FAILED = true, REVOKED = true, EXPIRED = true}

-- An event that is not a change (events.diff's are kind "change"):
-- {kind, task_id, at, message, ...}, to on_change.
local function note(o, kind, task_id, message, extra)
  if not o.on_change then return end
  local ev = {kind = kind, task_id = task_id, at = core.time(), message = message}
  for k, v in pairs(extra or {}) do ev[k] = v end
  o.on_change(ev)
end

-- Clients whose server answered get_task_status without auto_retry_status
-- although asked for it (the flag is missing from bk-sops' master branch):
-- asked once, then FAILED is final for them, as before the flag.
local no_retry_flag = setmetatable({}, {__mode = "k"})

-- The ids of the nodes bk-sops will retry by itself (a node with an
-- automatic-retry strategy reads FAILED until it does) in a status asked
-- for with with_auto_retry_status: a list (empty: none), or nil when the
-- answer does not say (the flag is missing from bk-sops' master branch).
local function retries_in(status)
  local ars = status.auto_retry_status
  if type(ars) ~= "table" then return nil end
  local ids = {}
  if ars.exist_auto_retry_nodes == true and type(ars.auto_retry_nodes) == "table" then
    for _, id in ipairs(ars.auto_retry_nodes) do
      if type(id) == "string" then ids[#ids + 1] = id end
    end
  end
  return ids
end

-- For a task the batch call read FAILED (get_tasks_status has no such
-- flag): one get_task_status with with_auto_retry_status. Returns the
-- pending retries (retries_in) and the answer; or nil and "unknown" (the
-- server lacks the flag: not asked again on this client) or "failed" (the
-- call failed: the next round asks again).
local function auto_retries(c, query, remaining)
  if no_retry_flag[c] then return nil, "unknown" end
  local q = {with_auto_retry_status = true}
  for k, v in pairs(query) do q[k] = v end
  local status = client.invoke(c, "get_task_status", q, math.max(remaining, 0.001))
  if not is_status(status) then return nil, "failed" end
  local ids = retries_in(status)
  if not ids then
    no_retry_flag[c] = true
    return nil, "unknown"
  end
  return ids, status
end

local NO_FLAG = "bk-sops does not say whether it will retry failed nodes by itself (its get_task_status has no "
  .. "with_auto_retry_status): FAILED is taken as final"

-- The nodes of status with these ids, as "name (id)" (an id not in the
-- tree as itself), for a note.
local function named(status, ids)
  local names = {}
  tree.walk(status, function(node, id)
    if id and type(node.name) == "string" then names[id] = node.name end
  end)
  local out = {}
  for i, id in ipairs(ids) do out[i] = names[id] and string.format("%s (%s)", names[id], id) or id end
  return table.concat(out, ", ")
end

-- The nodes running deepest in status (without a running child), as
-- "name (id)".
local function running_nodes(status)
  local out = {}
  tree.walk(status, function(node, id, depth)
    if depth == 0 or node.state ~= "RUNNING" then return end
    for _, child in pairs(type(node.children) == "table" and node.children or {}) do
      if type(child) == "table" and child.state == "RUNNING" then return end
    end
    out[#out + 1] = string.format("%s (%s)", type(node.name) == "string" and node.name or "", tostring(id))
  end)
  table.sort(out)
  return out
end

-- Watches a task for a stall: a change event is progress; time without
-- one counts only while the task runs or waits for an automatic retry.
-- Returns "stalled" or "warn" (once, at half the time) or nil, and the
-- seconds without progress.
local function stall_check(o, w, state, changed, now, retrying)
  if not o.stall then return nil end
  if changed or not w.since or not (state == "RUNNING" or retrying) then
    w.since, w.warned = now, false
    return nil, 0
  end
  local idle = now - w.since
  if idle >= o.stall then return "stalled", idle end
  if not w.warned and idle >= o.stall / 2 then
    w.warned = true
    return "warn", idle
  end
  return nil, idle
end

-- seconds until the stall would be declared (nil: not watched)
local function stall_left(o, w)
  if not (o.stall and w.since) then return nil end
  return math.max(0, w.since + o.stall - core.monotime())
end

local function listed(running)
  return #running > 0 and table.concat(running, ", ") or "no node"
end

local function stalled_error(api, task_id, o, status)
  local running = running_nodes(status)
  return fail({kind = "stalled", api = api, retryable = false, status = status, nodes = running,
    message = string.format("task %d made no progress for %g s (still running: %s)", task_id, o.stall,
      listed(running))})
end

local function stall_warning(o, task_id, idle, status)
  local running = running_nodes(status)
  note(o, "stall_warning", task_id, string.format("no progress for %.0f s (running: %s); stalled at %g s", idle,
    listed(running), o.stall), {nodes = running})
end

-- At the deadline: the on_timeout action, sent once (a state-changing
-- call: retried only as the client's policy retries such calls), then one
-- look at the task. Each has the client's own timeout: this runs past the
-- wait's deadline. What was done goes into the timeout error e as
-- e.on_timeout = {action, done, state, error}; e.status is the last look.
local function act_at_deadline(c, o, query, e)
  local action = o.on_timeout
  local r, message = client.invoke(c, "operate_task", {task_id = query.task_id, bk_biz_id = query.bk_biz_id,
    scope = query.scope, action = action})
  local after = client.invoke(c, "get_task_status", query)
  if not is_status(after) then after = nil end
  e.on_timeout = {action = action, done = r ~= nil, error = message, state = after and after.state or nil}
  if after then e.status = after end
  if r then
    e.message = string.format("%s; %s it (now %s)", e.message, M.ON_TIMEOUT[action], after and after.state or "unknown")
  else
    e.message = string.format("%s; could not %s it: %s", e.message, action, message)
  end
end

-- status.outputs of a FINISHED task ([{key, name, value}], as bk-sops
-- gives them): from its callback when that carried them (v2), else one
-- get_task_detail. When they cannot be read the status still stands:
-- status.outputs_error says why.
local function add_outputs(c, query, status, heard, remaining)
  if heard and type(heard.task_outputs) == "table" then
    status.outputs = heard.task_outputs
    return
  end
  local detail, message = client.invoke(c, "get_task_detail", {task_id = query.task_id,
    bk_biz_id = query.bk_biz_id, scope = query.scope}, math.max(remaining, 0.001))
  if type(detail) == "table" and type(detail.outputs) == "table" then
    status.outputs = detail.outputs
  else
    status.outputs_error = message or "get_task_detail's answer has no outputs"
  end
end

-- client:wait{task_id = ..., ...} -> final status | nil, message, err
function M.wait(c, args)
  client.check_open(c, "sops.wait")
  local o = options("sops.wait", args, WAIT_FIELDS)
  local d = c:defaults()
  local task_id = check.id(args.task_id)
  local query = {task_id = task_id, bk_biz_id = args.bk_biz_id or d.bk_biz_id, scope = args.scope,
    with_ex_data = true}
  if not query.bk_biz_id then
    check.fail("sops.wait", "bk_biz_id", "positive integer expected, got nil (give it here or to sops.new)")
  end
  -- once the task has started (bk-sops refuses the flag before: its status
  -- has no id yet), each poll also asks whether bk-sops will retry a failed
  -- node by itself
  local flagged = {with_auto_retry_status = true}
  for k, v in pairs(query) do flagged[k] = v end
  local slot = o.receiver and o.receiver:slot_of(task_id)
  if o.receiver and not slot then without_receiver(o, args) end
  local receiver = o.receiver
  local start = core.monotime()
  local deadline = start + o.timeout
  -- with a receiver, slow polls until a callback comes
  local delay, attempt, snap, last = receiver and o.max_interval or o.interval, 0, nil, nil
  local heard -- the task's last callback
  local watch, retrying = {}, nil -- the stall watch; the nodes an automatic retry is pending for
  local final_callback = false -- a failure callback came during the last pause
  -- the last pause slept out to the deadline: the poll after it is the
  -- last, however early a timer with a millisecond's grain woke it
  local last_look = false
  local function done(...)
    if receiver then receiver:forget(slot) end
    return ...
  end
  -- the wait's result for a status that ends it
  local function ending(status, subject)
    status.callback = heard
    if o.node then status.node = subject end
    if o.outputs and status.state == "FINISHED" then add_outputs(c, query, status, heard, deadline - core.monotime()) end
    return done(status)
  end
  while true do
    attempt = attempt + 1
    if not is_open(c) then return done(closed_error("wait")) end
    local remaining = deadline - core.monotime()
    local asked = last and type(last.id) == "string" and flagged or query
    local called_at, budget = core.monotime(), math.max(remaining, 0.001)
    local status, message, err = client.invoke(c, "get_task_status", asked, budget)
    local retry_after
    if status and not is_status(status) then
      return done(shape_error("get_task_status", "the answer's data is not a task status (an object with a state)"))
    end
    if status then
      last = status
      local evs
      evs, snap = events.diff(task_id, snap, status, core.time())
      if o.on_change then
        for _, ev in ipairs(evs) do o.on_change(ev) end
      end
      if o.on_poll then o.on_poll(status, {attempt = attempt, elapsed = core.monotime() - start}) end
      -- what the wait is for: the task, or one of its nodes (nil while it has not run)
      local subject, unasked = status, false
      if o.node then
        local id, found, ambiguous = nodes.resolve(status, o.node)
        if ambiguous then return done(fail({kind = "node", api = "wait", retryable = false, status = status,
          message = string.format("task %d: %s", task_id, found)})) end
        subject = id and found.node or nil
        if subject then subject.id = id end
      end
      if subject and o.until_states[subject.state] then
        if subject.state ~= "FAILED" or not o.until_states.FAILED then return ending(status, subject) end
        -- FAILED: final unless bk-sops will retry (one of) the failed node(s) by itself
        local ids = retries_in(status)
        -- read unflagged: asked once more, unless a failure callback came
        -- since the last poll (bk-sops sends none for a failure it retries)
        if asked == query and not no_retry_flag[c] and not final_callback then
          local answer
          ids, answer = auto_retries(c, query, deadline - core.monotime())
          if ids then status = answer end
        end
        if not ids and final_callback then return ending(status, subject) end
        if not ids then
          note(o, "auto_retry_unknown", task_id, NO_FLAG)
          return ending(status, subject)
        end
        local pending = {}
        for _, id in ipairs(ids) do
          if not o.node or id == subject.id then pending[#pending + 1] = id end
        end
        if #pending == 0 then return ending(status, subject) end
        local key = table.concat(pending, ",")
        if key ~= retrying then
          note(o, "auto_retry", task_id, string.format("bk-sops will retry node%s %s by itself: waiting on",
            #pending > 1 and "s" or "", named(status, pending)), {nodes = pending})
        end
        retrying = key
      else
        retrying = nil
        -- (a task FAILED until bk-sops retries a node may still get there)
        local ids = o.node and status.state == "FAILED" and retries_in(status)
        if ids and #ids > 0 then retrying = table.concat(ids, ",") end
        -- (read unflagged, it may be too: the next poll asks with the flag)
        unasked = status.state == "FAILED" and asked == query
        if o.node and ENDED[status.state] and not (retrying or unasked) then
          return done(fail({kind = "node", api = "wait", retryable = false, status = status,
            message = string.format("task %d ended %s before node '%s' reached %s", task_id, status.state, o.node,
              state_list(o))}))
        end
      end
      local verdict, idle = stall_check(o, watch, status.state, #evs > 0, core.monotime(), retrying or unasked)
      if verdict == "stalled" then return done(stalled_error("wait", task_id, o, status)) end
      if verdict == "warn" then stall_warning(o, task_id, idle, status) end
    elseif not err.retryable then
      return done(nil, message, err)
    else
      retry_after = err.retry_after
      -- (said only when it will be tried again: at the deadline it is not)
      if o.on_poll and deadline - core.monotime() > 0 and not out_of_time(err, called_at, budget) then
        o.on_poll(nil, {attempt = attempt, elapsed = core.monotime() - start, error = err})
      end
    end
    remaining = deadline - core.monotime()
    if remaining <= 0 or last_look then
      local _, _, e = timeout_error("wait", string.format("task %d%s did not reach %s within %g s (last state %s)",
        task_id, o.node and (" node '" .. o.node .. "'") or "", state_list(o), o.timeout,
        last and last.state or "unknown"), last)
      if o.on_timeout then act_at_deadline(c, o, query, e) end
      return fail(e) -- (the task goes on: its callback URL is kept)
    end
    local woke, whole
    local until_next = math.min(remaining, stall_left(o, watch) or remaining)
    local nap = next_delay(o, delay, until_next, retry_after)
    delay, woke, whole = pause(o, args, nap, delay, {slot}, deadline, retry_after)
    last_look = whole and nap >= remaining
    final_callback = false
    if woke then
      local cb = receiver:take(slot)
      final_callback = cb ~= nil and cb.task_success == false
      heard = cb or heard
    end
  end
end

-- client:wait_all{task_ids = {...}, ...} -> {[task_id] = result}, keyed
-- by each id as an integer, whatever form it was given in; a result is
-- what wait would return for the task, packed: {n = 3, status} or
-- {n = 3, nil, message, err}
function M.wait_all(c, args)
  client.check_open(c, "sops.wait_all")
  local o = options("sops.wait_all", args, WAIT_ALL_FIELDS)
  local d = c:defaults()
  local default_biz = args.bk_biz_id or d.bk_biz_id
  -- group the ids by business: {key = {biz, ids}}
  local groups, order, pending, count = {}, {}, {}, 0
  for i, entry in ipairs(args.task_ids) do
    local given, biz = entry, default_biz
    if type(entry) == "table" then given, biz = entry.task_id, entry.bk_biz_id or default_biz end
    local id, bad = check.id(given)
    if not id then check.fail("sops.wait_all", "task_ids[" .. i .. "]", bad) end
    if biz then
      local b, why = check.id(biz)
      if not b then check.fail("sops.wait_all", "task_ids[" .. i .. "].bk_biz_id", why) end
      biz = b
    end
    if not biz then
      check.fail("sops.wait_all", "bk_biz_id", "positive integer expected, got nil (give it here or to sops.new)")
    end
    if not pending[id] then
      if not groups[biz] then
        groups[biz] = {}
        order[#order + 1] = biz
      end
      table.insert(groups[biz], id)
      pending[id] = biz
      count = count + 1
    end
  end
  -- each task's slot in the receiver, and its last callback; the plain
  -- schedule unless the receiver holds a URL for every task
  local slots, heard = {}, {}
  for id in pairs(o.receiver and pending or {}) do
    slots[id] = o.receiver:slot_of(id)
    if not slots[id] then
      without_receiver(o, args)
      break
    end
  end
  local receiver = o.receiver
  local results, snaps, last = {}, {}, {}
  local start = core.monotime()
  local deadline = start + o.timeout
  local delay, attempt = receiver and o.max_interval or o.interval, 0
  local stop_reason
  local last_look = false -- as in wait: the last pause slept out to the deadline
  -- change events are worked out for on_change and for the stall watch
  local watching = o.on_change ~= nil or o.stall ~= nil
  local watches, retrying, told_no_flag = {}, {}, false
  local function query_of(id)
    return {task_id = id, bk_biz_id = pending[id], scope = args.scope}
  end
  -- each result, with what was heard of the task; its callback URL forgotten
  -- unless the task goes on (the wait ran out of time, or stopped early)
  local function settle(id, r, goes_on)
    if r[1] then
      r[1].callback = heard[id]
      if o.outputs and r[1].state == "FINISHED" then
        add_outputs(c, query_of(id), r[1], heard[id], deadline - core.monotime())
      end
    end
    results[id] = r
    if receiver and not goes_on then receiver:forget(slots[id]) end
  end
  while count > 0 do
    attempt = attempt + 1
    if not is_open(c) then
      for id in pairs(pending) do settle(id, packed(closed_error("wait_all"))) end
      return results
    end
    local retry_after
    -- this round's batches: at most BATCH pending ids of one business each,
    -- all sent at once
    local calls, batches = {}, {}
    for _, biz in ipairs(order) do
      local ids = {}
      for _, id in ipairs(groups[biz]) do
        if pending[id] then ids[#ids + 1] = id end
      end
      for first = 1, #ids, BATCH do
        local batch = {unpack(ids, first, math.min(first + BATCH - 1, #ids))}
        local api_name, params = client.params(c, "get_tasks_status", {task_id_list = batch, bk_biz_id = biz,
          scope = args.scope, include_children_status = watching or args.children == true})
        calls[#calls + 1] = {api_name, params}
        batches[#batches + 1] = {ids = batch, biz = biz}
      end
    end
    local called_at, budget = core.monotime(), math.max(deadline - core.monotime(), 0.001)
    local answers = c:call_many(calls, budget)
    local round_error -- a batch's failure this round that the next round tries again
    local failed = {} -- the ids that read FAILED this round: final unless bk-sops retries a node
    for b, batch in ipairs(batches) do
      local list, message, err = answers[b][1], answers[b][2], answers[b][3]
      if stop_reason then break end
      if list and (type(list) ~= "table" or not check.is_sequence(list)) then
        list, message, err = shape_error("get_tasks_status", "the answer's data is not a list of tasks")
      end
      if list then
        local seen = {}
        for _, item in ipairs(list) do
          local id = type(item) == "table" and item.id
          local status = type(item) == "table" and item.status
          if id and pending[id] and not is_status(status) then
            seen[id] = true
            settle(id, packed(shape_error("get_tasks_status", string.format("the answer's status of task %d is "
              .. "not a task status (an object with a state)", id))))
            pending[id] = nil
            count = count - 1
          elseif id and pending[id] then
            seen[id] = true
            last[id] = status
            local evs = {}
            if watching then
              evs, snaps[id] = events.diff(id, snaps[id], status, core.time())
              if o.on_change then
                for _, ev in ipairs(evs) do o.on_change(ev) end
              end
            end
            watches[id] = watches[id] or {}
            local verdict, idle = stall_check(o, watches[id], status.state, #evs > 0, core.monotime(), retrying[id])
            if verdict == "warn" then stall_warning(o, id, idle, status) end
            if status.state == "FAILED" and o.until_states.FAILED then
              failed[#failed + 1] = id
            elseif verdict == "stalled" then
              settle(id, packed(stalled_error("wait_all", id, o, status)), true)
              pending[id] = nil
              count = count - 1
            elseif o.until_states[status.state] then
              settle(id, packed(status))
              pending[id] = nil
              count = count - 1
              if args.fail_fast and STOPPING[status.state] then
                stop_reason = string.format("task %d ended %s", id, status.state)
              end
            end
          end
        end
        for _, id in ipairs(batch.ids) do
          if not seen[id] and pending[id] then
            settle(id, packed(fail({kind = "api", api = "get_tasks_status", code = 3540400, retryable = false,
              message = string.format("task %d not found in business %d", id, batch.biz)})))
            pending[id] = nil
            count = count - 1
          end
        end
      elseif err.retryable then
        retry_after = math.max(retry_after or 0, err.retry_after or 0)
        round_error = err
      else
        for _, id in ipairs(batch.ids) do
          settle(id, packed(nil, message, err))
          pending[id] = nil
          count = count - 1
        end
      end
    end
    -- the tasks that read FAILED: one look each at whether bk-sops will
    -- retry a node by itself (the batch call cannot say)
    for _, id in ipairs(failed) do
      if stop_reason then break end
      local ids, answer = auto_retries(c, query_of(id), deadline - core.monotime())
      if answer == "unknown" and not told_no_flag then
        told_no_flag = true
        note(o, "auto_retry_unknown", id, NO_FLAG)
      end
      if (ids and #ids == 0 and answer.state == "FAILED") or answer == "unknown" then
        retrying[id] = nil
        settle(id, packed(last[id]))
        pending[id] = nil
        count = count - 1
        if args.fail_fast then stop_reason = string.format("task %d ended FAILED", id) end
      elseif ids and #ids > 0 then
        local key = table.concat(ids, ",")
        if key ~= retrying[id] then
          note(o, "auto_retry", id, string.format("bk-sops will retry node%s %s by itself: waiting on",
            #ids > 1 and "s" or "", named(answer, ids)), {nodes = ids})
        end
        retrying[id] = key
      end
    end
    if o.on_poll then
      -- (a failed round is said only when the next one will try again)
      if deadline - core.monotime() <= 0 or out_of_time(round_error, called_at, budget) then round_error = nil end
      o.on_poll(last, {attempt = attempt, elapsed = core.monotime() - start, pending = count, error = round_error})
    end
    if stop_reason then
      for id in pairs(pending) do
        settle(id, packed(fail({kind = "cancelled", api = "wait_all", retryable = false, status = last[id],
          message = "wait_all stopped early: " .. stop_reason})), true)
      end
      return results
    end
    if count == 0 then break end
    local remaining = deadline - core.monotime()
    if remaining <= 0 or last_look then
      for id in pairs(pending) do
        local _, _, e = timeout_error("wait_all", string.format("task %d did not reach %s within %g s "
          .. "(last state %s)", id, state_list(o), o.timeout, last[id] and last[id].state or "unknown"), last[id])
        if o.on_timeout then act_at_deadline(c, o, query_of(id), e) end
        settle(id, packed(fail(e)), true)
      end
      return results
    end
    local waiting = {}
    if receiver then
      for id in pairs(pending) do waiting[#waiting + 1] = slots[id] end
    end
    local until_next = remaining
    for id in pairs(pending) do until_next = math.min(until_next, stall_left(o, watches[id] or {}) or remaining) end
    local woke, whole
    local nap = next_delay(o, delay, until_next, retry_after)
    delay, woke, whole = pause(o, args, nap, delay, waiting, deadline, retry_after)
    last_look = whole and nap >= remaining
    if woke then
      for id in pairs(pending) do heard[id] = receiver:take(slots[id]) or heard[id] end
    end
  end
  return results
end

return M
