-- The options of sops.new, one row each: its kind (as sops.check knows
-- kinds), its default, its bounds and one line of doc. The checks, the
-- defaults, README's options table (`make readme`) and the command's help
-- come from these rows; the C core holds no default of its own and is
-- given every value from here. (The retry policy's and the waits' defaults
-- live here too.)
local check = require "sops.check"
local version = require "sops.version"

local M = {}

-- The longest timeout, in seconds (the core counts in milliseconds).
M.MAX_TIMEOUT = 1e6

-- The retry policy's defaults (option `retries`; sops.attempts runs it).
M.RETRY_DEFAULTS = {max = 2, methods = "safe", backoff = 0.2, max_backoff = 5}

-- client:wait's and client:wait_all's polling defaults (seconds; backoff
-- a factor, jitter a fraction), kept here with the others so that the
-- bksops command's help shows them without loading sops.wait.
M.WAIT_DEFAULTS = {timeout = 600, interval = 2, max_interval = 15, backoff = 1.5, jitter = 0.1}

-- name, kind; default: the value taken when the option is not given (nil:
-- none, or worked out, as `shown` says); shown: the default as README shows
-- it, when not the value itself; min, max: bounds of a number (min
-- exclusive); choices; required; identity: the field the user identity is
-- sent as; header: sent as a header value; doc: README's line.
M.LIST = {
  {name = "url", kind = "string", required = true,
    doc = "gateway stage URL (`.../api/bk-sops/prod`) or ESB base (`.../api/c/compapi/v2/sops`)"},
  {name = "route", kind = "string", choices = {"apigw", "esb", "system"},
    shown = "`\"esb\"` if `url` contains `/compapi/`, else `\"apigw\"`",
    doc = "how ids and credentials travel; `\"system\"`: the gateway's app-state twins (see below)"},
  {name = "credentials", kind = "string", choices = {"header", "params"},
    shown = "`\"header\"`; on ESB `\"params\"`",
    doc = "where the app's credentials go: `X-Bkapi-Authorization` only, or (ESB) the query or body"},
  {name = "app_code", kind = "string", required = true, doc = "the app's code"},
  {name = "app_secret", kind = "string", required = true, doc = "the app's secret"},
  {name = "username", kind = "string", identity = "bk_username",
    shown = "exactly one of the three (at most one on route `\"system\"`)",
    doc = "the user to act as (needs an app the gateway exempts from user verification)"},
  {name = "bk_token", kind = "string", identity = "bk_token", shown = "exactly one of the three",
    doc = "the user's login token"},
  {name = "access_token", kind = "string", identity = "access_token", shown = "exactly one of the three",
    doc = "the user's OAuth access token"},
  {name = "bk_biz_id", kind = "id",
    doc = "the business of every call that gives none; an id in any of the forms below"},
  {name = "scope", kind = "string", default = "cmdb_biz",
    doc = "what `bk_biz_id` is, for every call that gives none: `\"project\"` makes it a project id"},
  {name = "timeout", kind = "number", default = 30, min = 0, max = M.MAX_TIMEOUT,
    doc = "seconds (at most 1e6); always enforced: a call's whole budget, retries included"},
  {name = "connect_timeout", kind = "number", default = 5, min = 0, max = M.MAX_TIMEOUT,
    doc = "seconds (at most 1e6) to make a connection"},
  {name = "verify_tls", kind = "boolean", default = true, doc = "TLS verification is on unless you turn it off"},
  {name = "ca_file", kind = "string", shown = "the system's store", doc = "the certificates to trust"},
  {name = "proxy", kind = "string", shown = "libcurl's default",
    doc = "e.g. `\"http://proxy:3128\"`; a password in it is scrubbed from errors like the other secrets"},
  {name = "language", kind = "string", header = true, doc = "sets `Accept-Language` and `Blueking-Language`"},
  {name = "tenant_id", kind = "string", header = true,
    doc = "sets `X-Bk-Tenant-Id` (multi-tenant BlueKing; not with ESB, which it has not)"},
  {name = "headers", kind = "object", doc = "extra request headers, `{[\"X-Name\"] = \"value\"}`"},
  {name = "user_agent", kind = "string", header = true, default = version.user_agent,
    shown = "`lua-sops/<version> (<runtime>)`, e.g. `lua-sops/0.3.0 (Lua 5.4)`", doc = "the User-Agent header"},
  {name = "max_body", kind = "count", default = 64 * 1024 * 1024, max = 2 ^ 40, shown = "64 MiB",
    doc = "larger responses are refused with a `decode` error before they are read"},
  {name = "retries", kind = "any", doc = "the retry policy (below): `true` for the defaults, or `{max = "
    .. M.RETRY_DEFAULTS.max .. ", methods = \"" .. M.RETRY_DEFAULTS.methods .. "\", backoff = "
    .. M.RETRY_DEFAULTS.backoff .. ", max_backoff = " .. M.RETRY_DEFAULTS.max_backoff .. "}`"},
  {name = "on_request", kind = "any", doc = "a hook that sees every attempt before it goes (below)"},
  {name = "on_response", kind = "any", doc = "a hook that sees every attempt's outcome (below)"},
  {name = "transport", kind = "string", choices = {"curl", "ngx"},
    shown = "cosockets inside nginx where they work (refused in phases without them), else libcurl",
    doc = "`\"curl\"` always uses libcurl, `\"ngx\"` insists on cosockets (see \"OpenResty\")"},
  {name = "profile", kind = "any", doc = "a profile of the `bksops` command's config file, or `true`: the connection "
    .. "the command would use, the other options winning (see \"Configuration\")"},
}

-- the rows by name
M.BY_NAME = {}
for _, row in ipairs(M.LIST) do M.BY_NAME[row.name] = row end

-- The default of option `name`.
function M.default(name)
  return M.BY_NAME[name].default
end

-- The identities of which a client takes exactly one: option -> the
-- field it is sent as.
M.IDENTITIES = {}
for _, row in ipairs(M.LIST) do
  if row.identity then M.IDENTITIES[row.name] = row.identity end
end

-- Headers the client writes itself: `headers` cannot replace them.
local OWN_HEADERS = {
  host = true, ["content-length"] = true, ["content-type"] = true, ["transfer-encoding"] = true,
  authorization = true, ["x-bkapi-authorization"] = true, connection = true, expect = true,
  ["user-agent"] = "user_agent", ["accept-language"] = "language", ["blueking-language"] = "language",
  ["x-bk-tenant-id"] = "tenant_id",
}

local function fail(what)
  check.raise("bad argument #1 to 'sops.new' (" .. what .. ")")
end
M.fail = fail

-- The one check of what goes into a request header: nil when the value
-- is safe, else why not. A CR or LF would end the header and start another
-- (or a second request on the wire); C strings end at a NUL.
function M.header_problem(value)
  if value:find("\r", 1, true) or value:find("\n", 1, true) then return "must not contain CR or LF" end
  if value:find("\0", 1, true) then return "must not contain NUL" end
  return nil
end

-- The retry policy from option `retries`: nil for none; raises on mistakes.
function M.retry_policy(v)
  if v == nil or v == false then return nil end
  if v == true then v = {} end
  if type(v) ~= "table" then fail("option 'retries': table or boolean expected, got " .. type(v)) end
  local p = {}
  for k, dflt in pairs(M.RETRY_DEFAULTS) do
    if v[k] == nil then p[k] = dflt else p[k] = v[k] end
  end
  for k in pairs(v) do
    if M.RETRY_DEFAULTS[k] == nil then
      fail("option 'retries': unknown field '" .. tostring(k) .. "'")
    end
  end
  if type(p.max) ~= "number" or not (p.max >= 0 and p.max <= 100) or p.max ~= math.floor(p.max) then
    fail("option 'retries': max: integer from 0 to 100 expected")
  end
  if p.methods ~= "safe" and p.methods ~= "all" then
    fail("option 'retries': methods: 'safe' or 'all' expected")
  end
  for _, k in ipairs({"backoff", "max_backoff"}) do
    if type(p[k]) ~= "number" or not (p[k] >= 0 and p[k] <= 3600) then
      fail("option 'retries': " .. k .. ": seconds from 0 to 3600 expected")
    end
  end
  return p
end

-- A hook option: a function or nil; raises otherwise.
function M.hook(name, fn)
  if fn ~= nil and type(fn) ~= "function" then
    fail("option '" .. name .. "': function expected, got " .. type(fn))
  end
  return fn
end

local function listed(choices)
  local words = {}
  for i, c in ipairs(choices) do words[i] = "'" .. c .. "'" end
  return table.concat(words, " or ")
end

-- Checks sops.new's options; returns those of core.new (every value the
-- core needs, defaults filled in), or raises.
function M.check(opts)
  if type(opts) ~= "table" then fail("table expected, got " .. type(opts)) end
  for k, v in pairs(opts) do
    local row = M.BY_NAME[k]
    if not row then fail("unknown option '" .. tostring(k) .. "'") end
    local bad = check.mismatch(row.kind, v)
    if bad then fail("option '" .. k .. "': " .. bad) end
  end
  for _, row in ipairs(M.LIST) do
    local v = opts[row.name]
    if row.required and v == nil then fail("option '" .. row.name .. "': " .. row.kind .. " expected, got nil") end
    if v ~= nil and row.name == "url" and not v:match("^https?://[^/]") then
      fail("option 'url': http:// or https:// URL expected")
    end
    if v ~= nil and row.kind == "number" and not (v > row.min and v <= row.max) then
      fail("option '" .. row.name .. "': seconds expected, more than " .. row.min .. " and at most " .. row.max)
    end
    -- the options that become headers, and every string the core keeps as
    -- a C string (which would end at a NUL)
    if v ~= nil and row.kind == "string" then
      local why
      if row.header then
        why = M.header_problem(v)
      elseif v:find("\0", 1, true) then
        why = "must not contain NUL"
      end
      if why then fail("option '" .. row.name .. "': " .. why) end
    end
  end
  local route = opts.route or (opts.url:find("/compapi/", 1, true) and "esb" or "apigw")
  for _, name in ipairs({"route", "credentials", "transport"}) do
    local v, known = name == "route" and route or opts[name], false
    for _, c in ipairs(M.BY_NAME[name].choices) do known = known or v == c end
    if v ~= nil and not known then fail("option '" .. name .. "': " .. listed(M.BY_NAME[name].choices) .. " expected") end
  end
  local user_field, user_value, count = nil, nil, 0
  for opt, field in pairs(M.IDENTITIES) do
    if opts[opt] then
      user_field, user_value, count = field, opts[opt], count + 1
    end
  end
  if route == "system" then
    if count > 1 then fail("at most one of 'username', 'bk_token' or 'access_token' expected") end
  elseif count ~= 1 then
    fail("exactly one of 'username', 'bk_token' or 'access_token' expected")
  end
  if opts.tenant_id and route == "esb" then
    fail("option 'tenant_id': the ESB has no tenants (multi-tenant BlueKing has no ESB): give the API gateway's "
      .. "stage URL")
  end
  local credentials = opts.credentials or (route == "esb" and "params" or "header")
  if credentials == "params" and route ~= "esb" then
    fail("option 'credentials': the API gateway takes them in the X-Bkapi-Authorization header only ('header')")
  end
  for name, value in pairs(opts.headers or {}) do
    if type(name) ~= "string" or not name:find("^[%w!#$%%&'*+.^_`|~-]+$") then
      fail("option 'headers': header names must be tokens (letters, digits and !#$%&'*+.^_`|~-)")
    end
    if type(value) ~= "string" then
      fail("option 'headers': header '" .. name .. "': string expected, got " .. type(value))
    end
    local own = OWN_HEADERS[name:lower()]
    if own then
      fail("option 'headers': header '" .. name .. "' is the client's own"
        .. (type(own) == "string" and " (use option '" .. own .. "')" or ""))
    end
    local why = M.header_problem(value)
    if why then fail("option 'headers': header '" .. name .. "': " .. why) end
  end
  local function pick(name)
    local v = opts[name]
    if v == nil then return M.BY_NAME[name].default end
    return v
  end
  return {
    url = opts.url, route = route, app_code = opts.app_code, app_secret = opts.app_secret,
    header_auth = credentials == "header",
    user_field = user_field, user_value = user_value,
    timeout = pick("timeout"), connect_timeout = pick("connect_timeout"),
    verify_tls = pick("verify_tls"), ca_file = opts.ca_file, proxy = opts.proxy,
    language = opts.language, tenant_id = opts.tenant_id, headers = opts.headers,
    user_agent = pick("user_agent"), max_body = pick("max_body"),
    -- filled in by the core where a call lacks them
    bk_biz_id = opts.bk_biz_id and check.id(opts.bk_biz_id), scope = pick("scope"),
  }
end

-- sops.new{profile = NAME | true, ...}: the options the bksops command
-- would use with --profile NAME (true: with none), from the same config
-- file, environment and secret files with the same precedence, the
-- options given beside `profile` standing for its flags. A profile that
-- cannot be read, or gives no complete connection, raises; the
-- notices about 0.2's names go to stderr.
function M.from_profile(opts)
  local p = opts.profile
  if p ~= true and (type(p) ~= "string" or p == "") then
    fail("option 'profile': a profile's name or true expected, got " .. type(p))
  end
  local config = require "sops.config" -- (only when asked: it reads the command's option table)
  -- (the options that decide what the rest needs stand for their flags:
  -- route "system" needs no user, a tenant refuses ESB)
  local o, notices = config.client_options({profile = p ~= true and p or nil, route = opts.route,
    tenant_id = opts.tenant_id}, os.getenv)
  if not o then fail("option 'profile': " .. notices) end
  for _, line in ipairs(notices) do io.stderr:write("lua-sops: ", line, "\n") end
  for k in pairs(M.IDENTITIES) do
    if opts[k] ~= nil then
      for other in pairs(M.IDENTITIES) do o[other] = nil end
    end
  end
  for k, v in pairs(opts) do
    if k ~= "profile" then o[k] = v end
  end
  return o
end

return M
