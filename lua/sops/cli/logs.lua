-- The commands of `bksops` that read why a task failed and what its nodes
-- logged: why and logs. Each is run(ctx, client, args) -> exit code.
local sops = require "sops"
local core = require "sops.core"
local compat = require "sops.compat"
local nodes = require "sops.nodes"
local tree = require "sops.tree"
local render = require "sops.cli.render"
local read = require "sops.cli.read"
local context = require "sops.cli.context"

local EXIT = context.EXIT
local M = {}

-- The components whose log JOB keeps (get_node_job_executed_log's
-- JOB_INST_ID_MAP and JOB_INST_ID_IN_LIST_MAP): their log is JOB's.
local JOB = {
  job_fast_execute_script = true, job_local_content_upload = true, job_execute_task = true,
  all_biz_job_fast_execute_script = true, all_biz_execute_job_plan = true, job_cc_execute_script = true,
  job_fast_push_file = true, job_push_local_files = true, all_biz_job_fast_push_file = true,
}
M.JOB = JOB

-- id -> component code of every activity of a task's pipeline_tree,
-- subprocesses' trees included.
local function components(pipeline_tree)
  local out = {}
  tree.each_activity(pipeline_tree, function(id, a)
    if type(a.component) == "table" and type(a.component.code) == "string" then out[id] = a.component.code end
  end)
  return out
end

-- The task's component codes by node id; nil, exit code after saying why.
local function codes_of(ctx, c, task_id)
  local detail, _, err = c:get_task_detail{task_id = task_id}
  if not detail then return nil, ctx:fail(err) end
  return components(type(detail) == "table" and detail.pipeline_tree), detail
end

-- page_size of get_task_node_log's pages, and the most pages read
local PAGE_SIZE, MAX_PAGES = 500, 100

-- A node's log: its text, or nil, message, err. A JOB node's is JOB's
-- (get_node_job_executed_log answers it in `logs`, not `data`), the rest
-- bk-sops' own, of the node's current attempt (its version), every page.
local function fetch(c, task_id, node_id, code, version)
  if JOB[code] then
    local ok, message, response = c:get_node_job_executed_log{task_id = task_id, node_id = node_id}
    if not ok then return nil, message, response end
    local logs = type(response) == "table" and response.logs
    return type(logs) == "string" and logs or ""
  end
  local parts = {}
  for page = 1, MAX_PAGES do
    local text, message, response = c:get_task_node_log{task_id = task_id, node_id = node_id, page = page,
      page_size = PAGE_SIZE, version = type(version) == "string" and version ~= "" and version or nil}
    if not text then return nil, message, response end
    if type(text) == "string" and text ~= "" then parts[#parts + 1] = text end
    -- (the database source answers every line at once, with an empty page)
    local info = type(response) == "table" and response.page
    local total = type(info) == "table" and tonumber(info.total)
    if not total or page * PAGE_SIZE >= total then break end
  end
  return table.concat(parts, "\n")
end

-- The last n lines of text, and whether some were left out.
local function tail(text, n)
  local lines = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  if lines[#lines] == "" then lines[#lines] = nil end
  local first = math.max(1, #lines - n + 1)
  local out = {}
  for i = first, #lines do out[#out + 1] = lines[i] end
  return out, first > 1
end

-- bksops why TASK [--lines N]: every failed node, its path, error, retries
-- and the end of its log.
function M.why(ctx, c, a)
  local status, _, err = c:get_task_status{task_id = a.TASK, with_ex_data = true}
  if not status then return ctx:fail(err) end
  -- the failed leaves, each with its path of names
  local failed = {}
  for _, f in ipairs(sops.failed_nodes(status)) do
    local _, e = nodes.resolve(status, f.id)
    failed[#failed + 1] = {id = f.id, node = f.node, name = f.node.name, path = type(e) == "table" and e.path or f.id}
  end
  local doc = {task_id = a.TASK, state = status.state, name = status.name,
    failed = setmetatable({}, core.array_mt)}
  if #failed == 0 then
    return ctx:show(doc, function()
      return {string.format("task %d has not failed: it is %s", a.TASK, tostring(status.state))}
    end)
  end
  local codes, code = codes_of(ctx, c, a.TASK)
  if not codes then return code end
  local short = nodes.short_ids(status)
  for _, f in ipairs(failed) do
    local ex = type(status.ex_data) == "table" and status.ex_data[f.id] or nil
    local entry = {id = f.id, short_id = short[f.id], name = f.name, path = f.path, component = codes[f.id],
      ex_data = type(ex) == "string" and ex or nil, retry = tonumber(f.node.retry) or 0}
    local text, message = fetch(c, a.TASK, f.id, codes[f.id], f.node.version)
    if text then
      local lines, cut = tail(text, a.lines)
      entry.log = setmetatable(lines, core.array_mt)
      entry.log_cut = cut
    else
      entry.log_error = message
    end
    doc.failed[#doc.failed + 1] = entry
  end
  return ctx:show(doc, function()
    local p = ctx.paint
    local out = {string.format("task %d  %s  %s  (%d failed node%s)", a.TASK, p("bold", tostring(status.name)),
      p(status.state, tostring(status.state)), #failed, #failed > 1 and "s" or "")}
    for _, e in ipairs(doc.failed) do
      out[#out + 1] = ""
      out[#out + 1] = string.format("%s (%s)  %s%s%s", p("bold", e.path), e.short_id, p("FAILED", "FAILED"),
        e.retry > 0 and string.format("  retried %d time%s", e.retry, e.retry > 1 and "s" or "") or "",
        e.component and ("  " .. e.component) or "")
      out[#out + 1] = "  error: " .. (e.ex_data and e.ex_data ~= "" and render.one_line(e.ex_data) or "-")
      if e.log_error then
        out[#out + 1] = "  log: " .. render.one_line(e.log_error)
      elseif #e.log == 0 then
        out[#out + 1] = "  log: -"
      else
        out[#out + 1] = e.log_cut and string.format("  log (the last %d lines):", #e.log) or "  log:"
        for _, line in ipairs(e.log) do out[#out + 1] = "    " .. line end
      end
    end
    local first = doc.failed[1]
    out[#out + 1] = ""
    out[#out + 1] = string.format("(bksops logs %d %s shows a node's whole log; bksops retry %d %s retries it; "
      .. "bksops rerun %d runs the task again)", a.TASK, first.short_id, a.TASK, first.short_id, a.TASK)
    return out
  end)
end

-- bksops logs TASK NODE [--follow]: a node's whole log; --follow polls
-- it, printing only what is new, until the node is no longer RUNNING.
function M.logs(ctx, c, a)
  local id, entry = read.find_node(ctx, c, a.TASK, a.NODE)
  if not id then return entry end
  local codes, code = codes_of(ctx, c, a.TASK)
  if not codes then return code end
  local component = codes[id]
  local node = entry.node
  local text, _, err = fetch(c, a.TASK, id, component, node.version)
  if not text then return ctx:fail(err) end
  if not a.follow then
    return ctx:show({task_id = a.TASK, node_id = id, path = entry.path, component = component, state = node.state,
      log = text}, function()
      local lines = {}
      for line in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
      if lines[#lines] == "" then lines[#lines] = nil end
      return lines
    end)
  end
  -- --follow: what is new each poll (the whole log again when it is not
  -- a continuation of the last: a new attempt's), until the node is done;
  -- with --json, one JSON object a line, each with its new text
  local sleep = compat.default_sleep()
  local shown = ""
  local function emit(new)
    if new == "" or ctx.output.quiet then return end
    if ctx:document() then
      ctx:emit({task_id = a.TASK, node_id = id, state = node.state, log = new})
    else
      ctx.out:write(render.terminal(new), new:sub(-1) == "\n" and "" or "\n")
      ctx.out:flush()
    end
  end
  while true do
    if text:sub(1, #shown) == shown then emit((text:sub(#shown + 1):gsub("^\n", ""))) else emit(text) end
    shown = text
    if node.state ~= "RUNNING" then break end
    sleep(a.interval)
    local status, _, serr = c:get_task_status{task_id = a.TASK}
    if not status then return ctx:fail(serr) end
    local _, now = nodes.resolve(status, id)
    if type(now) == "table" then node = now.node end
    local again, _, ferr = fetch(c, a.TASK, id, component, node.version)
    if not again then return ctx:fail(ferr) end
    text = again
  end
  ctx:note(string.format("task %d node %s (%s) is %s", a.TASK, entry.path, id, tostring(node.state)))
  return EXIT.OK
end

return M
