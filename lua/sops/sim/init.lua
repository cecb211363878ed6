-- bksops-sim: a local bk-sops server. sim.new(opts) builds one; sim:run()
-- serves until stopped. See README "Simulator".
local socket = require "socket"
local http = require "sops.sim.http"
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local clock = require "sops.sim.clock"
local engine = require "sops.sim.engine"
local views = require "sops.sim.views"
local routes = require "sops.sim.routes"
local control = require "sops.sim.control"
local callbacks = require "sops.sim.callbacks"
local compiler = require "sops.sim.compile"
local catalog = require "sops.sim.catalog"
local demo = require "sops.sim.demo"

local M = {}

local Sim = {}
Sim.__index = Sim

local DEFAULTS = {
  host = "127.0.0.1", port = 0, speed = 1, stage = "prod",
  app_code = "sim-app", app_secret = "sim-secret", edition = "single",
}

-- The editions of BlueKing the simulator can be: "single" (one tenant, the
-- API gateway and the ESB: today's deployments) and "multi-tenant" (every
-- gateway request names its tenant in X-Bk-Tenant-Id, the app-state twins
-- under /system/ are served, there is no ESB).
M.EDITIONS = {single = true, ["multi-tenant"] = true}

-- a CMDB business (scope cmdb_biz, id 2) and a project of its own (scope
-- project, id 5), both of the default tenant
local function default_projects()
  return {{id = 2, bk_biz_id = 2, name = "Sim Business", from_cmdb = true, tenant_id = views.DEFAULT_TENANT},
    {id = 5, bk_biz_id = 5, name = "Sim Project", from_cmdb = false, tenant_id = views.DEFAULT_TENANT}}
end

-- The set of route names a list names, or nil and the first that is not a
-- route of the simulator's.
function M.route_set(list)
  local set = {}
  for _, name in ipairs(list or {}) do
    if not catalog.BY_NAME[name] then return nil, name end
    set[name] = true
  end
  return set
end

-- opts: host, port, speed, stage, app_code, app_secret, tokens,
-- username_exempt, cache, templates (a list, or a file's path), log_limit,
-- max_connections, idle_timeout, on_error, edition ("single" or
-- "multi-tenant"), missing (names of resources the server lacks: the
-- gateway and the ESB answer them as unknown), demo (true: the tasks of
-- sops.sim.demo, made again at every reset).
function M.new(opts)
  opts = opts or {}
  for k, v in pairs(DEFAULTS) do
    if opts[k] == nil then opts[k] = v end
  end
  if not M.EDITIONS[opts.edition] then
    return nil, "edition must be single or multi-tenant, not " .. tostring(opts.edition)
  end
  local _, unknown = M.route_set(opts.missing)
  if unknown then return nil, "no resource " .. tostring(unknown) .. " to leave out" end
  local templates = opts.templates
  if type(templates) == "string" then
    local list, err = compiler.load_file(templates)
    if not list then return nil, err end
    templates = list
  end
  local self = setmetatable({
    opts = opts,
    templates = templates or require "sops.sim.templates",
    app_host = "https://bk-sops.example.com/",
  }, Sim)
  self:reset()
  return self
end

function Sim:reset()
  local opts = self.opts
  -- (the demo's history starts in the past and ends now: its times read
  -- as recent, and the clock is not ahead of the machine's)
  self.clock = clock.new(opts.speed, opts.demo and socket.gettime() - demo.AGO or nil)
  self.projects = default_projects()
  self.config = {
    stage = opts.stage, app_code = opts.app_code, app_secret = opts.app_secret,
    tokens = opts.tokens or {["sim-bk-token"] = "admin", ["sim-access-token"] = "admin"},
    username_exempt = opts.username_exempt ~= false, cache = opts.cache == true, whitelist = {},
    -- get_task_status reads with_auto_retry_status (false: as on bk-sops'
    -- master, whose view has no such flag)
    auto_retry_status = true,
    edition = opts.edition, missing = M.route_set(opts.missing),
  }
  self.engine = engine.new({clock = self.clock, projects = self.projects, templates = {}})
  for _, t in ipairs(self.templates) do self.engine:add_template(t) end
  self.views = views.new(self)
  self.seq, self.faults = self.seq or 0, {}
  self:clear_log()
  -- completion callbacks: queued as tasks end, sent from the loop (tick)
  self.callbacks = callbacks.new(self, function(task) return self.engine:outputs(task) end)
  self.engine.on_end = function(task, success) self.callbacks:task_ended(task, success) end
  if opts.demo then demo.load(self) end
end

-- Every loop turn: tasks that will call back move on with the clock, at
-- most every 50 ms (nobody may be asking for their status), and queued
-- callbacks go out.
function Sim:tick()
  local now = socket.gettime()
  if now - (self.ticked or 0) >= 0.05 then
    self.ticked = now
    local calling = self.engine.calling_back
    for task in pairs(calling) do
      if task.finish_time then calling[task] = nil else self.engine:advance(task) end
    end
  end
  self.callbacks:pump(self.server)
end

-- The request log: entries log[first..last], at most opts.log_limit of
-- them (default 10,000); the oldest go first, counted in `dropped`. An
-- entry keeps at most LOG_BODY_LIMIT bytes of its request's body, with the
-- body's full length (body_length) and whether it was cut (body_truncated):
-- the log holds at most log_limit * LOG_BODY_LIMIT bytes of bodies.
M.LOG_LIMIT = 10000
M.LOG_BODY_LIMIT = 64 * 1024

function Sim:clear_log()
  self.log = {first = 1, last = 0, dropped = 0, limit = self.opts.log_limit or M.LOG_LIMIT}
end

-- A request goes into the log as it came (its header lines, query and
-- body, cut to LOG_BODY_LIMIT); its entry as /_sim/requests answers it is
-- made when asked for (Sim:log_entry), not on the way of every answer.
local function record(self, req, conn)
  self.seq = self.seq + 1
  local body = req.body
  local cut = #body > M.LOG_BODY_LIMIT
  if cut then
    -- (not inside a UTF-8 sequence: a body of text stays valid text)
    local n = M.LOG_BODY_LIMIT
    while n > M.LOG_BODY_LIMIT - 3 and body:byte(n + 1) & 0xC0 == 0x80 do n = n - 1 end
    body = body:sub(1, n)
  end
  local log = self.log
  log.last = log.last + 1
  log[log.last] = {seq = self.seq, time = socket.gettime(), conn = conn.id, method = req.method, path = req.path,
    query = req.query, header_list = req.header_list, body = body, body_length = #req.body, body_truncated = cut}
  while log.last - log.first + 1 > log.limit do
    log[log.first] = nil
    log.first = log.first + 1
    log.dropped = log.dropped + 1
  end
end

-- A log entry as /_sim/requests answers it: seq, time, conn, method, path,
-- query, args (the query parsed), headers (by lower-case name; a header
-- given more than once, its values joined with ", "), body (cut), its
-- full length and whether it was cut.
function Sim:log_entry(e)
  local headers, repeated = json.obj(), nil
  for _, h in ipairs(e.header_list) do
    local k = h[1]:lower()
    local first = headers[k]
    if first == nil then
      headers[k] = h[2]
    else
      repeated = repeated or {}
      local list = repeated[k]
      if not list then
        list = {first}
        repeated[k] = list
      end
      list[#list + 1] = h[2]
    end
  end
  for k, list in pairs(repeated or {}) do headers[k] = table.concat(list, ", ") end
  return json.obj("seq", e.seq, "time", e.time, "conn", e.conn, "method", e.method,
    "path", e.path, "query", e.query, "args", util.parse_query(e.query), "headers", headers, "body", e.body,
    "body_length", e.body_length, "body_truncated", e.body_truncated)
end

-- Who applies a fault of a kind: the completion callbacks (the callback_*
-- kinds), the views that check bk-sops' throttle (throttle), or the
-- serving of any request (the others).
local function channel(kind)
  if kind:sub(1, 9) == "callback_" then return "callback" end
  if kind == "throttle" then return "throttle" end
  return "request"
end

-- Takes the next armed fault of a channel ("request", "callback" or
-- "throttle") for `text`: a request's path, or a completion callback's URL.
function Sim:take_fault(which, text)
  for i, f in ipairs(self.faults) do
    if channel(f.kind) == which and (f.match == nil or text:find(f.match, 1, true)) then
      f.remaining = f.remaining - 1
      if f.remaining <= 0 then table.remove(self.faults, i) end
      return f
    end
  end
end

local HTML_ERROR = "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
  .. "<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

local NOT_FOUND = {404, {{"Content-Type", "text/plain"}}, "not found\n"}

-- (a multi-tenant BlueKing has no ESB: its path is as unknown as any other)
local function route(self, req)
  local path = req.path
  if path:match("^/api/c/compapi/") and routes.multi_tenant(self) then
    return {NOT_FOUND[1], {NOT_FOUND[2][1]}, NOT_FOUND[3]}
  end
  local api = path:match("^/api/c/compapi/v2/sops/([^/]+)/?$")
  if api then return routes.esb(self, req, api) end
  local stage, rest = path:match("^/([^/]+)(/.+)$")
  if stage then return routes.gateway(self, req, stage, rest) end
  return {NOT_FOUND[1], {NOT_FOUND[2][1]}, NOT_FOUND[3]}
end

-- Serves one request of the bk-sops API, applying any armed fault.
function Sim:serve(req, conn)
  record(self, req, conn)
  local fault = self:take_fault("request", req.path)
  local kind = fault and fault.kind
  if kind == "delay" then
    conn:sleep(tonumber(fault.seconds) or 1)
  elseif kind == "reset" then
    conn:abort()
    return nil
  elseif kind == "status" then
    local st = math.tointeger(fault.status) or 502
    local reason = http.REASONS[st] or "Error"
    return {st, {{"Content-Type", "text/html"}}, fault.body or HTML_ERROR:format(st, reason, st, reason)}
  elseif kind == "rate_limit" then
    local r = routes.gateway_error(429, 1642901, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by stage global limit")
    table.insert(r[2], {"Retry-After", tostring(fault.retry_after or 1)})
    table.insert(r[2], {"X-Bkapi-RateLimit-Limit", "5000"})
    table.insert(r[2], {"X-Bkapi-RateLimit-Remaining", "0"})
    return r
  elseif kind == "garbage" then
    return {fault.status or 200, {{"Content-Type", fault.content_type or "text/html"}},
      fault.body or "<html><body>Service temporarily unavailable</body></html>"}
  elseif kind == "size" then
    local n = math.tointeger(fault.bytes) or 1024
    local head, tail = '{"result":true,"code":0,"message":"","data":"', '"}'
    local pad = math.max(0, n - #head - #tail)
    return {200, {{"Content-Type", "application/json"}}, head .. string.rep("x", pad) .. tail}
  end
  local resp = route(self, req)
  if kind == "truncate" then
    local body = resp[3]
    local headers = resp[2]
    table.insert(headers, {"Content-Length", tostring(#body)})
    local full = http.build_response(resp[1], headers, body, false)
    local cut = #full - #body + math.floor(#body / 2)
    conn:raw_send(full:sub(1, cut))
    conn:close()
    return nil
  end
  if kind == "chunked" then
    -- the answer as it is, in chunks of `bytes` (default 100)
    table.insert(resp[2], {"Transfer-Encoding", "chunked"})
    resp.chunk = math.tointeger(fault.bytes) or 100
  end
  return resp
end

function Sim:handle(req, conn)
  local resp
  if req.path:sub(1, 6) == "/_sim/" or req.path == "/_sim" then
    resp = control.handle(self, req)
  else
    resp = self:serve(req, conn)
  end
  if not resp then return nil end
  local headers = resp[2]
  -- every answer says the server's time, as nginx in front of bk-sops
  -- does: the simulated clock's (bksops doctor measures skew by it)
  local second = math.floor(self.clock:now())
  if second ~= self.date_second then
    self.date_second, self.date_text = second, os.date("!%a, %d %b %Y %H:%M:%S GMT", second)
  end
  headers[#headers + 1] = {"Date", self.date_text}
  if not req.path:match("^/api/c/compapi/") and not req.path:match("^/_sim") then
    local rid = util.uuid4()
    headers[#headers + 1] = {"X-Bkapi-Request-Id", rid}
    headers[#headers + 1] = {"X-Request-Id", rid}
  end
  return resp[1], headers, resp[3], resp.chunk
end

-- Binds the listening socket. Returns the base URL.
function Sim:listen()
  local server, err = http.new({
    host = self.opts.host, port = self.opts.port,
    max_connections = self.opts.max_connections, idle_timeout = self.opts.idle_timeout,
    on_tick = function() self:tick() end,
    handler = function(req, conn)
      local ok, s, h, b, chunk = pcall(self.handle, self, req, conn)
      if ok then return s, h, b, chunk end
      if self.opts.on_error then self.opts.on_error(s) end
      return 500, {{"Content-Type", "text/plain"}}, "internal simulator error\n"
    end,
  })
  if not server then return nil, err end
  server.on_error = self.opts.on_error
  self.server = server
  local host, port = server:address()
  self.url = string.format("http://%s:%d", host, port)
  return self.url
end

function Sim:run(should_stop)
  self.server:run(should_stop)
end

function Sim:stop()
  if self.server then self.server:stop() end
end

M.Sim = Sim
return M
