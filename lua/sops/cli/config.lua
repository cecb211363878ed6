-- bksops config list | show [PROFILE] | use PROFILE: the profiles of the
-- config file, the settings in effect and where each comes from (secrets
-- only by where they are read), and the profile taken when none is named
-- (a `profile = NAME` line at the top of the file, written atomically).
-- run(ctx, args) -> exit code; no connection is made.
local core = require "sops.core"
local config = require "sops.config"
local context = require "sops.cli.context"

local EXIT = context.EXIT
local M = {}

-- the settings `show` lists, in order (secrets: where they come from only)
local SHOWN = {"url", "route", "tenant_id", "app_code", "app_secret", "username", "bk_token", "access_token", "biz",
  "scope", "request_timeout"}
local SECRET = {app_secret = true, bk_token = true, access_token = true}

local function sorted_names(profiles)
  local names = {}
  for name in pairs(profiles) do names[#names + 1] = name end
  table.sort(names, function(x, y)
    if x == "default" or y == "default" then return x == "default" end
    return x < y
  end)
  return names
end

local function notices(ctx, list)
  for _, line in ipairs(list or {}) do ctx:warn("bksops: ", line) end
end

-- bksops config list
local function list(ctx, a)
  local seen = {}
  local file, err = config.file(ctx.getenv, seen)
  if not file then return ctx:usage(err) end
  local current, by = config.profile_name(a, ctx.getenv, file, seen)
  notices(ctx, seen)
  local doc = {}
  for i, name in ipairs(sorted_names(file.profiles)) do
    local keys = {}
    for k, v in pairs(file.profiles[name]) do keys[k] = v end
    doc[i] = {name = name, in_effect = name == current, settings = keys}
  end
  if not file.found then ctx:warn("bksops: no config file at ", tostring(file.path)) end
  return ctx:show(doc, function()
    local lines = {}
    if file.found then lines[1] = file.path end
    for _, p in ipairs(doc) do
      lines[#lines + 1] = string.format("%s %-12s %s", p.in_effect and "*" or " ", p.name, p.settings.url or "")
    end
    if by and not file.profiles[current] then
      lines[#lines + 1] = string.format("(%s names '%s', which the file does not have)", by, current)
    elseif by then
      lines[#lines + 1] = string.format("(in effect: named by %s)", by)
    end
    return lines
  end)
end

-- bksops config show [PROFILE]
local function show(ctx, a)
  local flags = {}
  for k, v in pairs(a) do flags[k] = v end
  if a.PROFILE then flags.profile = a.PROFILE end
  local s, seen = config.settings(flags, ctx.getenv)
  if not s then return ctx:usage(seen) end
  notices(ctx, seen)
  local values, from = {}, {}
  for k, v in pairs(s.values) do values[k] = v end
  for k, v in pairs(s.from) do from[k] = v end
  if values.url_template then
    local stage = values.stage or "prod"
    values.url = values.url_template:gsub("{api_name}", "bk-sops"):gsub("/+$", "") .. "/" .. stage
    from.url = "BK_API_URL_TMPL, stage from " .. tostring(from.stage)
  end
  if values.url and not values.route then
    values.route = values.url:find("/compapi/", 1, true) and "esb" or "apigw"
    from.route = "the URL"
  end
  for k in pairs(SECRET) do
    if from[k] then values[k] = "***" end
  end
  local doc = {profile = s.profile, profile_from = s.profile_from or "default", file = s.file.found and s.file.path
    or nil, settings = {}}
  for _, k in ipairs(SHOWN) do
    if values[k] ~= nil or not SECRET[k] then
      doc.settings[#doc.settings + 1] = {key = k, value = values[k], from = from[k]}
    end
  end
  -- (what the commands would do with it: the same checks, the secret read)
  local ok, why = config.client_options(flags, ctx.getenv)
  if not ok then doc.problem = why end
  local code = ctx:show(doc, function()
    local lines = {string.format("profile %s (%s)", s.profile, s.profile_from and "named by " .. s.profile_from
      or "none named: the default"), "config  " .. (s.file.found and s.file.path or "none (" .. tostring(s.file.path) .. ")")}
    for _, e in ipairs(doc.settings) do
      lines[#lines + 1] = string.format("  %-16s %-40s %s", e.key, e.value == nil and "(not set)" or tostring(e.value),
        e.from and "from " .. e.from or "")
    end
    return lines
  end)
  if not ok then
    ctx:warn("bksops: not usable as it is: ", why)
    if code == EXIT.OK then code = EXIT.USAGE end
  end
  return code
end

-- The file's text with `profile = name` above its first profile (none
-- for "default"), in place of any such line there was.
local function with_default(text, name)
  local out, placed, in_section = {}, false, false
  local wanted = name ~= "default" and "profile = " .. name or nil
  local body = text:find("\n$") and text or text .. "\n"
  for line in body:gmatch("([^\n]*)\n") do
    local bare = line:gsub("^%s+", "")
    if not in_section and bare:find("^%[") then
      in_section = true
      if wanted and not placed then out[#out + 1], placed = wanted, true end
    end
    if not in_section and bare:find("^profile%s*=") then
      if wanted and not placed then out[#out + 1], placed = wanted, true end
    else
      out[#out + 1] = line
    end
  end
  if wanted and not placed then out[#out + 1] = wanted end
  return table.concat(out, "\n") .. "\n"
end

-- bksops config use PROFILE
local function use(ctx, a)
  local name = a.PROFILE
  if not name then return ctx:usage("config use: give the PROFILE to use (bksops config list lists them)") end
  local file, err = config.file(ctx.getenv)
  if not file then return ctx:usage(err) end
  if not file.found then
    return ctx:usage("no config file at " .. tostring(file.path) .. ": write one first (bksops --help shows one)")
  end
  if not file.profiles[name] and name ~= "default" then
    return ctx:usage(string.format("no profile '%s' in %s (it has: %s)", name, file.path,
      table.concat(sorted_names(file.profiles), ", ")))
  end
  local text = with_default(file.text, name)
  -- what is written reads back as meant, or nothing is written
  local profiles, chosen = config.parse(text, file.path)
  assert(profiles and (chosen or "default") == name, "config use: the rewritten file does not read back")
  if text ~= file.text then
    local ok, werr = core.replace_file(file.path, text, file.mode)
    if not ok then
      ctx:warn("bksops: cannot write the config file: ", werr)
      return EXIT.WRITE
    end
  end
  local env = ctx.getenv("BKSOPS_PROFILE")
  if env and env ~= "" and env ~= name then
    ctx:warn("bksops: BKSOPS_PROFILE=", env, " still names the profile in this environment")
  end
  return ctx:show({file = file.path, profile = name}, function()
    return {string.format("the default profile is now %s (%s)", name, file.path)}
  end)
end

local ACTIONS = {list = list, show = show, use = use}

function M.run(ctx, a)
  if a.PROFILE and a.ACTION == "list" then return ctx:usage("config list takes no PROFILE") end
  return ACTIONS[a.ACTION](ctx, a)
end

return M
