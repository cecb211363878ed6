-- The two front doors of bk-sops (protocol §1): the API gateway, with its
-- credential header and gateway-made error bodies, and the legacy ESB, with
-- credentials and ids among the parameters and `code` rewritten to 0/1306000.
-- Both end in sops.sim.views.
local json = require "sops.sim.json"
local util = require "sops.sim.util"
local views = require "sops.sim.views"
local catalog = require "sops.sim.catalog"

local M = {}

local function gateway_error(status, code, code_name, message)
  local body = json.obj("code", code, "data", json.null, "code_name", code_name, "message", message, "result", false)
  return {status, {
    {"Content-Type", "application/json"},
    {"X-Bkapi-Error-Code", tostring(code)},
    {"X-Bkapi-Error-Message", message},
  }, json.encode(body)}
end
M.gateway_error = gateway_error

local function invalid_args(reason)
  return gateway_error(400, 1640001, "INVALID_ARGS", string.format('Parameters error [reason="%s"]', reason))
end

-- bk-sops' handler404 (gcloud/core/views.py page_not_found) for a caller
-- without a login cookie, as API callers are: a redirect to the site with
-- the URL it could not find, quoted as Python's quote() does.
local function quote(s)
  return (s:gsub("[^%w%-%._~/]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function page_not_found(sim, req, rest)
  local site = sim.app_host:match("^%a+://[^/]+(/.*)$") or "/"
  local url = sim.app_host .. "apigw" .. rest .. ((req.query or "") ~= "" and ("?" .. req.query) or "")
  return {302, {{"Content-Type", "text/html; charset=utf-8"},
    {"Location", site .. "?page_not_found=" .. quote(url)}}, ""}
end

-- The gateway's answer to an app it has not approved for a restricted
-- resource (fixture gateway_app_no_permission.json).
local function no_permission()
  return gateway_error(403, 1640301, "APP_NO_PERMISSION", "App has no permission to the resource")
end

local function approved(sim, app_code)
  return views.WHITELIST[app_code] or sim.config.whitelist[app_code]
end

-- The values of a route's path parameters as the view gets them: ids as
-- integers (and their text as <name>_raw), the others as text; a project_id
-- is the business id too. nil when one does not match urls.py's pattern.
local function path_values(route, values)
  local ids = {}
  for i, name in ipairs(route.params) do
    local v = values[i]
    local text = catalog.TEXT[name]
    if text then
      if not v:match(text) then return nil end
      ids[name] = v
    else
      if not v:match("^%d+$") then return nil end
      ids[name] = math.tointeger(tonumber(v))
      ids[name .. "_raw"] = v
    end
  end
  if ids.project_id then ids.bk_biz_id, ids.bk_biz_id_raw = ids.project_id, ids.project_id_raw end
  return ids
end

local function method_not_allowed(ep)
  return {405, {{"Allow", ep.method}, {"Content-Type", "text/html; charset=utf-8"}}, ""}
end

-- Checks an app/user identity. creds: {bk_app_code, bk_app_secret, bk_token,
-- access_token, bk_username}. Returns username, app_code or nil, reason.
-- app_only: a resource that verifies the app and no user ("" then).
local function authenticate(config, creds, app_only)
  local code = creds.bk_app_code
  if type(code) ~= "string" or code == "" then return nil, "app" end
  local secret = creds.bk_app_secret
  if type(secret) ~= "string" or secret == "" then return nil, "secret" end
  if code ~= config.app_code or secret ~= config.app_secret then return nil, "bad_app" end
  if app_only then
    -- the gateway verifies no user here; bk-sops reads what it is sent
    local user = config.tokens[creds.bk_token or ""] or config.tokens[creds.access_token or ""] or creds.bk_username
    return type(user) == "string" and user or "", code
  end
  local token, access = creds.bk_token, creds.access_token
  if type(token) == "string" and token ~= "" then
    local user = config.tokens[token]
    if not user then return nil, "user" end
    return user, code
  end
  if type(access) == "string" and access ~= "" then
    local user = config.tokens[access]
    if not user then return nil, "user" end
    return user, code
  end
  local username = creds.bk_username
  if type(username) == "string" and username ~= "" then
    if not config.username_exempt then return nil, "username" end
    return username, code
  end
  return nil, "user"
end

-- The credential header, decoded (read only): a client sends the same one
-- on every request, so the last few are kept.
local CREDS, creds_kept = {}, 0
local function credentials(header)
  header = header or ""
  local creds = CREDS[header]
  if creds then return creds end
  creds = json.decode(header)
  if type(creds) ~= "table" then creds = {} end
  if creds_kept >= 64 then CREDS, creds_kept = {}, 0 end
  CREDS[header], creds_kept = creds, creds_kept + 1
  return creds
end

local GATEWAY_REASONS = {
  app = "app code cannot be empty",
  secret = "please provide bk_app_secret or bk_signature to verify app",
  bad_app = "bk_app_code or bk_app_secret is incorrect",
  user = "user authentication failed, please provide a valid user identity, such as bk_username, bk_token, access_token",
  username = "user authentication failed, the user indicated by bk_username is not verified",
}

local function sorted_query(args)
  local keys = {}
  for k in pairs(args) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. args[k] end
  return table.concat(parts, "&")
end

local function trace_id(req)
  return req.headers.traceparent or util.uuid_hex()
end

-- A multi-tenant gateway's refusal of a request without X-Bk-Tenant-Id.
-- (Modelled: blueking-apigateway's own text was not read; its shape is the
-- gateway's other argument errors'.)
local function no_tenant()
  return invalid_args("X-Bk-Tenant-Id is required in the request headers, please set the tenant id")
end

-- Whether the simulator is a multi-tenant BlueKing (`--edition multi-tenant`).
local function multi_tenant(sim)
  return sim.config.edition == "multi-tenant"
end
M.multi_tenant = multi_tenant

-- Handles /{stage}/<resource path>. Returns a response table. A resource
-- the simulator is told its server lacks (config.missing) is unknown, as
-- are the app-state twins (/system/...) but on a multi-tenant server.
-- There every request names its tenant (X-Bk-Tenant-Id), checked once the
-- credentials are (modelled order), and only the X-Bkapi-Authorization
-- header carries them: a multi-tenant gateway does not read them from the
-- query or the body (allow_auth_from_params off), nor does the simulator's
-- single-tenant one.
function M.gateway(sim, req, stage, rest)
  local multi = multi_tenant(sim)
  local ep, values, twin = catalog.match(rest, req.method, multi)
  if stage ~= sim.config.stage or not ep or sim.config.missing[ep.name] then
    return gateway_error(404, 1640401, "API_NOT_FOUND",
      string.format('API not found [method="%s" path="%s"]', req.method, req.path))
  end
  -- a twin verifies the app and no user (userVerifiedRequired false)
  local auth = ep.auth
  if twin and auth ~= "none" then auth = "app" end
  local username, app_code = "", nil
  if auth ~= "none" then
    local creds = credentials(req.headers["x-bkapi-authorization"])
    username, app_code = authenticate(sim.config, creds, auth == "app")
    if not username then return invalid_args(GATEWAY_REASONS[app_code]) end
  end
  local tenant
  if multi then
    tenant = req.headers["x-bk-tenant-id"]
    if tenant == nil or tenant:match("^%s*$") then return no_tenant() end
  end
  if auth ~= "none" and ep.restricted and not approved(sim, app_code) then return no_permission() end
  -- (the gateway passes any segment; bk-sops' urls.py wants digits; a
  -- twin's backend path is the plain resource's)
  local ids = path_values(ep, values)
  if not ids then return page_not_found(sim, req, twin and rest:sub(8) or rest) end
  local args = util.parse_query(req.query)
  local trace = trace_id(req)
  local resp = sim.views:dispatch({
    api = ep.name, route = ep, method = req.method, args = args, body = req.body, ids = ids,
    username = username, app_code = app_code, trace_id = trace,
    mcp_server_id = req.headers["x-bkapi-mcp-server-id"], tenant_id = tenant, system = twin or nil,
    path = req.path, request_path = req.path, sorted_query = sorted_query(args),
    accept_language = req.headers["accept-language"],
  })
  return M.trace_header(resp, trace)
end

-- TraceIDInjectMiddleware (gcloud/core/middlewares.py:90-103), outermost
-- but one of bk-sops' middleware: every answer whose Content-Type is
-- exactly application/json gets Sops-Trace-Id (setdefault), the view's or
-- a decorator's or another middleware's alike; an HTML page or a redirect
-- does not.
-- (a new list of headers: a cached answer's own is left as it was)
function M.trace_header(resp, trace)
  local headers, json_type = {}, false
  for i, h in ipairs(resp[2]) do
    local name = h[1]:lower()
    if name == "sops-trace-id" then return resp end
    if name == "content-type" then json_type = h[2] == "application/json" end
    headers[i] = h
  end
  if not json_type then return resp end
  headers[#headers + 1] = {"Sops-Trace-Id", trace}
  return {resp[1], headers, resp[3], chunk = resp.chunk}
end

local ESB_REASONS = {
  app = {1306406, "Parameters error, bk_app_code cannot be empty"},
  secret = {1306406, "Parameters error, bk_app_secret cannot be empty"},
  bad_app = {1306403, "APP authentication failed, bk_app_code or bk_app_secret is incorrect"},
  user = {1306401, "User authentication failed, please provide a valid user identity, such as bk_token, bk_username"},
  username = {1306401, "User authentication failed, please provide a valid user identity, such as bk_token, bk_username"},
}

local function esb_error(code, message)
  local body = json.obj("result", false, "code", code, "data", json.null, "message", message,
    "request_id", util.uuid_hex())
  return {200, {{"Content-Type", "application/json"}}, json.encode(body)}
end

local CRED_KEYS = {"bk_app_code", "bk_app_secret", "bk_token", "bk_username", "bk_access_token", "access_token"}

-- Handles /api/c/compapi/v2/sops/{api}/ . Returns a response table.
function M.esb(sim, req, api)
  local ep = catalog.BY_NAME[api]
  if not (ep and ep.esb) or sim.config.missing[api] then
    return esb_error(1306404, string.format("Not found, component class not found: sops.%s", api))
  end
  if req.method ~= ep.method then return method_not_allowed(ep) end
  local params
  local body_ok = true
  if req.method == "GET" then
    params = util.parse_query(req.query)
  else
    local v = req.body:match("^%s*$") and {} or json.decode(req.body)
    if type(v) == "table" and not json.is_array(v) then
      params = v
    else
      params, body_ok = {}, false
    end
  end
  -- newer ESB builds also take the gateway's credential header
  local creds = json.decode(req.headers["x-bkapi-authorization"] or "")
  if type(creds) ~= "table" then creds = params end
  local username, why = authenticate(sim.config, {
    bk_app_code = creds.bk_app_code, bk_app_secret = creds.bk_app_secret, bk_token = creds.bk_token,
    bk_username = creds.bk_username, access_token = creds.bk_access_token or creds.access_token,
  })
  if not username then
    local e = ESB_REASONS[why]
    return esb_error(e[1], e[2])
  end
  -- (unverified: the text legacy ESB gives an app without the component's
  -- permission; the code is its documented 1306403)
  if ep.restricted and not approved(sim, creds.bk_app_code) then
    return esb_error(1306403, string.format("App[%s] has no permission to the component sops.%s",
      tostring(creds.bk_app_code), api))
  end
  local ids = {}
  for _, name in ipairs(ep.params) do
    local v = params[name]
    if v == nil or v == "" or v == json.null then
      return esb_error(1306406, "Parameters error, param " .. name .. " is required")
    end
    local s = tostring(math.tointeger(v) or v)
    if not s:match("^%d+$") then
      return esb_error(1306201, "Request third-party interface error, status_code: 404")
    end
    ids[name] = math.tointeger(tonumber(s))
    ids[name .. "_raw"] = s
    params[name] = nil
  end
  for _, k in ipairs(CRED_KEYS) do params[k] = nil end
  if ids.project_id then ids.bk_biz_id, ids.bk_biz_id_raw = ids.project_id, ids.project_id_raw end
  local ctx = {
    api = api, route = ep, method = req.method, ids = ids, username = username, app_code = creds.bk_app_code,
    trace_id = trace_id(req), path = "/" .. api .. "/", request_path = req.path,
    accept_language = req.headers["accept-language"],
  }
  if req.method == "GET" then
    ctx.args, ctx.body = params, ""
    ctx.sorted_query = sorted_query(params)
  else
    ctx.args = util.parse_query(req.query)
    ctx.body = body_ok and json.encode(params) or req.body
  end
  local resp = sim.views:dispatch(ctx)
  -- ESB rewrites code and adds its request id to JSON bodies (written by
  -- the simulator's compact writer: ESB's own was not read; the view's
  -- trace_id stays in a Sops-Trace-Id header, as before)
  local body = resp[1] == 200 and json.decode(resp[3])
  if type(body) == "table" then
    body.code = body.result == true and 0 or 1306000
    body.request_id = util.uuid_hex()
    resp = {resp[1], resp[2], json.encode(body)}
    if type(body.trace_id) == "string" then resp = M.trace_header(resp, body.trace_id) end
  end
  return resp
end

return M
