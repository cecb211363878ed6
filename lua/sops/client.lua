-- sops.new: checks the options, makes the C client, and gives it the
-- methods of sops.api. A client is the core's userdata itself, so
-- `local c <close> = sops.new{...}`, c:close() and garbage collection all
-- release its libcurl handle.
local core = require "sops.core"
local check = require "sops.check"
local api = require "sops.api"
local version = require "sops.version"

local M = {}

local OPTIONS = {
  url = "string", route = "string", app_code = "string", app_secret = "string",
  username = "string", bk_token = "string", access_token = "string",
  bk_biz_id = "id", scope = "string", timeout = "number", connect_timeout = "number",
  verify_tls = "boolean", ca_file = "string", proxy = "string", language = "string",
  tenant_id = "string", headers = "object", user_agent = "string", max_body = "count",
}

-- per-client defaults, keyed weakly by the client: {bk_biz_id, scope}
local defaults = setmetatable({}, {__mode = "k"})

-- `level`: see sops.check.
local function opt_fail(what, level)
  error("bad argument #1 to 'sops.new' (" .. what .. ")", level)
end

-- The longest timeout, in seconds (the core counts in milliseconds).
local MAX_TIMEOUT = 1e6

-- Headers the client writes itself: `headers` cannot replace them.
local OWN_HEADERS = {
  host = true, ["content-length"] = true, ["content-type"] = true, ["transfer-encoding"] = true,
  authorization = true, ["x-bkapi-authorization"] = true, connection = true, expect = true,
  ["user-agent"] = "user_agent", ["accept-language"] = "language", ["blueking-language"] = "language",
  ["x-bk-tenant-id"] = "tenant_id",
}

-- The one check of what goes into a request header: nil when the value
-- is safe, else why not. A CR or LF would end the header and start another
-- (or a second request on the wire); C strings end at a NUL.
local function header_problem(value)
  if value:find("\r", 1, true) or value:find("\n", 1, true) then return "must not contain CR or LF" end
  if value:find("\0", 1, true) then return "must not contain NUL" end
  return nil
end
M.header_problem = header_problem

-- The options sent as header values.
local HEADER_OPTIONS = {user_agent = true, language = true, tenant_id = true}

-- Returns the options for core.new, or raises.
local function check_options(opts, level)
  level = level + 1 -- for opt_fail
  if type(opts) ~= "table" then opt_fail("table expected, got " .. type(opts), level) end
  for k, v in pairs(opts) do
    local kind = OPTIONS[k]
    if not kind then opt_fail("unknown option '" .. tostring(k) .. "'", level) end
    local bad = check.mismatch(kind, v)
    if bad then opt_fail("option '" .. k .. "': " .. bad, level) end
  end
  if not opts.url then opt_fail("option 'url': string expected, got nil", level) end
  if not opts.url:match("^https?://[^/]") then opt_fail("option 'url': http:// or https:// URL expected", level) end
  local route = opts.route or (opts.url:find("/compapi/", 1, true) and "esb" or "apigw")
  if route ~= "apigw" and route ~= "esb" then opt_fail("option 'route': 'apigw' or 'esb' expected", level) end
  if not opts.app_code then opt_fail("option 'app_code': string expected, got nil", level) end
  if not opts.app_secret then opt_fail("option 'app_secret': string expected, got nil", level) end
  local user_field, user_value, count = nil, nil, 0
  for opt, field in pairs({username = "bk_username", bk_token = "bk_token", access_token = "access_token"}) do
    if opts[opt] then
      user_field, user_value, count = field, opts[opt], count + 1
    end
  end
  if count ~= 1 then opt_fail("exactly one of 'username', 'bk_token' or 'access_token' expected", level) end
  for _, k in ipairs({"timeout", "connect_timeout"}) do
    local v = opts[k]
    if v and not (v > 0 and v <= MAX_TIMEOUT) then
      opt_fail("option '" .. k .. "': seconds expected, more than 0 and at most " .. MAX_TIMEOUT, level)
    end
  end
  -- the options that become headers, and every string the core keeps as a
  -- C string (which would end at a NUL)
  for k, kind in pairs(OPTIONS) do
    local v = opts[k]
    if kind == "string" and v then
      local why
      if HEADER_OPTIONS[k] then
        why = header_problem(v)
      elseif v:find("\0", 1, true) then
        why = "must not contain NUL"
      end
      if why then opt_fail("option '" .. k .. "': " .. why, level) end
    end
  end
  for name, value in pairs(opts.headers or {}) do
    if type(name) ~= "string" or not name:find("^[%w!#$%%&'*+.^_`|~-]+$") then
      opt_fail("option 'headers': header names must be tokens (letters, digits and !#$%&'*+.^_`|~-)", level)
    end
    if type(value) ~= "string" then
      opt_fail("option 'headers': header '" .. name .. "': string expected, got " .. type(value), level)
    end
    local own = OWN_HEADERS[name:lower()]
    if own then
      opt_fail("option 'headers': header '" .. name .. "' is the client's own"
        .. (type(own) == "string" and " (use option '" .. own .. "')" or ""), level)
    end
    local why = header_problem(value)
    if why then opt_fail("option 'headers': header '" .. name .. "': " .. why, level) end
  end
  return {
    url = opts.url, route = route, app_code = opts.app_code, app_secret = opts.app_secret,
    user_field = user_field, user_value = user_value,
    timeout = opts.timeout or 30, connect_timeout = opts.connect_timeout or 5,
    verify_tls = opts.verify_tls ~= false, ca_file = opts.ca_file, proxy = opts.proxy,
    language = opts.language, tenant_id = opts.tenant_id, headers = opts.headers,
    user_agent = opts.user_agent or version.user_agent, max_body = opts.max_body,
    -- filled in by the core where a call lacks them
    bk_biz_id = opts.bk_biz_id and check.id(opts.bk_biz_id), scope = opts.scope,
  }
end

-- Makes a client; argument errors are raised at `level`.
function M.build(opts, level)
  local copts = check_options(opts, level + 1)
  local c = core.new(copts)
  defaults[c] = {bk_biz_id = copts.bk_biz_id, scope = opts.scope or "cmdb_biz"}
  return c
end

-- (no tail calls below: they would drop the frame `level` counts on)
function M.new(opts)
  local c = M.build(opts, 3)
  return c
end

local fits = check.fits
local is_open = core.client_methods.is_open

-- Raises "bad argument #1 to 'call' (client is closed)" at `level` when
-- client c has been closed.
function M.check_open(c, call, level)
  if not is_open(c) then check.fail(call, nil, "client is closed", level + 1) end
end

-- Builds the parameters of one call, raising on argument mistakes. The
-- common case sends the caller's own table as it is (the core fills in the
-- client's bk_biz_id and scope); any doubt goes to check.fields, which
-- raises the precise message.
local function params_for(self, name, spec, args, level)
  if not is_open(self) then check.fail("sops." .. name, nil, "client is closed", level + 1) end
  local fields = spec.fields
  if type(args) ~= "table" then check.fields("sops." .. name, args, fields, level + 1) end
  for k, v in next, args do
    local f = fields[k]
    if f == nil or not fits[f[1]](v) then check.fields("sops." .. name, args, fields, level + 1) end
  end
  local required = spec.required
  for i = 1, #required do
    if args[required[i]] == nil then check.fields("sops." .. name, args, fields, level + 1) end
  end
  local d = defaults[self]
  if args.bk_biz_id == nil and not (d and d.bk_biz_id) then
    check.fail("sops." .. name, "bk_biz_id", "positive integer expected, got nil (give it here or to sops.new)",
      level + 1)
  end
  if spec.actions and not spec.actions[args.action] then
    check.fail("sops." .. name, "action", "unknown action '" .. tostring(args.action) .. "'", level + 1)
  end
  if spec.simple then return args end

  local p = {}
  for k, v in next, args do p[k] = v end
  if spec.fixed then
    for k, v in pairs(spec.fixed) do p[k] = v end
  end
  -- a list field is sent as a JSON array even when empty
  local lists = spec.lists
  for i = 1, #lists do
    local k = lists[i]
    if p[k] ~= nil then
      local copy = setmetatable({}, core.array_mt)
      for j, v in ipairs(p[k]) do copy[j] = v end
      p[k] = copy
    end
  end
  if spec.list then
    local list = args[spec.list]
    if #list > 50 then check.fail("sops." .. name, spec.list, "at most 50 task ids per call", level + 1) end
    local ids = setmetatable({}, core.array_mt)
    for i, v in ipairs(list) do
      local id, bad = check.id(v)
      if not id then check.fail("sops." .. name, spec.list .. "[" .. i .. "]", bad, level + 1) end
      ids[i] = id
    end
    p[spec.list] = ids
  end
  if name == "get_template_list" and args.id_in then
    -- template ids, sent comma-joined in the query
    local ids = {}
    for i, v in ipairs(args.id_in) do
      local id, bad = check.id(v)
      if not id then check.fail("sops." .. name, "id_in[" .. i .. "]", bad, level + 1) end
      ids[i] = string.format("%d", id)
    end
    p.id_in = table.concat(ids, ",")
  end
  return p
end

-- The bk-sops api that call `name` maps to and its checked parameters;
-- argument errors are raised at `level`.
function M.params(c, name, args, level)
  local spec = api.CALLS[name]
  return spec.api, params_for(c, name, spec, args, level + 1)
end

-- Runs call `name` on client c; argument errors are raised at `level`.
-- timeout (seconds, optional) shortens the client's timeout for this call.
function M.invoke(c, name, args, level, timeout)
  local spec = api.CALLS[name]
  if type(c) ~= "userdata" then
    error("bad self to 'sops." .. name .. "' (use client:" .. name .. "{...})", level)
  end
  local value, response = core.call_at(c, level + 1, spec.api, params_for(c, name, spec, args, level + 1), timeout)
  return value, response
end

local methods = core.client_methods
local call_at = core.call_at -- the C function, without a lookup per call
for name, spec in pairs(api.CALLS) do
  local api_name = spec.api
  methods[name] = function(self, args)
    if type(self) ~= "userdata" then
      error("bad self to 'sops." .. name .. "' (use client:" .. name .. "{...})", 2)
    end
    -- what the core cannot send is reported at the caller's line (level 3
    -- from call_at: call_at, this function, the caller)
    local value, response = call_at(self, 3, api_name, params_for(self, name, spec, args, 3))
    return value, response
  end
end

-- The defaults a client was made with (bk_biz_id, scope).
function methods:defaults()
  local d = defaults[self] or {}
  return {bk_biz_id = d.bk_biz_id, scope = d.scope}
end

M.methods = methods
return M
