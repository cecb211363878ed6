-- The test-control API under /_sim/ (not part of bk-sops): time, the
-- request log, fault injection, tasks and templates made on demand, and
-- switches such as status caching.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local clocks = require "sops.sim.clock"

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

function M.handle(sim, req)
  local path = req.path:gsub("/+$", "")
  local body, err = body_of(req)
  if not body then return bad(err) end
  local m = req.method

  if path == "/_sim/health" then
    return reply(200, json.obj("ok", true))

  elseif path == "/_sim/time" then
    local clock = sim.clock
    if m == "POST" then
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
    end
    return reply(200, json.obj("now", clock:now(), "speed", clock.speed, "frozen", clock.frozen))

  elseif path == "/_sim/requests" then
    if m == "DELETE" then
      sim:clear_log()
      return reply(200, json.obj("ok", true))
    end
    local since = tonumber(util.parse_query(req.query).since) or 0
    local list, log = json.array(), sim.log
    for i = log.first, log.last do
      if log[i].seq > since then list[#list + 1] = log[i] end
    end
    -- dropped: entries the limit pushed out since the log was last cleared
    return reply(200, json.obj("requests", list, "last", sim.seq, "dropped", log.dropped, "limit", log.limit))

  elseif path == "/_sim/callbacks" then
    -- the completion callbacks sent (or being sent): body, attempts, status
    return reply(200, json.obj("callbacks", sim.callbacks:list()))

  elseif path == "/_sim/faults" then
    if m == "DELETE" then
      sim.faults = {}
      return reply(200, json.obj("ok", true))
    elseif m == "POST" then
      local problem = fault_problem(body)
      if problem then return bad(problem) end
      body.remaining = body.count or 1
      sim.faults[#sim.faults + 1] = body
      return reply(200, json.obj("ok", true, "pending", #sim.faults))
    end
    return reply(200, json.obj("faults", json.array(sim.faults)))

  elseif path == "/_sim/config" then
    if m == "POST" then
      for _, k in ipairs({"cache", "username_exempt"}) do
        if body[k] ~= nil then
          if type(body[k]) ~= "boolean" then return bad(k .. " must be a boolean") end
          sim.config[k] = body[k]
        end
      end
      if body.whitelist ~= nil then
        local w = {}
        for _, code in ipairs(body.whitelist) do w[code] = true end
        sim.config.whitelist = w
      end
      sim.views:clear_cache()
    end
    return reply(200, json.obj("cache", sim.config.cache, "username_exempt", sim.config.username_exempt,
      "stage", sim.config.stage))

  elseif path == "/_sim/templates" then
    if m == "POST" then
      local ok, msg = pcall(sim.engine.add_template, sim.engine, body)
      if not ok then return bad(tostring(msg)) end
      return reply(200, json.obj("ok", true, "template_id", body.id))
    end
    local list = json.array()
    for _, t in ipairs(sim.engine:template_list()) do list[#list + 1] = json.obj("id", t.id, "name", t.name) end
    return reply(200, json.obj("templates", list))

  elseif path == "/_sim/tasks" and m == "POST" then
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

  elseif path == "/_sim/reset" and m == "POST" then
    sim:reset()
    return reply(200, json.obj("ok", true))
  end

  local id, action = path:match("^/_sim/tasks/(%d+)/?(%a*)$")
  if id then
    local task = sim.engine:find_task(tonumber(id))
    if not task then return reply(404, json.obj("error", "no task " .. id)) end
    if action == "" then return reply(200, task_info(task)) end
    if m ~= "POST" then return reply(405, json.obj("error", "use POST")) end
    if action == "expire" then
      task.expired = true
    elseif action == "delete" then
      task.deleted = true
    else
      return reply(404, json.obj("error", "unknown task action " .. action))
    end
    return reply(200, json.obj("ok", true))
  end
  return reply(404, json.obj("error", "unknown control path " .. req.path))
end

return M
