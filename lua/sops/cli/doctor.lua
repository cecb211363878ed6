-- bksops doctor: the connection checked step by step, each check one line
-- (ok, FAIL, warn or skip) with the fix when it fails: the configuration,
-- the URL and route, the tenant, reachability and latency (a bare request,
-- no credential), the clocks (the server's Date), bk-sops' api answering,
-- the app's credentials, the user, the business, and the restricted apis. run(ctx, args) -> exit code:
-- 0 when nothing failed, else the code of the first failure's kind.
--
-- FAIL is for what breaks the commands: a configuration or URL they cannot
-- use, bk-sops out of reach or refusing the app or the user, a clock too far
-- from the server's. warn only reports what the app and the user may reach
-- (the business among the user's projects, the restricted apis): bk-sops'
-- permissions decide those call by call, so they never fail doctor.
local sops = require "sops"
local api = require "sops.api"
local core = require "sops.core"
local config = require "sops.config"
local context = require "sops.cli.context"
local render = require "sops.cli.render"

local EXIT = context.EXIT
-- a clock this far from the server's fails the check (seconds): --since,
-- --until and the elapsed times shown would be read against a wrong time
local SKEW_LIMIT = 30
local M = {}

-- the checks, in the order they run
M.CHECKS = {"configuration", "url", "tenant", "reachability", "clock", "api", "credentials", "user", "business",
  "restricted"}

-- the gateway's codes (X-Bkapi-Error-Code) and legacy ESB's
local GW_INVALID_ARGS, GW_NOT_FOUND, GW_NO_PERMISSION = 1640001, 1640401, 1640301
local ESB_APP, ESB_USER, ESB_PARAMS = 1306403, 1306401, 1306406

-- The apis the gateway serves only to approved (whitelisted) apps.
local function restricted()
  local names = {}
  for _, e in ipairs(api.ENDPOINTS) do
    if e.restricted then names[#names + 1] = e.name end
  end
  return names
end

-- Who refused a call: "app" (its code or secret), "user", or nil.
local function refused_by(err)
  local m = tostring(err.message or "")
  if err.kind == "gateway" and err.code == GW_INVALID_ARGS then
    if m:find("user", 1, true) then return "user" end
    if m:find("app", 1, true) then return "app" end
  elseif err.kind == "api" then
    if err.code == ESB_APP or (err.code == ESB_PARAMS and m:find("bk_app", 1, true)) then return "app" end
    if err.code == ESB_USER then return "user" end
  end
end

local function where(from, key)
  return from[key] and " (from " .. from[key] .. ")" or ""
end

-- The checks: a list of {name, status, detail, fix, code}.
local function checks(ctx, a)
  local list = {}
  local function add(name, status, detail, fix, code)
    list[#list + 1] = {name = name, status = status, detail = detail, fix = fix,
      code = status == "fail" and code or nil}
    return status ~= "fail"
  end
  local c -- (the client, once the URL has made one)
  -- after a failure: every check after it skipped, the client closed
  local function stop(why)
    local at
    for i, name in ipairs(M.CHECKS) do
      if name == list[#list].name then at = i end
    end
    for i = at + 1, #M.CHECKS do add(M.CHECKS[i], "skip", "not checked: " .. why) end
    if c then c:close() end
    return list
  end

  -- 1. the configuration: found, readable, trusted, complete
  local opts, notices, s = config.client_options(a, ctx.getenv)
  if not opts then
    add("configuration", "fail", notices, "as the message says; 'bksops config show' shows where each setting "
      .. "comes from", EXIT.USAGE)
    return stop("the configuration failed")
  end
  for _, line in ipairs(notices) do ctx:warn("bksops: ", line) end
  local from = s.from
  local file = s.file.found and s.file.path .. " (profile " .. s.profile .. ")"
    or "no config file; flags and environment"
  add("configuration", "ok", file .. "; secret" .. where(from, "app_secret"))

  -- 2. the URL and the route
  local route = opts.route or (opts.url:find("/compapi/", 1, true) and "esb" or "apigw")
  local built
  built, c = pcall(sops.new, opts)
  if not built then
    local why = tostring(c)
    c = nil
    add("url", "fail", (why:gsub("^.-: bad argument", "bad argument")), "give a URL such as "
      .. "https://bkapi.example.com/api/bk-sops/prod (--url, BK_SOPS_URL)", EXIT.USAGE)
    return stop("no usable URL")
  end
  local stage = route == "apigw" and opts.url:match("/([^/]+)/*$")
  add("url", "ok", string.format("%s%s, route %s%s%s", opts.url, where(from, "url"), route,
    from.route and where(from, "route") or " (from the URL)", stage and ", stage " .. stage or ""))

  -- 3. the tenant the requests name
  if opts.tenant_id then
    add("tenant", "ok", "tenant " .. opts.tenant_id .. where(from, "tenant_id") .. ", sent as X-Bk-Tenant-Id")
  else
    add("tenant", "ok", "none: no X-Bk-Tenant-Id is sent (a bk-sops without tenants)")
  end

  -- 4. reachability and latency: a bare GET of the URL, no credential sent
  local probe, _, pmessage = core.probe(c)
  if not probe then
    add("reachability", "fail", string.format("%s: %s", opts.url, pmessage), "check the URL's host and port, "
      .. "the network, a proxy (--request-timeout for a slow one)", EXIT.TRANSPORT)
    return stop("bk-sops was not reached")
  end
  add("reachability", "ok", string.format("answered in %.0f ms (HTTP %d)", probe.seconds * 1000, probe.status))

  -- 5. the clocks: the server's Date against this machine's
  if not probe.server_time then
    add("clock", "skip", "not checked: the answer had no Date header this libcurl reads")
  else
    local skew = core.time() - probe.server_time
    local size = math.abs(skew)
    local words = size < 1.5 and "in step with the server's (±1 s)" or string.format("%s %s the server's",
      render.duration(math.floor(size + 0.5)), skew > 0 and "ahead of" or "behind")
    -- (a failure, but not one that stops the checks after it: they do not
    -- depend on the clock, and their lines still help)
    if size < SKEW_LIMIT then
      add("clock", "ok", "this machine's clock is " .. words)
    else
      add("clock", "fail", "this machine's clock is " .. words .. " (server: " .. probe.date .. ")",
        "set the clock (NTP): --since/--until and the elapsed times shown are read against it", EXIT.USAGE)
    end
    list[#list].skew = skew -- (seconds this machine is ahead; the Date header counts whole seconds)
  end

  -- 6. the api: bk-sops' own answer to a read that needs no business
  local started = core.monotime()
  local projects, _, answer = c:get_user_project_list{}
  local ms = (core.monotime() - started) * 1000
  local err = projects == nil and answer or nil
  if err and (err.kind == "transport" or err.kind == "timeout" or err.kind == "tls") then
    add("api", "fail", tostring(err), "the server answered a bare request but not this call: check a proxy, "
      .. "--request-timeout", context.code_for(err))
    return stop("the call did not come back")
  end
  if err and err.kind == "gateway" and err.code == GW_NOT_FOUND then
    add("api", "fail", string.format("the gateway has no bk-sops api at this URL (%s)", err.message),
      "check the URL's path and its stage" .. (stage and " ('" .. stage .. "')" or ""), EXIT.REFUSED)
    return stop("the URL is not bk-sops'")
  end
  if err and (err.kind == "decode" or err.kind == "http") then
    add("api", "fail", string.format("answered, but not as bk-sops does: %s", tostring(err)),
      "check that the URL is bk-sops' gateway stage (or ESB) URL", context.code_for(err))
    return stop("the URL is not bk-sops'")
  end
  add("api", "ok", string.format("bk-sops answered get_user_project_list in %.0f ms", ms))

  -- 7. the app's credentials, 8. the user
  local who = err and refused_by(err)
  if who == "app" then
    add("credentials", "fail", string.format("the %s refused app %s: %s", route == "esb" and "ESB" or "gateway",
      opts.app_code, err.message), "check the app code" .. where(from, "app_code") .. " and its secret"
      .. where(from, "app_secret"), EXIT.REFUSED)
    return stop("the app was refused")
  end
  add("credentials", "ok", "app " .. opts.app_code .. " accepted")
  local user = opts.username and "user " .. opts.username .. where(from, "username")
    or (opts.bk_token and "the user of BK_TOKEN" or "the user of BK_ACCESS_TOKEN")
  if err then
    add("user", "fail", string.format("%s refused: %s", user, err.message), who == "user"
      and "use a BK_TOKEN or BK_ACCESS_TOKEN, or have the app exempted from user verification for bk_username"
      or "see the message", context.code_for(err))
    return stop("the user was refused")
  end
  local n = type(projects) == "table" and #projects or 0
  add("user", "ok", string.format("%s: %d project%s visible", user, n, n == 1 and "" or "s"))

  -- 9. the business, among the user's projects
  if not opts.bk_biz_id then
    add("business", "warn", "none set: most commands need one", "give --biz or set BK_BIZ_ID")
  else
    local key = opts.scope == "project" and "project_id" or "bk_biz_id"
    local found
    for _, p in ipairs(type(projects) == "table" and projects or {}) do
      if type(p) == "table" and tonumber(p[key]) == opts.bk_biz_id then found = p break end
    end
    if found then
      add("business", "ok", string.format("%s %d%s: project %s (id %s)", opts.scope, opts.bk_biz_id,
        where(from, "biz"), tostring(found.name), tostring(found.project_id)))
    else
      add("business", "warn", string.format("%s %d%s is not among the user's projects", opts.scope, opts.bk_biz_id,
        where(from, "biz")), "check --biz and --scope, or the user's permissions in bk-sops")
    end
  end

  -- 10. the restricted apis: the gateway serves them to approved apps only
  local names = restricted()
  if route == "esb" then
    add("restricted", "skip", string.format("not probed on ESB; %d apis need the app whitelisted", #names))
  else
    local ok, _, perr = c:plugin_gateway_get_categories{}
    perr = ok == nil and perr or nil
    if not perr then
      add("restricted", "ok", string.format("the app may call restricted apis (%d; probed "
        .. "plugin_gateway_get_categories)", #names))
    elseif perr.kind == "gateway" and perr.code == GW_NO_PERMISSION then
      add("restricted", "warn", string.format("the gateway refuses app %s the %d restricted apis", opts.app_code,
        #names), "if you need them, ask bk-sops' gateway operators to approve app " .. opts.app_code)
    else
      add("restricted", "warn", "the probe failed: " .. tostring(perr))
    end
  end
  list[#list].apis = names
  c:close()
  return list
end

local MARK = {ok = "ok  ", fail = "FAIL", warn = "warn", skip = "skip"}

function M.run(ctx, a)
  local list = checks(ctx, a)
  local code = EXIT.OK
  for _, ch in ipairs(list) do
    if ch.code then code = ch.code break end
  end
  local shown = ctx:show(list, function()
    local lines = {}
    for _, ch in ipairs(list) do
      lines[#lines + 1] = string.format("%s %-13s %s", MARK[ch.status], ch.name, ch.detail)
      if ch.fix and ch.status ~= "ok" then lines[#lines + 1] = "     fix: " .. ch.fix end
    end
    return lines
  end)
  if shown ~= EXIT.OK then return shown end
  return code
end

return M
