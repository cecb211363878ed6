-- The template compiler: checks a template description and compiles it
-- into an executable pipeline (with fresh node ids) plus the web
-- pipeline_tree that create_task returns; also loads a file of them
-- (--templates). The templates served out of the box are data, in
-- sops.sim.templates.
--
-- A template is a table:
--   { id = 1, name = "...", category = "OpsTools", description = "",
--     constants = { {key = "${x}", name = "X", value = "1"}, ... },
--     outputs = { "${x}", ... },
--     steps = { step, ... } }
-- outputs: the constants that are the task's outputs (get_task_detail's
-- and a v2 callback's), with their values once the task has FINISHED.
-- A step is one of
--   activity:   { name = "...", duration = 2, inputs = {...}, outputs = {...},
--                 fail = { times = 1, ex_data = "...", retryable = true, skippable = true,
--                          when = { input = "value", ... } },
--                 error_ignorable = false, callback = true | { timeout = 30 },
--                 auto_retry = { times = 2, interval = 5 },
--                 component = "job_fast_execute_script" }
--               fail.when: fails only while each input it names has that value
--               (as rendered from the constants, or given by a retry).
--               auto_retry: the node's automatic-retry strategy (times capped
--               at 10, interval at 60, as bk-sops caps them).
--   subprocess: { name = "...", subprocess = { steps = {...} } }
--   gateway:    { name = "...", gateway = { take = 1, branches = { {name = "...", steps = {...}}, ... } } }
--               take = nil makes the gateway fail (no condition matched), so
--               skip_exg has to pick a branch.
local json = require "sops.sim.json"
local util = require "sops.sim.util"

local M = {}

-- bk-sops' caps on a node's automatic retries (gcloud/constants.py
-- TASKFLOW_NODE_AUTO_RETRY_MAX_TIMES and _MAX_INTERVAL): a strategy asking
-- for more gets these (domains/auto_retry.py min(...)).
M.AUTO_RETRY_MAX_TIMES, M.AUTO_RETRY_MAX_INTERVAL = 10, 60

local function check_auto_retry(a, here)
  if type(a) ~= "table" then error(here .. ".auto_retry: must be a table", 0) end
  for _, k in ipairs({"times", "interval"}) do
    local v = a[k]
    if v ~= nil and (math.type(v) ~= "integer" or v < 0) then
      error(here .. ".auto_retry." .. k .. ": must be a non-negative integer", 0)
    end
  end
end

-- A step's strategy as bk-sops stores it: {max_retry_times, interval}, or
-- nil for a step without one. (times defaults to the cap, interval to 0.)
function M.auto_retry(step)
  local a = step and step.auto_retry
  if not a then return nil end
  return {
    max_retry_times = math.min(a.times or M.AUTO_RETRY_MAX_TIMES, M.AUTO_RETRY_MAX_TIMES),
    interval = math.min(a.interval or 0, M.AUTO_RETRY_MAX_INTERVAL),
  }
end

local function check_steps(steps, where)
  if type(steps) ~= "table" then
    error(where .. ": steps must be a list", 0)
  end
  for i, step in ipairs(steps) do
    local here = where .. ".steps[" .. i .. "]"
    if type(step) ~= "table" then error(here .. ": must be a table", 0) end
    if step.name ~= nil and type(step.name) ~= "string" then error(here .. ".name: must be a string", 0) end
    if step.subprocess then
      check_steps(step.subprocess.steps, here .. ".subprocess")
    elseif step.gateway then
      local g = step.gateway
      if type(g.branches) ~= "table" or #g.branches == 0 then
        error(here .. ".gateway.branches: must be a non-empty list", 0)
      end
      for j, b in ipairs(g.branches) do
        check_steps(b.steps or {}, here .. ".gateway.branches[" .. j .. "]")
      end
      if g.take ~= nil and (math.type(g.take) ~= "integer" or not g.branches[g.take]) then
        error(here .. ".gateway.take: must be a branch number", 0)
      end
    else
      if step.duration ~= nil and (type(step.duration) ~= "number" or step.duration < 0) then
        error(here .. ".duration: must be a non-negative number", 0)
      end
      if step.fail ~= nil and step.fail ~= true and type(step.fail) ~= "table" then
        error(here .. ".fail: must be true or a table", 0)
      end
      if type(step.fail) == "table" and step.fail.when ~= nil then
        if type(step.fail.when) ~= "table" then error(here .. ".fail.when: must be a table of inputs' values", 0) end
        for k, v in pairs(step.fail.when) do
          if type(k) ~= "string" or type(v) ~= "string" then
            error(here .. ".fail.when: must map inputs' names to their values (strings)", 0)
          end
        end
      end
      if step.auto_retry ~= nil then check_auto_retry(step.auto_retry, here) end
    end
  end
end

-- Raises a readable message for a malformed template.
function M.check(t, where)
  where = where or "template"
  if type(t) ~= "table" then error(where .. ": must be a table", 0) end
  if math.type(t.id) ~= "integer" or t.id <= 0 then error(where .. ".id: must be a positive integer", 0) end
  if type(t.name) ~= "string" or t.name == "" then error(where .. ".name: must be a non-empty string", 0) end
  check_steps(t.steps, where)
  if t.outputs ~= nil then
    if type(t.outputs) ~= "table" then error(where .. ".outputs: must be a list of constants' keys", 0) end
    local known = {}
    for _, c in ipairs(t.constants or {}) do known[c.key] = true end
    for i, key in ipairs(t.outputs) do
      if not known[key] then
        error(string.format("%s.outputs[%d]: must be the key of one of the template's constants", where, i), 0)
      end
    end
  end
  return t
end

local function render(v, constants)
  if type(v) == "string" then
    return (v:gsub("%${[%w_]+}", function(k)
      local c = constants[k]
      if c == nil then return nil end
      return tostring(c)
    end))
  elseif type(v) == "table" then
    local out = {}
    for k, x in pairs(v) do out[k] = render(x, constants) end
    return out
  end
  return v
end
M.render = render

-- 31 hex digits that depend on `text` only (four rounds of 32-bit FNV-1a):
-- a template's node ids, the same for the same template and place in it.
local function stable_hex(text)
  local out = {}
  for round = 1, 4 do
    local h = 2166136261
    for i = 1, #text do
      h = ((h ~ text:byte(i)) * 16777619) & 0xffffffff
    end
    h = ((h ~ round) * 16777619) & 0xffffffff
    out[round] = string.format("%08x", h)
  end
  return table.concat(out):sub(1, 31)
end

-- The id of the node at `key` (its place: "3", "3/1", "4b2.1", "end") in
-- template t as the template's own pipeline tree has it: what a task's
-- activities carry as template_node_id (gcloud/template_base/utils.py
-- inject_template_node_id) and get_template_info answers.
-- (worked out once per template and place: a task of a large template is
-- compiled often)
local made = setmetatable({}, {__mode = "k"})
function M.template_node_id(t, key)
  local ids = made[t]
  if not ids or ids[1] ~= t.id then
    ids = {t.id}
    made[t] = ids
  end
  local id = ids[key]
  if not id then
    id = "n" .. stable_hex(tostring(t.id) .. ":" .. key)
    ids[key] = id
  end
  return id
end

-- Builds one level of pipeline. Returns the pdef and its web tree.
-- prefix: the keys of this level's nodes begin with it ("" at the top).
local function build(steps, pipeline_id, ctx, prefix)
  local pdef = {id = pipeline_id, nodes = {}}
  local tree = {
    activities = {}, gateways = {}, flows = {},
    constants = {}, outputs = json.array(),
  }
  local line, location = json.array(), json.array()
  local x = 80

  -- a node of this level at `key`: the template's own id (template mode),
  -- else one made from the seed (a task whose ids must be known beforehand),
  -- else a fresh one; its template_node_id, the template's, either way
  local function add(node, key)
    node.key = prefix .. key
    node.template_node_id = M.template_node_id(ctx.template, node.key)
    node.id = ctx.template_ids and node.template_node_id
      or ctx.seed and "n" .. stable_hex(ctx.seed .. ":" .. node.key) or util.node_id()
    node.pipeline = pdef
    pdef.nodes[#pdef.nodes + 1] = node
    ctx.all[node.id] = node
    return node
  end
  local incoming = {} -- node id -> list of flow ids
  local function connect(src, dst, name)
    local fid = ctx.template_ids and ("l" .. stable_hex(ctx.template.id .. ":" .. src.key .. ">" .. dst.key))
      or ctx.seed and ("l" .. stable_hex(ctx.seed .. ":" .. src.key .. ">" .. dst.key)) or util.flow_id()
    tree.flows[fid] = json.obj("id", fid, "source", src.id, "target", dst.id, "is_default", false)
    line[#line + 1] = json.obj("id", fid,
      "source", json.obj("id", src.id, "arrow", "Right"),
      "target", json.obj("id", dst.id, "arrow", "Left"))
    incoming[dst.id] = incoming[dst.id] or json.array()
    table.insert(incoming[dst.id], fid)
    return {id = fid, target = dst, name = name, source = src}
  end
  local function place(node, kind)
    location[#location + 1] = json.obj("id", node.id, "type", kind, "name", node.name ~= "" and node.name or nil,
      "x", x, "y", 150)
    x = x + 200
  end

  local start = add({type = "EmptyStartEvent", name = ""}, "start")
  pdef.start = start
  place(start, "startpoint")

  -- Lays out `list` after `prev`. `link` records the first flow leaving
  -- prev (a gateway files it under its branches). Returns the last node and
  -- the function that records the flow leaving it.
  -- (keys: the step's number in `list`, after `at`)
  local function chain(list, prev, link, at)
    link = link or function(f) prev.next_flow = f end
    for n, step in ipairs(list) do
      local node
      local key = at .. n
      if step.subprocess then
        node = add({type = "SubProcess", name = step.name or "subprocess", step = step}, key)
        node.sub, node.subtree = build(step.subprocess.steps, node.id, ctx, node.key .. "/")
        place(node, "subflow")
      elseif step.gateway then
        node = add({type = "ExclusiveGateway", name = step.name or "", step = step, flows = {}}, key)
        place(node, "branchgateway")
      else
        node = add({type = "ServiceActivity", name = step.name or "task", step = step}, key)
        place(node, "tasknode")
      end
      link(connect(prev, node))
      if node.type == "ExclusiveGateway" then
        local converge = add({type = "ConvergeGateway", name = ""}, key .. "c")
        for i, b in ipairs(step.gateway.branches) do
          local name = b.name or ("branch " .. i)
          local last, last_link = chain(b.steps or {}, node, function(f)
            f.name = name
            node.flows[i] = f
          end, key .. "b" .. i .. ".")
          last_link(connect(last, converge))
        end
        place(converge, "convergegateway")
        node.converge = converge
        prev = converge
      else
        prev = node
      end
      local p = prev
      link = function(f) p.next_flow = f end
    end
    return prev, link
  end

  local last, link = chain(steps, start, nil, "")
  local finish = add({type = "EmptyEndEvent", name = ""}, "end")
  pdef.finish = finish
  link(connect(last, finish))
  place(finish, "endpoint")

  -- web tree entries, now that every flow is known
  for _, node in ipairs(pdef.nodes) do
    local inc = incoming[node.id] or json.array()
    local out = node.next_flow and node.next_flow.id or ""
    if node.type == "EmptyStartEvent" then
      tree.start_event = json.obj("id", node.id, "type", node.type, "name", "", "incoming", "", "outgoing", out)
    elseif node.type == "EmptyEndEvent" then
      tree.end_event = json.obj("id", node.id, "type", node.type, "name", "", "incoming", inc, "outgoing", "")
    elseif node.type == "ServiceActivity" then
      local step = node.step
      local data = json.obj()
      for k, v in pairs(step.inputs or {}) do
        data[k] = json.obj("hook", type(v) == "string" and v:find("${", 1, true) ~= nil, "value", v)
      end
      local fail = type(step.fail) == "table" and step.fail or {}
      tree.activities[node.id] = json.obj(
        "id", node.id, "type", "ServiceActivity", "name", node.name,
        "incoming", inc, "outgoing", out,
        "component", json.obj("code", step.component or "sleep_timer", "version", "legacy", "data", data),
        "error_ignorable", step.error_ignorable == true, "optional", true,
        "retryable", fail.retryable ~= false, "skippable", fail.skippable ~= false,
        "stage_name", "", "loop", json.null)
      if not ctx.template_ids then tree.activities[node.id].template_node_id = node.template_node_id end
      -- (the web tree's form, as given: create_task caps it in the strategy)
      local a = step.auto_retry
      if a then
        tree.activities[node.id].auto_retry = json.obj("enable", true,
          "times", a.times or M.AUTO_RETRY_MAX_TIMES, "interval", a.interval or 0)
      end
    elseif node.type == "SubProcess" then
      tree.activities[node.id] = json.obj(
        "id", node.id, "type", "SubProcess", "name", node.name,
        "incoming", inc, "outgoing", out, "pipeline", node.subtree,
        "optional", true, "stage_name", "", "loop", json.null)
      if not ctx.template_ids then tree.activities[node.id].template_node_id = node.template_node_id end
    elseif node.type == "ExclusiveGateway" then
      local outs, conditions = json.array(), json.obj()
      for i, f in ipairs(node.flows) do
        outs[#outs + 1] = f.id
        conditions[f.id] = json.obj("evaluate", node.step.gateway.take == i and "1 == 1" or "1 == 0",
          "name", f.name, "tag", "branch_" .. node.id .. "_" .. f.target.id)
      end
      tree.gateways[node.id] = json.obj("id", node.id, "type", "ExclusiveGateway", "name", node.name,
        "incoming", inc, "outgoing", outs, "conditions", conditions)
    elseif node.type == "ConvergeGateway" then
      tree.gateways[node.id] = json.obj("id", node.id, "type", "ConvergeGateway", "name", "",
        "incoming", inc, "outgoing", out)
    end
  end
  tree.line = line
  tree.location = location
  return pdef, tree
end

-- Compiles a template for a new task (fresh node ids, each activity
-- carrying the template's as template_node_id), or, with `template` true,
-- as the template itself is (its own ids: what the template views answer).
-- constants: key -> value overrides. seed (a string): the node and flow ids
-- are made from it and each one's place, the same on every run and runtime
-- (bksops-sim --demo's tasks, whose ids the documentation's examples name).
function M.compile(t, overrides, template, seed)
  local ctx = {all = {}, template = t, template_ids = template == true, seed = seed}
  local root_id = template and M.template_node_id(t, "root")
    or seed and "n" .. stable_hex(seed .. ":root") or util.node_id()
  local pdef, tree = build(t.steps, root_id, ctx, "")
  local values = {}
  local cobj = json.obj()
  for i, c in ipairs(t.constants or {}) do
    local value = c.value
    if overrides and overrides[c.key] ~= nil then value = overrides[c.key] end
    values[c.key] = value
    cobj[c.key] = json.obj("key", c.key, "name", c.name or c.key, "index", i - 1, "desc", c.desc or "",
      "custom_type", "input", "source_tag", "input.input", "source_type", "custom",
      "source_info", json.obj(), "show_type", "show", "validation", "^.+$",
      "value", value, "is_meta", false, "version", "legacy")
  end
  tree.constants = cobj
  local outputs = json.array()
  for i, key in ipairs(t.outputs or {}) do outputs[i] = key end
  tree.outputs = outputs
  return {root = pdef, tree = tree, nodes = ctx.all, constants = values, outputs = outputs}
end

-- Loads templates from a Lua file returning a list (or {templates = list}).
function M.load_file(path)
  local chunk, err = loadfile(path, "t", {})
  if not chunk then return nil, err end
  local ok, list = pcall(chunk)
  if not ok then return nil, path .. ": " .. tostring(list) end
  if type(list) ~= "table" then return nil, path .. ": must return a table" end
  list = list.templates or list
  for i, t in ipairs(list) do
    local good, msg = pcall(M.check, t, path .. ": template[" .. i .. "]")
    if not good then return nil, msg end
  end
  return list
end

return M
