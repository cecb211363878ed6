-- Where a connection comes from, for the bksops command and for
-- sops.new{profile = ...}: flags (or sops.new's own options) first, then
-- the profile named by --profile (BKSOPS_PROFILE), then the environment,
-- then the [default] profile of ~/.config/bksops/config
-- ($XDG_CONFIG_HOME/bksops/config, or the file BKSOPS_CONFIG names).
-- Secrets never come from the command line or the config file: from the
-- environment, or from a file only its owner may read. The names of 0.2
-- (SOPS_CONFIG, SOPS_PROFILE, ~/.config/sops/config) are still read, with
-- a notice, until 0.4.0.
local core = require "sops.core"
local check = require "sops.check"
local commands = require "sops.cli.commands"

local M = {}

-- the keys a profile may set (the connection options, as key = value)
local KEYS = {}
for _, o in ipairs(commands.CONNECTION) do
  if o.long ~= "--profile" then KEYS[o.long:sub(3):gsub("%-", "_")] = o end
end
-- keys that would put a secret in the config file
local SECRETS = {app_secret = true, bk_token = true, access_token = true, secret = true}

local function default_of(key)
  return KEYS[key] and KEYS[key].default
end

-- the variables a BlueKing app's tenant is read from, in order (bkpaas
-- and bk-apigateway SDKs)
M.TENANT_VARS = {"BK_APP_TENANT_ID", "BKPAAS_APP_TENANT_ID"}

-- the directory under ~/.config, and 0.2's, read until 0.4.0
M.DIR, M.OLD_DIR = "bksops", "sops"

local function given(v) return v ~= nil and v ~= "" end

local function readable(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

-- An environment variable, or 0.2's name for it with a notice (appended
-- to `notices`).
local function env_var(getenv, name, old, notices)
  local v = getenv(name)
  if given(v) then return v end
  v = getenv(old)
  if given(v) then
    notices[#notices + 1] = string.format("%s is read until lua-sops 0.4.0: rename it %s", old, name)
    return v
  end
end

-- The config file's path from the environment, and whether it was named
-- explicitly; a notice goes to `notices` when it is found under 0.2's name.
function M.path(getenv, notices)
  notices = notices or {}
  local explicit = env_var(getenv, "BKSOPS_CONFIG", "SOPS_CONFIG", notices)
  if explicit then return explicit, true end
  local base
  local xdg, home = getenv("XDG_CONFIG_HOME"), getenv("HOME")
  if given(xdg) then base = xdg elseif given(home) then base = home .. "/.config" else return nil end
  local path, old = base .. "/" .. M.DIR .. "/config", base .. "/" .. M.OLD_DIR .. "/config"
  if not readable(path) and readable(old) then
    notices[#notices + 1] = string.format("reading %s until lua-sops 0.4.0: move it to %s", old, path)
    return old
  end
  return path
end

-- Reads an INI file of profiles: {name = {key = value}} and the profile
-- its top line `profile = NAME` chooses (bksops config use writes it;
-- nil when there is none); nil, message.
function M.parse(text, path)
  local profiles, current, chosen = {}, nil, nil
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" and not line:find("^[#;]") then
      local section = line:match("^%[%s*([%w_.-]+)%s*%]$")
      local key, value = line:match("^([%w_-]+)%s*=%s*(.-)$")
      if section then
        profiles[section] = profiles[section] or {}
        current = profiles[section]
      elseif key == "profile" and not current then
        chosen = value:gsub('^"(.*)"$', "%1")
        if not chosen:find("^[%w_.-]+$") then
          return nil, string.format("%s:%d: a profile's name expected, got '%s'", path, n, chosen)
        end
      elseif key and current then
        key = key:gsub("%-", "_")
        if SECRETS[key] then
          return nil, string.format("%s:%d: '%s' is a secret and stays out of the config file: set it in the "
            .. "environment, or give app_secret_file (a file only you may read)", path, n, key)
        end
        if not KEYS[key] then return nil, string.format("%s:%d: unknown key '%s'", path, n, key) end
        current[key] = value:gsub('^"(.*)"$', "%1")
      else
        return nil, string.format("%s:%d: '[profile]' or 'key = value' expected", path, n)
      end
    end
  end
  if chosen and not profiles[chosen] and chosen ~= "default" then
    return nil, string.format("%s: 'profile = %s' names no profile of the file", path, chosen)
  end
  return profiles, chosen
end

-- whether a permission bit of `bit` (a power of two) is set in mode
local function bit_set(mode, bit)
  return math.floor(mode / bit) % 2 == 1
end

-- The text of a file that decides where the app secret goes (the config
-- file) or holds it (the secret file), as OpenSSH judges its own: owned by
-- you or root, writable by nobody else, and (a secret) readable by nobody
-- else. The file is opened first and the opened file judged. Returns the
-- text and its permission bits, or nil, message, and why: "missing" (no
-- such file), "unreadable" or "untrusted".
function M.read_trusted(path, what, secret)
  local text, mode, owned = core.read_owned(path)
  if not text then return nil, "cannot read " .. what .. ": " .. mode, owned end
  if not owned then
    return nil, string.format("%s %s is not owned by you or root: anyone who owns it decides where your app secret "
      .. "goes; make it yours ('chown %s %s') or use another", what, path, "$(id -un)", path), "untrusted"
  end
  if secret and mode % 64 ~= 0 then -- any bit for group or others: 0077
    return nil, string.format("%s %s can be read by others (mode %04o): run 'chmod 600 %s'", what, path, mode, path),
      "untrusted"
  end
  if bit_set(mode, 16) or bit_set(mode, 2) then -- 0020, 0002
    return nil, string.format("%s %s can be changed by others (mode %04o): run 'chmod go-w %s'", what, path, mode,
      path), "untrusted"
  end
  return text, mode
end

-- The secret in the file at path, which only its owner may read or write.
function M.read_secret(path, what)
  local s, err = M.read_trusted(path, what, true)
  if not s then return nil, err end
  s = s:gsub("%s+$", "")
  if s == "" then return nil, what .. " " .. path .. " is empty" end
  return s
end

-- The config file as the command reads it: {path, explicit (named by
-- BKSOPS_CONFIG), found, profiles, chosen (its `profile = NAME`), mode};
-- or nil, message for a file that cannot be read, is not trusted or does
-- not parse. A file that is missing is found = false, with no profiles.
function M.file(getenv, notices)
  local path, explicit = M.path(getenv, notices or {})
  local f = {path = path, explicit = explicit, found = false, profiles = {}}
  -- (/dev/null: no config file, as a script or a spec may say)
  if not path then return f end
  if path == "/dev/null" then f.explicit = false return f end
  local text, err, why = M.read_trusted(path, "the config file")
  if not text then
    if why ~= "missing" then return nil, err end
    return f
  end
  f.mode = err
  local profiles, chosen = M.parse(text, path)
  if not profiles then return nil, chosen end
  f.found, f.text, f.profiles, f.chosen = true, text, profiles, chosen
  return f
end

-- The profile in effect: its name and what named it ("--profile",
-- "BKSOPS_PROFILE", "the config file"), or "default" and nil.
function M.profile_name(flags, getenv, file, notices)
  if given(flags.profile) then return flags.profile, "--profile" end
  local env = env_var(getenv, "BKSOPS_PROFILE", "SOPS_PROFILE", notices)
  if given(env) then return env, getenv("BKSOPS_PROFILE") == env and "BKSOPS_PROFILE" or "SOPS_PROFILE" end
  if file.chosen and file.chosen ~= "default" then return file.chosen, "the config file" end
  return "default", nil
end

-- Where each connection setting comes from, without judging them:
-- {file = M.file's table, profile = name in effect, profile_from,
-- values = {key = value}, from = {key = where}} (where: "--url",
-- "profile staging", "BK_SOPS_URL", "default"; secrets by where they are
-- read, never their value), and the notices to show; or nil, message.
function M.settings(flags, getenv)
  local notices, file_notices = {}, {}
  local file, ferr = M.file(getenv, file_notices)
  if not file then return nil, ferr end
  local name, name_from = M.profile_name(flags, getenv, file, notices)
  -- (the profile's notice first, as it is read first)
  for _, line in ipairs(file_notices) do notices[#notices + 1] = line end
  local named = name_from and file.profiles[name]
  if name_from and not named then
    if not file.found then
      return nil, string.format("no profile '%s': cannot read %s", name, tostring(file.path))
    end
    return nil, string.format("no profile '%s' in %s", name, file.path)
  end
  if not name_from and file.explicit and not file.found then
    return nil, string.format("no profile 'default': cannot read %s", tostring(file.path))
  end
  local default = file.profiles.default or {}
  local s = {file = file, profile = name, profile_from = name_from, values = {}, from = {}}
  local values, from = s.values, s.from
  -- a key's value: the flag, the named profile, the environment, the
  -- [default] profile, the option's default
  local function pick(key, ...)
    local v, where
    if flags[key] ~= nil then
      v, where = flags[key], KEYS[key] and KEYS[key].long or key
    elseif named and named[key] then
      v, where = named[key], "profile " .. name
    else
      for i = 1, select("#", ...) do
        local var = (select(i, ...))
        local e = getenv(var)
        if given(e) then v, where = e, var break end
      end
      if v == nil and default[key] then
        v, where = default[key], "profile default"
      elseif v == nil and default_of(key) then
        v, where = default_of(key), "default"
      end
    end
    values[key], from[key] = v, where
    return v
  end
  pick("url", "BK_SOPS_URL")
  pick("route", "BK_SOPS_ROUTE")
  pick("app_code", "BK_APP_CODE", "BKPAAS_APP_ID")
  pick("stage", "BK_SOPS_STAGE")
  local tmpl = not values.url and getenv("BK_API_URL_TMPL")
  if given(tmpl) then values.url_template, from.url_template = tmpl, "BK_API_URL_TMPL" end
  -- the secret: a file that the flag or the named profile gives, else the
  -- environment, else the file of the [default] profile
  if not (flags.app_secret_file or (named and named.app_secret_file)) then
    for _, var in ipairs({"BK_APP_SECRET", "BKPAAS_APP_SECRET"}) do
      if given(getenv(var)) then from.app_secret = var break end
    end
  end
  if not from.app_secret and pick("app_secret_file") then
    from.app_secret = "file " .. values.app_secret_file
  end
  if not pick("username", "BK_USERNAME") then
    for _, var in ipairs({"BK_TOKEN", "BK_ACCESS_TOKEN"}) do
      if given(getenv(var)) then from[var == "BK_TOKEN" and "bk_token" or "access_token"] = var break end
    end
  end
  pick("biz", "BK_BIZ_ID")
  -- the tenant, as BlueKing's SDKs read it: a variable set but empty
  -- names the "system" tenant
  if not pick("tenant_id") or from.tenant_id == "profile default" then
    for _, var in ipairs(M.TENANT_VARS) do
      local e = getenv(var)
      if e then values.tenant_id, from.tenant_id = e ~= "" and e or "system", var break end
    end
  end
  pick("scope")
  pick("request_timeout")
  return s, notices
end

-- The client options (for sops.new) from flags, profile and environment,
-- and the notices to show (a list of lines); or nil, message. bk_biz_id is
-- nil when nothing gives a business. The third value is M.settings' table.
function M.client_options(flags, getenv)
  local s, notices = M.settings(flags, getenv)
  if not s then return nil, notices end
  local values, from = s.values, s.from
  local o = {url = values.url, route = values.route, app_code = values.app_code}
  if values.url_template then
    -- a BlueKing app's gateway URL template: bk-sops' gateway, then the stage
    local tmpl = values.url_template
    if not tmpl:find("{api_name}", 1, true) then return nil, "BK_API_URL_TMPL has no {api_name}" end
    local stage = values.stage
    if not stage:find("^[%w_-]+$") then return nil, "--stage: letters, digits, _ and - expected" end
    o.url = tmpl:gsub("{api_name}", "bk-sops"):gsub("/+$", "") .. "/" .. stage
  end
  if not o.url then
    return nil, "no URL: give --url, set BK_SOPS_URL (or BK_API_URL_TMPL), or write a profile (bksops --help)"
  end
  if not o.app_code then return nil, "no app code: give --app-code or set BK_APP_CODE" end
  local secret_from = from.app_secret
  if secret_from and not secret_from:find("^file ") then
    o.app_secret = getenv(secret_from)
  elseif secret_from then
    local secret, err = M.read_secret(values.app_secret_file, "the app secret file")
    if not secret then return nil, err end
    o.app_secret = secret
  end
  if not o.app_secret then
    return nil, "no app secret: set BK_APP_SECRET, or give --app-secret-file (or app_secret_file in a profile)"
  end
  if values.username then
    o.username = values.username
  elseif from.bk_token then
    o.bk_token = getenv("BK_TOKEN")
  elseif from.access_token then
    o.access_token = getenv("BK_ACCESS_TOKEN")
  elseif values.route ~= "system" then
    return nil, "no user: give --username or set BK_USERNAME, BK_TOKEN or BK_ACCESS_TOKEN"
  end
  o.tenant_id = values.tenant_id
  if values.biz then
    local why
    o.bk_biz_id, why = check.id(values.biz)
    if not o.bk_biz_id then return nil, "--biz: " .. why end
  end
  o.scope = values.scope
  o.timeout = tonumber(values.request_timeout)
  if not o.timeout or o.timeout <= 0 then return nil, "--request-timeout must be a positive number" end
  return o, notices, s
end

return M
