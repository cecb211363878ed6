-- Waiting in `bksops wait`, `bksops start --wait` and `bksops run --wait`: the
-- live view on a terminal, event lines off one, JSON Lines with --events,
-- and the exit code of the outcome.
local sops = require "sops"
local core = require "sops.core"
local render = require "sops.cli.render"
local live = require "sops.cli.live"
local eta = require "sops.cli.eta"
local context = require "sops.cli.context"
local nodes = require "sops.nodes"

local EXIT = context.EXIT
local M = {}

-- An event as one JSON object (no node table: its state is in `to`); a
-- note (an automatic retry, a stall warning) with its kind and message.
local function event_json(ev)
  if ev.kind ~= "change" then
    return sops.encode({at = ev.at, task_id = ev.task_id, kind = ev.kind, message = ev.message,
      nodes = ev.nodes and setmetatable(ev.nodes, core.array_mt) or nil})
  end
  return sops.encode({at = ev.at, task_id = ev.task_id, node_id = ev.node_id, name = ev.name,
    path = ev.path and setmetatable(ev.path, core.array_mt) or nil, from = ev.from, to = ev.to,
    retry = ev.node and ev.node.retry or nil})
end

-- What to do with each event: JSON Lines on stderr (--events), a line
-- of text off a terminal; under the live view, notes only, as its note.
local function on_change(ctx, view)
  if ctx.flags.events then
    return function(ev) ctx.err:write(render.json_for_terminal(event_json(ev)), "\n") end
  end
  if view then
    return function(ev)
      if ev.kind ~= "change" then view:note(render.event_line(ev, ctx.paint)) end
    end
  end
  return function(ev)
    -- (events and gateways have no name in bk-sops' status: shown only when they fail)
    if ev.kind == "change" and ev.node_id and (ev.name or "") == "" and ev.to ~= "FAILED" then return end
    ctx:say(render.event_line(ev, ctx.paint))
  end
end

-- How the command names a failed node in a hint: its name where that names
-- it alone, else its id; quoted for the shell where it needs it.
local function node_word(status, f)
  local word = f.node.name
  if type(word) ~= "string" or word == "" or nodes.resolve(status, word) ~= f.id then word = f.id end
  if word:find("^[%w_./-]+$") then return word end
  return "'" .. word:gsub("'", "'\\''") .. "'"
end

-- After a deadline: the task goes on in bk-sops (unless on_timeout revoked it).
local function goes_on(ctx, task_id, err)
  if err.kind ~= "timeout" then return end
  if err.on_timeout and err.on_timeout.done and err.on_timeout.action == "revoke" then return end
  ctx:warn(string.format("task %d goes on in bk-sops: bksops wait %d watches it again", task_id, task_id))
end

-- The wait's options from the command's: --stall, --on-timeout, --outputs,
-- --node and --until, beside --timeout and --interval.
local function wait_options(a, extra)
  local o = {timeout = a.timeout, interval = a.interval, stall = a.stall, on_timeout = a.on_timeout,
    outputs = a.outputs or nil, node = a.node}
  if a["until"] then
    o.until_states = {}
    for state in a["until"]:gmatch("[^,%s]+") do o.until_states[#o.until_states + 1] = state:upper() end
  end
  for k, v in pairs(extra) do o[k] = v end
  return o
end

-- A FINISHED task's outputs, a line each: "output KEY (NAME) = VALUE".
local function say_outputs(ctx, status)
  if status.outputs_error then ctx:warn("outputs: " .. render.one_line(status.outputs_error)) end
  for _, out in ipairs(type(status.outputs) == "table" and status.outputs or {}) do
    if type(out) == "table" then
      local value = type(out.value) == "string" and out.value or sops.encode(out.value)
      ctx:say(string.format("output %s%s = %s", render.one_line(tostring(out.key)),
        type(out.name) == "string" and out.name ~= "" and (" (" .. render.one_line(out.name) .. ")") or "",
        render.one_line(value)))
    end
  end
end

local function terminal_size() return core.term_size(1) end

local function ended_code(state)
  if state == "FINISHED" then return EXIT.OK end
  return EXIT.ENDED_BADLY
end

-- the live view, on a terminal without --json
local function new_view(ctx)
  if not ctx.tty or ctx:document() or ctx.output.quiet then return nil end
  return live.new(ctx.out, ctx.paint, {size = ctx.term_size or terminal_size})
end

-- the live view's sleep, which redraws on a resize (a callback receiver
-- sleeps in its own way)
local function resizing(view, a)
  if not view or a.receiver then return nil end
  return function(seconds) return view:sleep(seconds) end
end

-- the task's detail (its pipeline_tree's activities: the bar's total), or nil
local function task_detail(c, task_id)
  local detail = c:get_task_detail{task_id = task_id}
  return type(detail) == "table" and detail or nil
end

local function pipeline_tree(c, task_id)
  local detail = task_detail(c, task_id)
  return detail and type(detail.pipeline_tree) == "table" and detail.pipeline_tree or nil
end

-- Waits for one task. a: the parsed arguments (timeout, interval, json).
-- Returns the exit code; `extra` goes into the JSON document (bksops run's
-- task id and URL), where the status is then its `status`.
function M.one(ctx, c, task_id, a, extra)
  ctx.waiting = {task_id}
  local view = new_view(ctx)
  if view then
    -- something on the screen at once, before any answer (a server that
    -- does not answer keeps this call for up to --request-timeout)
    view:draw({string.format("task %d  %s", task_id, ctx.paint("dim", "asking bk-sops for its status"))})
    local detail = task_detail(c, task_id)
    view.tree = detail and type(detail.pipeline_tree) == "table" and detail.pipeline_tree or nil
    -- how long its nodes took before, where bk-sops keeps that
    view.means = eta.load(c, detail)
  end
  local failures = 0
  local status, _, err = c:wait(wait_options(a, {
    task_id = task_id, callback = a.receiver, sleep = resizing(view, a),
    on_change = on_change(ctx, view),
    on_poll = function(st, info)
      if not st then
        -- a failure the wait tries again: said at once, not at the deadline
        local text = render.retrying(info.error, failures, ctx.paint)
        failures = failures + 1
        if view then view:note(text) else ctx:note(os.date("%H:%M:%S ") .. "task " .. task_id .. " " .. text) end
        return
      end
      failures = 0
      if view then view:draw(view:lines(task_id, st)) end
    end,
  }))
  ctx.waiting = nil
  if view then view:finish() end
  local function document(st)
    if not extra then return st end
    extra.status = st
    return extra
  end
  if not status then
    if err.status and ctx:document() then ctx:emit(document(err.status)) end
    local code = ctx:fail(err)
    goes_on(ctx, task_id, err)
    return code
  end
  if ctx:document() then
    if not ctx:emit(document(status)) then return EXIT.TRANSPORT end
  elseif status.state ~= "FINISHED" then
    for _, f in ipairs(sops.failed_nodes(status)) do
      local ex = type(status.ex_data) == "table" and status.ex_data[f.id] or ""
      ctx:say(string.format("failed node %s (%s): %s", f.node.name, f.id, render.one_line(ex)))
    end
    local failed = sops.failed_nodes(status)
    if status.state == "FAILED" and failed[1] then
      local word = node_word(status, failed[1])
      ctx:say(string.format("(bksops node %d %s shows its inputs and error; bksops retry %d %s retries it)",
        task_id, word, task_id, word))
    end
  end
  if a.node then
    local node = status.node
    ctx:say(string.format("task %d node %s (%s) reached %s", task_id, render.one_line(node.name or a.node),
      tostring(node.id), node.state))
    return EXIT.OK
  end
  if a.outputs and not ctx:document() then say_outputs(ctx, status) end
  ctx:say(string.format("task %d ended %s", task_id, status.state))
  return ended_code(status.state)
end

-- Waits for several tasks: one line each on a terminal.
function M.many(ctx, c, ids, a)
  ctx.waiting = ids
  local view = new_view(ctx)
  if view then
    view:draw(view:many_lines({}, ids))
    -- the bars' totals, for the tasks a screen shows
    local _, rows = (ctx.term_size or terminal_size)()
    for i, id in ipairs(ids) do
      if i > (rows or 24) then break end
      view:set_tree(id, pipeline_tree(c, id))
    end
  end
  local asked, failures = {}, 0
  if a.node then return ctx:usage("--node: one task only") end
  local results = c:wait_all(wait_options(a, {
    task_ids = ids, children = view ~= nil, sleep = resizing(view, a),
    on_change = on_change(ctx, view),
    on_poll = function(last, info)
      if info.error then
        -- a round that failed and is tried again: said at once
        local text = render.retrying(info.error, failures, ctx.paint)
        failures = failures + 1
        if view then view:note(text) else ctx:note(os.date("%H:%M:%S ") .. text) end
        return
      end
      failures = 0
      if not view then return end
      for _, id in ipairs(ids) do
        -- why a task failed: its failed nodes' errors, asked once
        local st = last[id]
        if st and st.state == "FAILED" and not asked[id] then
          asked[id] = true
          local full = c:get_task_status{task_id = id, with_ex_data = true}
          local why = {}
          for _, f in ipairs(full and sops.failed_nodes(full) or {}) do
            local ex = type(full.ex_data) == "table" and full.ex_data[f.id] or ""
            why[#why + 1] = f.node.name .. (ex ~= "" and (": " .. render.one_line(ex)) or "")
          end
          if #why > 0 then view:set_reason(id, table.concat(why, "; ")) end
        end
      end
      view:draw(view:many_lines(last, ids))
    end,
  }))
  ctx.waiting = nil
  if view then view:finish() end
  local worst, json = EXIT.OK, {}
  for _, id in ipairs(ids) do
    local r, message, err = results[id][1], results[id][2], results[id][3]
    local code
    if not r then
      code = context.code_for(err)
      ctx:warn(string.format("task %d: %s", id, message))
      goes_on(ctx, id, err)
    else
      code = ended_code(r.state)
      if a.outputs and not ctx:document() then say_outputs(ctx, r) end
      ctx:say(string.format("task %d ended %s", id, r.state))
      json[tostring(id)] = r
    end
    -- report the most serious outcome: ended badly < deadline < refused < transport
    if code > worst then worst = code end
  end
  if ctx:document() and not ctx:emit(json) then return EXIT.TRANSPORT end
  return worst
end

return M
