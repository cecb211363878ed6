-- The test-control API under /_sim/ (not part of bk-sops): time, the
-- request log, fault injection, tasks and templates made on demand, and
-- switches such as status caching.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local clocks = require "sops.sim.clock"
local sim_views = require "sops.sim.views"

-- (sops.sim requires this module: it is looked up when first needed)
local function sim_module() return require "sops.sim" end

local M = {}

local function reply(status, value)
  return {status, {{"Content-Type", "application/json"}}, json.encode(value)}
end

local function bad(message)
  return reply(400, json.obj("error", message))
end

-- The faults and the fields each takes besides kind, match and count, with
-- what each field must be: a bad spec is refused (400) and changes nothing.
local function number_at_least(min)
  return function(v) return type(v) == "number" and v == v and v >= min and v < math.huge end,
    "a number >= " .. min
end
local function integer_in(lo, hi)
  return function(v) return math.type(v) == "integer" and v >= lo and v <= hi end,
    string.format("an integer from %d to %d", lo, hi)
end
local function text(max)
  return function(v) return type(v) == "string" and #v <= max end, "a string of at most " .. max .. " bytes"
end
local function is_header_value(v) return type(v) == "string" and #v <= 256 and not v:find("%c") end
local function header_value() return is_header_value, "a header value (no control characters)" end
local function rule(check, what) return {check = check, what = what} end
local STATUS = rule(integer_in(100, 599))
local FAULT_FIELDS = {
  delay = {seconds = rule(number_at_least(0))},
  status = {status = STATUS, body = rule(text(1024 * 1024))},
  -- (any header value: a client must cope with "soon" as well as 0.25)
  rate_limit = {retry_after = rule(function(v)
    return (type(v) == "number" and v >= 0 and v < math.huge) or is_header_value(v)
  end, "a number >= 0 or a header value")},
  reset = {},
  truncate = {},
  garbage = {status = STATUS, body = rule(text(1024 * 1024)), content_type = rule(header_value())},
  size = {bytes = rule(integer_in(0, 64 * 1024 * 1024))},
  chunked = {bytes = rule(integer_in(1, 1024 * 1024))},
  -- completion callbacks (match: a part of the callback URL)
  callback_lost = {},
  callback_late = {seconds = rule(number_at_least(0))},
  callback_twice = {},
  -- start_task, operate_task and create_and_start_task refuse without
  -- acting, as bk-sops' task operation throttle does (match: the path)
  throttle = {},
}

-- nil when spec is a fault the simulator can apply, else why not.
local function fault_problem(spec)
  local fields = FAULT_FIELDS[spec.kind]
  if not fields then return "unknown fault kind: " .. tostring(spec.kind) end
  for k, v in pairs(spec) do
    if k == "match" then
      if type(v) ~= "string" or v == "" then return "match must be a non-empty string (a part of the path)" end
    elseif k == "count" then
      if math.type(v) ~= "integer" or v < 1 then return "count must be a positive integer" end
    elseif k ~= "kind" then
      local r = fields[k]
      if not r then return string.format("fault %s takes no field '%s'", spec.kind, tostring(k)) end
      if not r.check(v) then return string.format("%s must be %s", k, r.what) end
    end
  end
end

local function node_list(task)
  local out = json.array()
  local function walk(pdef, path)
    for _, n in ipairs(pdef.nodes) do
      local p = {table.unpack(path)}
      p[#p + 1] = n.id
      local entry = json.obj("id", n.id, "name", n.name, "type", n.type, "path", json.array(p))
      if n.type == "ServiceActivity" or n.type == "SubProcess" then entry.template_node_id = n.template_node_id end
      if n.flows then
        local flows = json.array()
        for _, f in ipairs(n.flows) do flows[#flows + 1] = json.obj("id", f.id, "name", f.name) end
        entry.flows = flows
      end
      out[#out + 1] = entry
      if n.sub then walk(n.sub, p) end
    end
  end
  walk(task.root, {})
  return out
end

local function task_info(task)
  local by_name = json.obj()
  local nodes = node_list(task)
  for _, n in ipairs(nodes) do
    if n.name ~= "" and by_name[n.name] == nil then by_name[n.name] = n.id end
  end
  return json.obj("task_id", task.id, "name", task.name, "root_id", task.root.id, "nodes", nodes, "node_ids", by_name)
end

local function body_of(req)
  if req.body:match("^%s*$") then return {} end
  local v, err = json.decode(req.body)
  if type(v) ~= "table" then return nil, "body must be a JSON object: " .. tostring(err) end
  return v
end

---------------------------------------------------------------------------
-- the handlers: handler(sim, req, body, task, action), body the request's
-- JSON object ({} when empty); a route with `task` passes the task its
-- path names and the action after it. Each returns a response {status,
-- headers, body}.

-- (also the answer of GET /_sim/health)
local function ok() return reply(200, json.obj("ok", true)) end

local function show_time(sim)
  local clock = sim.clock
  return reply(200, json.obj("now", clock:now(), "speed", clock.speed, "frozen", clock.frozen))
end

local function set_time(sim, _, body)
  local clock = sim.clock
  -- all checked before any is applied: a refused change changes nothing
  -- (the tests are written so that NaN fails them too)
  local speed, freeze, advance = body.speed, body.freeze, body.advance
  if speed ~= nil and not (type(speed) == "number" and speed >= 0 and speed <= clocks.MAX_SPEED) then
    return bad(string.format("speed must be a number from 0 to %d", clocks.MAX_SPEED))
  end
  if freeze ~= nil and type(freeze) ~= "boolean" then return bad("freeze must be true or false") end
  if advance ~= nil then
    local room = clock:room()
    if not (type(advance) == "number" and advance >= 0 and advance <= room) then
      return bad(string.format("advance must be a number from 0 to %.3f: simulated time ends at "
        .. "9999-12-31 23:59:59 UTC", room))
    end
  end
  if speed ~= nil then clock:set_speed(speed) end
  if freeze == true then clock:freeze() elseif freeze == false then clock:resume() end
  if advance ~= nil then clock:advance(advance) end
  sim.engine:advance_all()
  return show_time(sim)
end

local function list_requests(sim, req)
  local since = tonumber(util.parse_query(req.query).since) or 0
  local list, log = json.array(), sim.log
  for i = log.first, log.last do
    if log[i].seq > since then list[#list + 1] = sim:log_entry(log[i]) end
  end
  -- dropped: entries the limit pushed out since the log was last cleared
  return reply(200, json.obj("requests", list, "last", sim.seq, "dropped", log.dropped, "limit", log.limit))
end

local function clear_requests(sim)
  sim:clear_log()
  return ok()
end

-- the completion callbacks sent (or being sent): body, attempts, status
local function list_callbacks(sim)
  return reply(200, json.obj("callbacks", sim.callbacks:list()))
end

local function list_faults(sim)
  return reply(200, json.obj("faults", json.array(sim.faults)))
end

local function add_fault(sim, _, body)
  local problem = fault_problem(body)
  if problem then return bad(problem) end
  body.remaining = body.count or 1
  sim.faults[#sim.faults + 1] = body
  return reply(200, json.obj("ok", true, "pending", #sim.faults))
end

local function clear_faults(sim)
  sim.faults = {}
  return ok()
end

local function show_config(sim)
  local config = sim.config
  local missing = json.array()
  for name in pairs(config.missing) do missing[#missing + 1] = name end
  table.sort(missing)
  local projects = json.array()
  for i, p in ipairs(sim.projects) do
    projects[i] = json.obj("id", p.id, "bk_biz_id", p.bk_biz_id, "name", p.name, "from_cmdb", p.from_cmdb,
      "tenant_id", p.tenant_id)
  end
  return reply(200, json.obj("cache", config.cache, "username_exempt", config.username_exempt,
    "auto_retry_status", config.auto_retry_status, "stage", config.stage, "edition", config.edition,
    "missing", missing, "projects", projects))
end

-- A project the config adds: {id, bk_biz_id (default id), name, from_cmdb
-- (default true), tenant_id (default the default tenant)}; or nil and why not.
local function project_of(v)
  if type(v) ~= "table" or json.is_array(v) then return nil, "each of projects must be an object" end
  if math.type(v.id) ~= "integer" or v.id <= 0 then return nil, "a project's id must be a positive integer" end
  local biz = v.bk_biz_id == nil and v.id or v.bk_biz_id
  if math.type(biz) ~= "integer" or biz <= 0 then return nil, "a project's bk_biz_id must be a positive integer" end
  if v.name ~= nil and (type(v.name) ~= "string" or v.name == "") then
    return nil, "a project's name must be a non-empty string"
  end
  if v.from_cmdb ~= nil and type(v.from_cmdb) ~= "boolean" then return nil, "a project's from_cmdb must be a boolean" end
  if v.tenant_id ~= nil and (type(v.tenant_id) ~= "string" or v.tenant_id:match("^%s*$")) then
    return nil, "a project's tenant_id must be a non-empty string"
  end
  return {id = v.id, bk_biz_id = biz, name = v.name or ("Project " .. v.id), from_cmdb = v.from_cmdb ~= false,
    tenant_id = v.tenant_id or sim_views.DEFAULT_TENANT}
end

local function string_list(v)
  if type(v) ~= "table" or (next(v) ~= nil and not json.is_array(v)) then return false end
  for _, x in ipairs(v) do
    if type(x) ~= "string" then return false end
  end
  return true
end

-- Every key is checked before any is applied: a refused change changes
-- nothing. edition: "single" or "multi-tenant"; missing: the resources the
-- server lacks (replaces the list); projects: added, or replacing the one
-- of the same id.
local function set_config(sim, _, body)
  for _, k in ipairs({"cache", "username_exempt", "auto_retry_status"}) do
    if body[k] ~= nil and type(body[k]) ~= "boolean" then return bad(k .. " must be a boolean") end
  end
  if body.whitelist ~= nil and not string_list(body.whitelist) then
    return bad("whitelist must be a list of app codes")
  end
  if body.edition ~= nil and not sim_module().EDITIONS[body.edition] then
    return bad("edition must be single or multi-tenant")
  end
  local missing
  if body.missing ~= nil then
    if not string_list(body.missing) then return bad("missing must be a list of resource names") end
    local unknown
    missing, unknown = sim_module().route_set(body.missing)
    if not missing then return bad("missing: no resource " .. unknown) end
  end
  local projects = {}
  if body.projects ~= nil then
    if type(body.projects) ~= "table" or (next(body.projects) ~= nil and not json.is_array(body.projects)) then
      return bad("projects must be a list of projects")
    end
    for i, v in ipairs(body.projects) do
      local p, why = project_of(v)
      if not p then return bad(why) end
      projects[i] = p
    end
  end
  for _, k in ipairs({"cache", "username_exempt", "auto_retry_status", "edition"}) do
    if body[k] ~= nil then sim.config[k] = body[k] end
  end
  if body.whitelist ~= nil then
    local w = {}
    for _, code in ipairs(body.whitelist) do w[code] = true end
    sim.config.whitelist = w
  end
  if missing then sim.config.missing = missing end
  for _, p in ipairs(projects) do
    local known
    for _, q in ipairs(sim.projects) do
      if q.id == p.id then known = q end
    end
    -- (one the tasks hold is changed in place)
    if known then
      for k, v in pairs(p) do known[k] = v end
    else
      sim.projects[#sim.projects + 1] = p
    end
  end
  sim.views:clear_cache()
  return show_config(sim)
end

local function list_templates(sim)
  local list = json.array()
  for _, t in ipairs(sim.engine:template_list()) do list[#list + 1] = json.obj("id", t.id, "name", t.name) end
  return reply(200, json.obj("templates", list))
end

local function add_template(sim, _, body)
  local done, msg = pcall(sim.engine.add_template, sim.engine, body)
  if not done then return bad(tostring(msg)) end
  return reply(200, json.obj("ok", true, "template_id", body.id))
end

local function create_task(sim, _, body)
  local tpl = sim.engine.templates[body.template_id]
  if not tpl then return bad("unknown template_id: " .. tostring(body.template_id)) end
  local project = sim.projects[1]
  for _, p in ipairs(sim.projects) do
    if p.bk_biz_id == body.bk_biz_id then project = p end
  end
  local task = sim.engine:create_task(project, tpl, {
    name = body.name, constants = body.constants, creator = body.creator or "admin",
    flow_type = body.flow_type,
  })
  if body.start then sim.engine:queue_start(task) end
  return reply(200, task_info(task))
end

local function reset(sim)
  sim:reset()
  return ok()
end

local function show_task(_, _, _, task)
  return reply(200, task_info(task))
end

-- what POST /_sim/tasks/<id>/<action> does to the task; stall: its
-- engine process dies (it never moves again), revive: it comes back
local TASK_ACTIONS = {
  expire = function(_, task) task.expired = true end,
  delete = function(_, task) task.deleted = true end,
  stall = function(engine, task) engine:stall(task) end,
  revive = function(engine, task) engine:revive(task) end,
}

local function act_on_task(sim, _, _, task, action)
  local act = TASK_ACTIONS[action]
  if not act then return reply(404, json.obj("error", "unknown task action " .. action)) end
  act(sim.engine, task)
  return ok()
end

local function use_post() return reply(405, json.obj("error", "use POST")) end

---------------------------------------------------------------------------
-- The routes: {method, path pattern, handler}; the first whose method (ANY:
-- every method) and pattern match the path (the whole path, its trailing
-- slashes removed) serves the request, else 404. task = true: the pattern
-- captures a task id (and an action); an unknown task is refused with 404
-- whatever the method, as the route for any other method comes after.
local ANY = "*"
local ROUTES = {
  {ANY, "/_sim/health", ok},
  {"POST", "/_sim/time", set_time},
  {ANY, "/_sim/time", show_time},
  {"DELETE", "/_sim/requests", clear_requests},
  {ANY, "/_sim/requests", list_requests},
  {ANY, "/_sim/callbacks", list_callbacks},
  {"DELETE", "/_sim/faults", clear_faults},
  {"POST", "/_sim/faults", add_fault},
  {ANY, "/_sim/faults", list_faults},
  {"POST", "/_sim/config", set_config},
  {ANY, "/_sim/config", show_config},
  {"POST", "/_sim/templates", add_template},
  {ANY, "/_sim/templates", list_templates},
  {"POST", "/_sim/tasks", create_task},
  {"POST", "/_sim/reset", reset},
  {ANY, "/_sim/tasks/(%d+)", show_task, task = true},
  -- (the slash before the action may be left out: /_sim/tasks/12expire)
  {"POST", "/_sim/tasks/(%d+)/?(%a+)", act_on_task, task = true},
  {ANY, "/_sim/tasks/(%d+)/?(%a+)", use_post, task = true},
}
for _, r in ipairs(ROUTES) do r.pattern = "^" .. r[2] .. "$" end

-- Serves a request under /_sim/: a response {status, headers, body}.
function M.handle(sim, req)
  local path = req.path:gsub("/+$", "")
  local body, err = body_of(req)
  if not body then return bad(err) end
  for _, r in ipairs(ROUTES) do
    if r[1] == ANY or r[1] == req.method then
      local id, action = path:match(r.pattern)
      if id then
        if not r.task then return r[3](sim, req, body) end
        local task = sim.engine:find_task(tonumber(id))
        if not task then return reply(404, json.obj("error", "no task " .. id)) end
        return r[3](sim, req, body, task, action)
      end
    end
  end
  return reply(404, json.obj("error", "unknown control path " .. req.path))
end

return M
