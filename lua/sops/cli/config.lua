-- Where the sops command finds its connection: flags first, then the
-- profile named by --profile (or SOPS_PROFILE), then the environment, then
-- the [default] profile of ~/.config/sops/config ($XDG_CONFIG_HOME/sops/config,
-- or the file SOPS_CONFIG names). Secrets never come from the command line
-- or the config file: from the environment, or from a file only its owner
-- may read.
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

-- The config file's path, from the environment.
function M.path(getenv)
  local explicit = getenv("SOPS_CONFIG")
  if explicit and explicit ~= "" then return explicit, true end
  local xdg = getenv("XDG_CONFIG_HOME")
  if xdg and xdg ~= "" then return xdg .. "/sops/config" end
  local home = getenv("HOME")
  if home and home ~= "" then return home .. "/.config/sops/config" end
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

local function read_file(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local s = f:read("*a")
  f:close()
  return s
end

-- The secret in the file at path, which only its owner may read or write.
function M.read_secret(path, what)
  local mode, err = core.file_mode(path)
  if not mode then return nil, "cannot read " .. what .. ": " .. err end
  if mode % 64 ~= 0 then -- any bit for group or others: 0077
    return nil, string.format("%s %s can be read by others (mode %04o): run 'chmod 600 %s'", what, path, mode, path)
  end
  local s, rerr = read_file(path)
  if not s then return nil, "cannot read " .. what .. ": " .. tostring(rerr) end
  s = s:gsub("%s+$", "")
  if s == "" then return nil, what .. " " .. path .. " is empty" end
  return s
end

-- The profiles to use: the one --profile (or SOPS_PROFILE) names (nil
-- when none is named) and [default] (empty when there is none); or nil,
-- message.
local function profiles_of(flags, getenv)
  local named = flags.profile or getenv("SOPS_PROFILE")
  if named == "" then named = nil end
  local path, explicit = M.path(getenv)
  local text = path and read_file(path)
  if not text then
    if named or explicit then
      return nil, string.format("no profile '%s': cannot read %s", tostring(named or "default"), tostring(path))
    end
    return nil, {}
  end
  local profiles, err = M.parse(text, path)
  if not profiles then return nil, err end
  if named and not profiles[named] then return nil, string.format("no profile '%s' in %s", named, path) end
  return named and profiles[named] or nil, profiles.default or {}
end

-- The client options (for sops.new) from flags, profile and environment;
-- or nil, message.
function M.client_options(flags, getenv)
  local named, default = profiles_of(flags, getenv)
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
    return nil, "no URL: give --url, set BK_SOPS_URL (or BK_API_URL_TMPL), or write a profile (sops --help)"
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
  if not biz then return nil, "no business: give --biz or set BK_BIZ_ID" end
  local why
  o.bk_biz_id, why = check.id(biz)
  if not o.bk_biz_id then return nil, "--biz: " .. why end
  o.scope = pick("scope")
  local timeout = pick("request_timeout")
  o.timeout = tonumber(timeout)
  if not o.timeout or o.timeout <= 0 then return nil, "--request-timeout must be a positive number" end
  return o
end

return M
