-- The commands of `bksops` that only read: templates, show, status, node,
-- api (any call) and completion (tasks: sops.cli.tasks). Each is run(ctx, client, args) ->
-- exit code.
local sops = require "sops"
local api = require "sops.api"
local render = require "sops.cli.render"
local nodes = require "sops.nodes"
local tree = require "sops.tree"
local context = require "sops.cli.context"

local EXIT = context.EXIT
local M = {}

-- bksops templates [--keyword K]
function M.templates(ctx, c, a)
  local list, _, err = c:get_template_list{name_keyword = a.keyword}
  if not list then return ctx:fail(err) end
  local wide = ctx.output.format == "wide"
  return ctx:show(list, function()
    local lines = {}
    local function row(id, category, name, creator, editor, edited)
      local line = string.format("%-8s %-12s ", id, category)
      if wide then line = line .. string.format("%-12s %-12s %-25s ", creator, editor, edited) end
      lines[#lines + 1] = line .. name
    end
    if ctx:headers() then row("ID", "CATEGORY", "NAME", "CREATOR", "EDITOR", "EDITED") end
    for _, t in ipairs(list) do
      row(tostring(t.id), tostring(t.category), tostring(t.name), render.cell(t.creator), render.cell(t.editor),
        render.cell(t.edit_time))
    end
    return lines
  end)
end

-- A value as one line of text: strings as they are, the rest as JSON.
local function text(v)
  if type(v) == "string" then return render.one_line(v) end
  local ok, s = pcall(sops.encode, v)
  return ok and s or tostring(v)
end

-- "  key  name  value" lines of a task's constants (by their index).
local function constant_lines(constants)
  local list = {}
  for key, c in pairs(type(constants) == "table" and constants or {}) do
    if type(c) == "table" then list[#list + 1] = {key = key, c = c} end
  end
  table.sort(list, function(x, y)
    local a, b = tonumber(x.c.index) or math.huge, tonumber(y.c.index) or math.huge
    if a ~= b then return a < b end
    return x.key < y.key
  end)
  local lines = {}
  for _, e in ipairs(list) do
    lines[#lines + 1] = string.format("  %-20s %-20s %s", e.key, tostring(e.c.name or ""), text(e.c.value))
  end
  return lines
end

-- outputs: a list of {key, name, value}
local function output_lines(outputs)
  local lines = {}
  for _, o in ipairs(type(outputs) == "table" and outputs or {}) do
    if type(o) == "table" then
      lines[#lines + 1] = string.format("  %-20s %-20s %s", tostring(o.key or ""), tostring(o.name or ""),
        text(o.value))
    end
  end
  return lines
end

local function section(lines, title, body)
  lines[#lines + 1] = title .. ":" .. (#body == 0 and " -" or "")
  for _, l in ipairs(body) do lines[#lines + 1] = l end
end

-- bksops show TASK: the detail, with the state from the status
function M.show(ctx, c, a)
  local detail, _, err = c:get_task_detail{task_id = a.TASK}
  if not detail then return ctx:fail(err) end
  local status, _, serr = c:get_task_status{task_id = a.TASK}
  if not status then return ctx:fail(serr) end
  if type(detail) == "table" then detail.state = status.state end
  return ctx:show(detail, function()
    local p = ctx.paint
    local lines = {string.format("task %d  %s  %s  %s", a.TASK, p("bold", tostring(detail.name)),
      p(status.state, tostring(status.state)), render.duration(detail.elapsed_time))}
    local function field(label, v)
      if v ~= nil and v ~= "" and v ~= sops.null then lines[#lines + 1] = string.format("%-10s %s", label, text(v)) end
    end
    field("template", detail.template_id)
    field("creator", detail.creator)
    field("executor", detail.executor)
    field("created", detail.create_time)
    field("started", detail.start_time)
    field("finished", detail.finish_time)
    field("url", detail.task_url)
    section(lines, "constants", constant_lines(detail.constants))
    section(lines, "outputs", output_lines(detail.outputs))
    return lines
  end)
end

-- Resolves a node as a person names it (id, unique id prefix, name, path)
-- in the task's status: id, entry; or nil, exit code after saying why.
function M.find_node(ctx, c, task_id, word)
  local status, _, err = c:get_task_status{task_id = task_id}
  if not status then return nil, ctx:fail(err) end
  local id, entry = nodes.resolve(status, word)
  if not id then return nil, ctx:usage(entry) end
  return id, entry, status
end

-- bk-sops names the nodes under a subprocess_id from the root's activities
-- alone, so every inner node comes back named "": their names from the
-- task's pipeline tree, subprocesses included (a failed read leaves them
-- unnamed, as --all shows them).
local function name_inner(c, task_id, status)
  local detail = c:get_task_detail{task_id = task_id}
  local pipeline_tree = type(detail) == "table" and detail.pipeline_tree or nil
  local names = {}
  local function gateways(pipeline)
    local list = type(pipeline) == "table" and pipeline.gateways
    for id, gw in pairs(type(list) == "table" and list or {}) do
      if type(gw) == "table" and type(gw.name) == "string" and gw.name ~= "" then names[id] = gw.name end
    end
  end
  gateways(pipeline_tree)
  tree.each_activity(pipeline_tree, function(id, act)
    if type(act.name) == "string" and act.name ~= "" then names[id] = act.name end
    gateways(act.pipeline)
  end)
  tree.walk(status, function(node, id, depth)
    if depth > 0 and (node.name == nil or node.name == "") and names[id] then node.name = names[id] end
  end)
end

-- bksops status TASK [--subprocess NODE]
function M.status(ctx, c, a)
  local sub = a.subprocess
  if sub then
    local code
    sub, code = M.find_node(ctx, c, a.TASK, sub)
    if not sub then return code end
  end
  local status, _, err = c:get_task_status{task_id = a.TASK, with_ex_data = true, subprocess_id = sub}
  if not status then return ctx:fail(err) end
  if sub then name_inner(c, a.TASK, status) end
  return ctx:show(status, function()
    return render.tree_lines(status, {all = a.all, paint = ctx.paint, short = nodes.short_ids(status)})
  end)
end

-- bksops node TASK NODE: inputs, outputs, error and attempts
function M.node(ctx, c, a)
  local id, entry = M.find_node(ctx, c, a.TASK, a.NODE)
  if not id then return entry end
  local args = {task_id = a.TASK, node_id = id}
  if #entry.stack > 0 then args.subprocess_stack = entry.stack end
  local d, _, err = c:get_task_node_detail(args)
  if not d then return ctx:fail(err) end
  -- (-o name: the node's id)
  return ctx:show(d, function()
    local p = ctx.paint
    local extra = {}
    if (tonumber(d.retry) or 0) > 0 then extra[#extra + 1] = "retry " .. d.retry end
    if d.skip == true then extra[#extra + 1] = "skipped" end
    local lines = {string.format("node %s (%s)  %s  %s%s", entry.path, id, p(d.state, tostring(d.state)),
      render.duration(d.elapsed_time), #extra > 0 and ("  (" .. table.concat(extra, ", ") .. ")") or "")}
    local inputs = {}
    local keys = {}
    for k in pairs(type(d.inputs) == "table" and d.inputs or {}) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do inputs[#inputs + 1] = string.format("  %-20s %s", k, text(d.inputs[k])) end
    section(lines, "inputs", inputs)
    section(lines, "outputs", output_lines(d.outputs))
    if type(d.ex_data) == "string" and d.ex_data ~= "" then
      section(lines, "error", {"  " .. p("FAILED", render.one_line(d.ex_data))})
    end
    local hist = {}
    for i, h in ipairs(type(d.histories) == "table" and d.histories or {}) do
      if type(h) == "table" then
        hist[#hist + 1] = string.format("  #%d %s  %s -> %s  %s%s", i, p(h.state, tostring(h.state)),
          text(h.start_time), text(h.finish_time), render.duration(h.elapsed_time),
          type(h.ex_data) == "string" and h.ex_data ~= "" and ("  " .. render.one_line(h.ex_data)) or "")
      end
    end
    section(lines, "history", hist)
    return lines
  end, {id})
end

-- A command-line value as the field's kind takes it: ids and strings as
-- given (ids are checked by the call), numbers and booleans by their text,
-- lists and objects as JSON. nil, why when it cannot be one.
local function field_value(kind, value)
  if kind == "integer" or kind == "count" then
    local n = tonumber(value)
    if not n or n ~= math.floor(n) then return nil, "an integer expected" end
    return n
  elseif kind == "boolean" then
    if value == "true" then return true elseif value == "false" then return false end
    return nil, "true or false expected"
  elseif kind == "list" or kind == "ids" or kind == "object" or kind == "any" then
    local ok, v = pcall(sops.decode, value)
    if not ok or (kind ~= "any" and type(v) ~= "table") then return nil, "JSON expected" end
    return v
  end
  return value
end

-- bksops api NAME -p FIELD=VALUE...: any call of sops.api, its data as JSON
function M.api(ctx, c, a)
  local name = a.NAME
  local call = api.CALLS[name]
  if not call then return ctx:usage("unknown api '" .. name .. "' ('bksops api --help' lists them)") end
  local params = {}
  for _, p in ipairs(a.param or {}) do
    local k, v = p:match("^([%w_]+)=(.*)$")
    if not k then return ctx:usage("-p takes FIELD=VALUE, got '" .. p .. "'") end
    local f = call.fields[k]
    if not f then return ctx:usage(name .. " has no field '" .. k .. "'") end
    if params[k] ~= nil then
      return ctx:usage("-p " .. k .. " given twice (a list is one JSON value: -p " .. k .. "='[1,2]')")
    end
    local value, why = field_value(f[1], v)
    if value == nil then return ctx:usage(k .. ": " .. why) end
    params[k] = value
  end
  -- a node named as a person names it (a name, a path, an id prefix), as
  -- the node commands take it; an id as bk-sops writes it goes as it is
  -- (a node of a subprocess not reached yet is in no status)
  local word = params.node_id
  if call.fields.task_id and type(word) == "string" and params.task_id and not nodes.is_id(word) then
    local id, code = M.find_node(ctx, c, params.task_id, word)
    if not id then return code end
    params.node_id = id
  end
  local ok, value, _, response = pcall(c[name], c, params)
  if not ok then return ctx:bad_argument(value) end
  if value == nil then return ctx:fail(response) end
  if not ctx:emit(value) then return EXIT.TRANSPORT end
  return EXIT.OK
end

-- the calls, by group, for 'bksops api --help', in lines of at most WIDTH
local WIDTH = 96
function M.api_list()
  local lines = {"Calls (from lua/sops/api.lua; fields before ';' are required):"}
  for _, group in ipairs(api.GROUPS) do
    lines[#lines + 1] = "  " .. group .. ":"
    local names = {}
    for n, call in pairs(api.CALLS) do
      if api.BY_NAME[call.api].group == group then names[#names + 1] = n end
    end
    table.sort(names)
    for _, n in ipairs(names) do
      local req, opt = {}, {}
      for f, kind in pairs(api.CALLS[n].fields) do
        if f ~= "traceparent" and f ~= "scope" and f ~= "bk_biz_id" then
          table.insert(kind[2] and req or opt, f)
        end
      end
      table.sort(req)
      table.sort(opt)
      -- the fields wrapped under their column, so that no line is cut
      local words = {}
      for i, f in ipairs(req) do words[#words + 1] = f .. ((i == #req and #opt > 0) and ";" or "") end
      if #req == 0 and #opt > 0 then words[1] = ";" end
      for _, f in ipairs(opt) do words[#words + 1] = f end
      local line = string.format("    %-38s", n)
      for _, w in ipairs(words) do
        if #line + 1 + #w > WIDTH and #line > 43 then
          lines[#lines + 1] = line
          line = string.rep(" ", 42)
        end
        line = line .. " " .. w
      end
      lines[#lines + 1] = line
    end
  end
  return table.concat(lines, "\n")
end

return M
