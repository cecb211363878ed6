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

-- Reads an INI file of profiles: {name = {key = value}}; nil, message.
function M.parse(text, path)
  local profiles, current = {}, nil
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
  return profiles
end

-- whether a permission bit of `bit` (a power of two) is set in mode
local function bit_set(mode, bit)
  return math.floor(mode / bit) % 2 == 1
end

-- The text of a file that decides where the app secret goes (the config
-- file) or holds it (the secret file), as OpenSSH judges its own: owned by
-- you or root, writable by nobody else, and (a secret) readable by nobody
-- else. The file is opened first and the opened file judged. Returns the
-- text, or nil, message, and why: "missing" (no such file), "unreadable"
-- or "untrusted".
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
  return text
end

-- The secret in the file at path, which only its owner may read or write.
function M.read_secret(path, what)
  local s, err = M.read_trusted(path, what, true)
  if not s then return nil, err end
  s = s:gsub("%s+$", "")
  if s == "" then return nil, what .. " " .. path .. " is empty" end
  return s
end

-- The profiles to use: the one --profile (or BKSOPS_PROFILE) names (nil
-- when none is named) and [default] (empty when there is none); or nil,
-- message.
local function profiles_of(flags, getenv, notices)
  local named = flags.profile or env_var(getenv, "BKSOPS_PROFILE", "SOPS_PROFILE", notices)
  if named == "" then named = nil end
  local path, explicit = M.path(getenv, notices)
  -- (/dev/null: no config file, as a script or a spec may say)
  local text, err, why = path == "/dev/null" and "" or nil, nil, nil
  if path and not text then text, err, why = M.read_trusted(path, "the config file") end
  if not text then
    if why and why ~= "missing" then return nil, err end
    if named or explicit then
      return nil, string.format("no profile '%s': cannot read %s", tostring(named or "default"), tostring(path))
    end
    return nil, {}
  end
  local profiles
  profiles, err = M.parse(text, path)
  if not profiles then return nil, err end
  if named and not profiles[named] then return nil, string.format("no profile '%s' in %s", named, path) end
  return named and profiles[named] or nil, profiles.default or {}
end

-- The client options (for sops.new) from flags, profile and environment,
-- and the notices to show (a list of lines); or nil, message. bk_biz_id is
-- nil when nothing gives a business.
function M.client_options(flags, getenv)
  local notices = {}
  local named, default = profiles_of(flags, getenv, notices)
  if type(default) ~= "table" then return nil, default end
  -- a key's value: the flag, the named profile, the environment, the
  -- [default] profile, the option's default
  local function pick(key, ...)
    if flags[key] ~= nil then return flags[key] end
    if named and named[key] then return named[key] end
    for i = 1, select("#", ...) do
      local v = getenv((select(i, ...)))
      if v and v ~= "" then return v end
    end
    if default[key] then return default[key] end
    return default_of(key)
  end
  local o = {url = pick("url", "BK_SOPS_URL"), route = pick("route", "BK_SOPS_ROUTE"),
    app_code = pick("app_code", "BK_APP_CODE", "BKPAAS_APP_ID")}
  local tmpl = not o.url and getenv("BK_API_URL_TMPL")
  if tmpl and tmpl ~= "" then
    -- a BlueKing app's gateway URL template: bk-sops' gateway, then the stage
    if not tmpl:find("{api_name}", 1, true) then return nil, "BK_API_URL_TMPL has no {api_name}" end
    local stage = pick("stage", "BK_SOPS_STAGE")
    if not stage:find("^[%w_-]+$") then return nil, "--stage: letters, digits, _ and - expected" end
    o.url = tmpl:gsub("{api_name}", "bk-sops"):gsub("/+$", "") .. "/" .. stage
  end
  if not o.url then
    return nil, "no URL: give --url, set BK_SOPS_URL (or BK_API_URL_TMPL), or write a profile (bksops --help)"
  end
  if not o.app_code then return nil, "no app code: give --app-code or set BK_APP_CODE" end
  -- the secret: a file that the flag or the named profile gives, else the
  -- environment, else the file of the [default] profile
  if not (flags.app_secret_file or (named and named.app_secret_file)) then
    for _, name in ipairs({"BK_APP_SECRET", "BKPAAS_APP_SECRET"}) do
      local v = getenv(name)
      if v and v ~= "" then o.app_secret = v break end
    end
  end
  local secret_file = not o.app_secret and pick("app_secret_file")
  if secret_file then
    local s, err = M.read_secret(secret_file, "the app secret file")
    if not s then return nil, err end
    o.app_secret = s
  end
  if not o.app_secret then
    return nil, "no app secret: set BK_APP_SECRET, or give --app-secret-file (or app_secret_file in a profile)"
  end
  local user = pick("username", "BK_USERNAME")
  local token, access = getenv("BK_TOKEN"), getenv("BK_ACCESS_TOKEN")
  if user then
    o.username = user
  elseif token and token ~= "" then
    o.bk_token = token
  elseif access and access ~= "" then
    o.access_token = access
  else
    return nil, "no user: give --username or set BK_USERNAME, BK_TOKEN or BK_ACCESS_TOKEN"
  end
  local biz = pick("biz", "BK_BIZ_ID")
  if biz then
    local why
    o.bk_biz_id, why = check.id(biz)
    if not o.bk_biz_id then return nil, "--biz: " .. why end
  end
  o.scope = pick("scope")
  local timeout = pick("request_timeout")
  o.timeout = tonumber(timeout)
  if not o.timeout or o.timeout <= 0 then return nil, "--request-timeout must be a positive number" end
  return o, notices
end

return M
