-- sops.new: checks the options, makes the C client, and gives it the
-- methods of sops.api. A client is the core's userdata itself, so
-- `local c <close> = sops.new{...}`, c:close() and garbage collection all
-- release its libcurl handle.
local core = require "sops.core"
local check = require "sops.check"
local api = require "sops.api"
local attempts = require "sops.attempts"
local options = require "sops.options"

local M = {}

-- Loaded on first use, so that `require "sops"` loads only what every
-- client needs: sops.cosocket by the first client that may use cosockets
-- (inside nginx, or asking for them), sops.keyed by the first call with a
-- key, sops.pages by the first client:pages, sops.wait by the first wait.
local cosocket, keyed, pages_method

-- the core knows no endpoint of its own: it compiles sops.api's, once
core.register(api.ENDPOINTS)

-- per-client settings of the Lua layer, keyed weakly by the client:
-- {bk_biz_id, scope, timeout, retries, on_request, on_response, ngx,
-- cosocket, exchange}
local settings = setmetatable({}, {__mode = "k"})

-- Whether send has anything to add to c's calls (cfg: its settings):
-- when not, a method whose arguments fit goes straight to core.call
-- (csrc/method.c). Told again whenever a hook comes or goes.
local function mark_direct(c, cfg)
  core.set_direct(c, not (cfg.retries or cfg.on_request or cfg.on_response or cfg.ngx))
end

-- Makes a client; raises on a mistake in the options.
function M.build(opts)
  if type(opts) == "table" and opts.profile ~= nil then opts = options.from_profile(opts) end
  local copts = options.check(opts)
  local cfg = {
    bk_biz_id = copts.bk_biz_id, scope = copts.scope, timeout = copts.timeout,
    retries = options.retry_policy(opts.retries),
    on_request = options.hook("on_request", opts.on_request),
    on_response = options.hook("on_response", opts.on_response),
    cosocket = {url = copts.url, timeout = copts.timeout, connect_timeout = copts.connect_timeout,
      verify_tls = copts.verify_tls, proxy = copts.proxy, max_body = copts.max_body},
  }
  -- (outside nginx, without option transport, no cosocket: libcurl)
  if opts.transport ~= nil or type(rawget(_G, "ngx")) == "table" then
    cosocket = cosocket or require "sops.cosocket"
    cfg.ngx = cosocket.transport(opts)
  end
  cfg.exchange = cfg.ngx and M.exchange or M.direct
  local c = core.new(copts)
  settings[c] = cfg
  mark_direct(c, cfg)
  return c
end

function M.new(opts)
  local c = M.build(opts)
  return c
end

local is_open = core.client_methods.is_open

-- each call's name in messages ("sops.get_task_status"), made once
local CALL_NAME = {}
for name in pairs(api.CALLS) do CALL_NAME[name] = "sops." .. name end

-- Raises "bad argument #1 to 'call' (client is closed)" when
-- client c has been closed.
function M.check_open(c, call)
  if not is_open(c) then check.fail(call, nil, "client is closed") end
end

-- The entries of list field `field` as integer ids, raising on a bad one.
local function ids_of(call, field, list)
  local ids = {}
  for i, v in ipairs(list) do
    local id, bad = check.id(v)
    if not id then check.fail(call, field .. "[" .. i .. "]", bad) end
    ids[i] = id
  end
  return ids
end

-- How list and flag fields travel (spec.reshape, from sops.api): a list
-- as a JSON array even when empty, or comma-joined; a list of ids checked
-- and sent as integers; a flag the server parses as "true"/"false".
local function reshape(call, r, v)
  if r.kind == "boolean" then return v and "true" or "false" end
  local list
  if r.kind == "ids" then
    list = ids_of(call, r.name, v)
    if r.max and #list > r.max then check.fail(call, r.name, "at most " .. r.max .. " ids per call") end
  else
    list = {}
    for j, x in ipairs(v) do list[j] = x end
  end
  if r.travel ~= "comma" then return setmetatable(list, core.array_mt) end
  for j, x in ipairs(list) do
    if type(x) ~= "string" and not check.is_int(x) then
      check.fail(call, r.name .. "[" .. j .. "]", "string or integer expected, got " .. type(x))
    end
    list[j] = type(x) == "string" and x or string.format("%d", x)
  end
  return table.concat(list, ",")
end

-- each call's checks compiled by the core (csrc/fits.c): core.fits(plan,
-- client, args) is true when args pass them and can be sent as they are
local PLAN = {}
for name, spec in pairs(api.CALLS) do PLAN[name] = core.plan(spec) end
local fits = core.fits

-- The parameters of one call, checked in full (what core.fits did not let
-- through): argument mistakes raise the precise message (check.fields);
-- the caller's table itself when nothing is added, reshaped or taken out.
local function full_params(self, name, spec, args)
  if type(self) ~= "userdata" then
    check.raise("bad self to 'sops." .. name .. "' (use client:" .. name .. "{...})")
  end
  local call = CALL_NAME[name]
  if not is_open(self) then check.fail(call, nil, "client is closed") end
  check.fields(call, args, spec.fields)
  local d = settings[self]
  if spec.scoped and args.bk_biz_id == nil and not (d and d.bk_biz_id) then
    check.fail(call, "bk_biz_id", "positive integer expected, got nil (give it here or to sops.new)")
  end
  if spec.actions and not spec.actions[args.action] then
    check.fail(call, "action", "unknown action '" .. tostring(args.action) .. "'")
  end
  -- sent as given, unless fields must be added, reshaped or taken out
  local local_list, rs, copy = spec.local_list, spec.reshape, spec.fixed ~= nil
  for i = 1, #local_list do
    if args[local_list[i]] ~= nil then copy = true end
  end
  for i = 1, #rs do
    if args[rs[i].name] ~= nil then copy = true end
  end
  if not copy then return args end

  local p = {}
  for k, v in next, args do p[k] = v end
  for i = 1, #local_list do p[local_list[i]] = nil end
  if spec.fixed then
    for k, v in pairs(spec.fixed) do p[k] = v end
  end
  for i = 1, #rs do
    local r = rs[i]
    if p[r.name] ~= nil then p[r.name] = reshape(call, r, p[r.name]) end
  end
  return p
end

-- Builds the parameters of one call, raising on argument mistakes. The
-- common case sends the caller's own table as it is (the core fills in the
-- client's bk_biz_id and scope).
local function params_for(self, name, spec, args)
  if fits(PLAN[name], self, args) then return args end
  return full_params(self, name, spec, args)
end

-- The bk-sops api that call `name` maps to and its checked parameters;
-- argument errors are raised.
function M.params(c, name, args)
  local spec = api.CALLS[name]
  return spec.api, params_for(c, name, spec, args)
end

-- One exchange, as core.call's arguments and results (value, nil, response
-- | nil, message, err) with a throttle refusal made its own kind
-- (attempts.outcome): M.direct through libcurl, M.exchange for a client
-- that may use cosockets, by either transport (sops.cosocket).
local call_at = core.call -- the C function, without a lookup per call
local outcome = attempts.outcome
function M.direct(c, api_name, params, timeout, traceparent)
  return outcome(call_at(c, api_name, params, timeout, traceparent))
end
function M.exchange(c, api_name, params, timeout, traceparent)
  return outcome(cosocket.exchange(settings[c], c, api_name, params, timeout, traceparent))
end

-- Sends api with params on client c, through the retry policy and hooks
-- when it has them.
-- from the function that calls send (2: its caller).
local function send(c, call, api_name, params, timeout, traceparent)
  local cfg = settings[c]
  if cfg and (cfg.retries or cfg.on_request or cfg.on_response) then
    local value, message, info = attempts.run(c, cfg, call, api_name, params, timeout, traceparent)
    return value, message, info
  end
  local exchange = cfg and cfg.exchange or M.direct
  if exchange == M.direct then
    -- (M.direct inline: the hot path of every plain call)
    local value, message, info = call_at(c, api_name, params, timeout, traceparent)
    if value == nil then return outcome(value, message, info) end
    return value, message, info
  end
  local value, message, info = exchange(c, api_name, params, timeout, traceparent)
  return value, message, info
end

-- start_task{..., ensure = true}: reads the task's state first and starts
-- it only while it is still CREATED, so that a start whose outcome was
-- unclear (err.sent) can be repeated safely. A task already under way
-- gives {already_started = true, state = ...}, nil and the status answer.
local function ensure_started(c, args)
  local status, message, info = send(c, "sops.start_task", "get_task_status",
    {task_id = args.task_id, bk_biz_id = args.bk_biz_id, scope = args.scope}, nil, args.traceparent)
  if not status then return nil, message, info end
  if type(status) == "table" and status.state ~= "CREATED" then
    return {already_started = true, state = status.state}, nil, info
  end
  return nil
end

-- create_task{..., callback = receiver}: the task gets a callback URL of
-- its own from the receiver (v2, with the outputs, where the endpoint
-- records a version), tied to the task's id once bk-sops answers with it;
-- an unused URL is forgotten at once.
local function create_with_callback(c, name, spec, params, args)
  local call = CALL_NAME[name]
  if args.callback_url ~= nil then check.fail(call, "callback", "give callback or callback_url, not both") end
  local receiver = args.callback
  local reg, why, err = receiver:issue()
  if not reg then return nil, why, err end
  params.callback_url = reg.url
  if spec.api == "create_task" and params.callback_version == nil then params.callback_version = "v2" end
  local value, message, info = send(c, call, spec.api, params, nil, args.traceparent)
  local id = type(value) == "table" and check.id(value.task_id)
  if id then receiver:bind(reg, id) else receiver:forget(reg.slot) end
  return value, message, info
end

-- Runs call `name` on client c with params, made from args and checked:
-- value, nil, response | nil, message, err. timeout (seconds, optional)
-- shortens the client's timeout for this call.
local function run(c, name, spec, params, args, timeout)
  local call = CALL_NAME[name]
  if args.key ~= nil and spec.local_fields.key then
    keyed = keyed or require "sops.keyed"
    local value, message, info = keyed.run(c, name, args, params, send, function(p)
      if args.callback ~= nil then
        local v, m, i = create_with_callback(c, name, spec, p, args)
        return v, m, i
      end
      local v, m, i = send(c, call, spec.api, p, timeout, args.traceparent)
      return v, m, i
    end)
    return value, message, info
  end
  if args.callback ~= nil then
    local value, message, info = create_with_callback(c, name, spec, params, args)
    return value, message, info
  end
  if args.ensure then
    local done, message, info = ensure_started(c, args)
    if done or message then return done, message, info end
  end
  local value, message, info = send(c, call, spec.api, params, timeout, args.traceparent)
  return value, message, info
end
-- invoke: the same from args, argument errors raised.
local CALLS = api.CALLS
local function invoke(c, name, args, timeout)
  local spec = CALLS[name]
  local value, message, info = run(c, name, spec, params_for(c, name, spec, args), args, timeout)
  return value, message, info
end
M.invoke = invoke

-- A method: the core's (csrc/method.c), which sends args that core.fits
-- passes on a client with nothing for send to add at once, and gives the
-- rest to this one: args that fit go to send; anything else (a local
-- field, a field to reshape, a mistake) is checked in full and run.
local methods = core.client_methods
for name, spec in pairs(api.CALLS) do
  local plan, call, api_name = PLAN[name], CALL_NAME[name], spec.api
  methods[name] = core.method(plan, api_name, function(self, args)
    if fits(plan, self, args) then
      local value, message, info = send(self, call, api_name, args)
      return value, message, info
    end
    local value, message, info = run(self, name, spec, full_params(self, name, spec, args), args)
    return value, message, info
  end, outcome)
end

-- Endpoints defined by callers for apis the table does not have: name ->
-- {method, path}.
local defined = {}

-- The name of the endpoint a client:call spec stands for, defined in the
-- core on first use; raises on a malformed spec or one that
-- differs from what the name means already.
local function define(spec)
  local name, method, path = spec.api, spec.method, spec.path
  if type(name) ~= "string" or not name:find("^[%w_]+$") then
    check.fail("call", "api", "api name expected (letters, digits and _)")
  end
  if method ~= "GET" and method ~= "POST" then check.fail("call", "method", "'GET' or 'POST' expected") end
  if type(path) ~= "string" or not path:find("^/") or path:find("[%s?#]") then
    check.fail("call", "path", "a path such as '/" .. name .. "/{bk_biz_id}/' expected")
  end
  local known = api.BY_NAME[name] or defined[name]
  if known then
    if known.method ~= method or known.path ~= path then
      check.fail("call", "api", "'" .. name .. "' is " .. known.method .. " " .. known.path .. " already")
    end
    return name
  end
  local changes_state = spec.changes_state
  if changes_state == nil then changes_state = method == "POST" end -- sent at most once unless told it is a read
  -- (on an ESB client it goes to ESB's /<name>/ unless esb = false says ESB lacks it)
  core.define({name = name, method = method, path = path, changes_state = changes_state, esb = spec.esb ~= false})
  defined[name] = {method = method, path = path}
  return name
end

-- client:call(api, params [, timeout]): api is the name of an endpoint of
-- sops.api, or {api = name, method = "GET" | "POST", path = "/x/{bk_biz_id}/"
-- [, changes_state = boolean]} for one the table does not have, which needs
-- no new release of lua-sops. params go as given (ids by name into the path).
function methods:call(target, params, timeout)
  local name = target
  if type(target) == "table" then name = define(target) end
  local cfg = settings[self]
  local value, message, info = (cfg and cfg.exchange or M.direct)(self, name, params, timeout)
  return value, message, info
end

-- client:call_many(calls [, timeout]): the core's, or inside nginx
-- sops.cosocket's, with the same results.
local curl_call_many = methods.call_many
function methods:call_many(calls, timeout)
  local cfg = settings[self]
  local results
  if not (cfg and cfg.ngx) then
    results = curl_call_many(self, calls, timeout)
  else
    results = cosocket.call_many(cfg, self, calls, timeout)
  end
  for i = 1, #results do
    local r = results[i]
    if r[1] == nil and r[3] then r[1], r[2], r[3] = outcome(nil, r[2], r[3]) end
  end
  return results
end

-- client:pages(name, args): the method sops.pages makes, on first use
function methods:pages(name, args)
  pages_method = pages_method or require("sops.pages").method(params_for, send)
  local iterator, pager = pages_method(self, name, args)
  return iterator, pager
end

-- client:wait(args) and client:wait_all(args): sops.wait's (docs/waiting.md)
function methods:wait(args)
  local status, message, err = require("sops.wait").wait(self, args)
  return status, message, err
end
function methods:wait_all(args)
  local results = require("sops.wait").wait_all(self, args)
  return results
end

-- client:on("request" | "response", fn): sets (or with nil, removes) a hook.
function methods:on(event, fn)
  local cfg = settings[self]
  if event ~= "request" and event ~= "response" then
    check.raise("bad argument #1 to 'on' ('request' or 'response' expected)")
  end
  if fn ~= nil and type(fn) ~= "function" then
    check.raise("bad argument #2 to 'on' (function expected, got " .. type(fn) .. ")")
  end
  cfg["on_" .. event] = fn
  mark_direct(self, cfg)
  return self
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- client:prepare(name, args) -> what call `name` would send: {method, url,
-- headers, body, changes_state, curl}, every secret as ***. Nothing is sent.
function methods:prepare(name, args)
  local spec = type(name) == "string" and api.CALLS[name]
  if not spec then
    check.raise("bad argument #1 to 'prepare' (a call name such as 'get_task_status' expected)")
  end
  local params = params_for(self, name, spec, args)
  if args.key ~= nil and spec.local_fields.key then
    -- (the create it would send; a look for the key goes first)
    keyed = keyed or require "sops.keyed"
    keyed.check(name, args)
    params.name = keyed.name(args)
  end
  local r = core.build(self, spec.api, params)
  local words = {"curl", "-X", r.method, shell_quote(r.url)}
  for _, line in ipairs(r.headers) do
    -- curl sends "Name;" as an empty header and drops "Name:"
    words[#words + 1] = "-H " .. shell_quote((line:gsub(":$", ";")))
  end
  if r.body then words[#words + 1] = "--data-binary " .. shell_quote(r.body) end
  r.curl = table.concat(words, " ")
  return r
end

-- The defaults a client was made with (bk_biz_id, scope).
function methods:defaults()
  local d = settings[self] or {}
  return {bk_biz_id = d.bk_biz_id, scope = d.scope}
end

M.methods = methods
return M
