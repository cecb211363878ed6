-- The bksops command's argument parser, made with lua-argparse from the
-- table of sops.cli.commands: typed options, defaults and examples in
-- every --help. (The shells' completion scripts are sops.cli.completion's.)
-- Only the command a command line names is made in full: the others are
-- there by name and summary, all that the top's --help and argparse's "did
-- you mean" need (bksops starts sooner; spec/46-startup_spec.lua).
local argparse = require "argparse"
local core = require "sops.core"
local commands = require "sops.cli.commands"
local times = require "sops.cli.times"
local output = require "sops.cli.output"
local tree = require "sops.tree"
local unpack = require("sops.compat").unpack

local M = {}

local WIDTH = 100

local function exit_codes()
  local lines = {"Exit codes:"}
  for _, e in ipairs(commands.EXIT_CODES) do lines[#lines + 1] = string.format("  %-4d %s", e[1], e[2]) end
  return table.concat(lines, "\n")
end

-- "create_task (POST /create_task/{template_id}/{bk_biz_id}/)" for a call
-- of sops.api, a shortcut by its endpoint.
local function call_text(name)
  local api = require "sops.api"
  local call = api.CALLS[name]
  local e = api.BY_NAME[call.api]
  local fixed = ""
  for k, v in pairs(call.fixed or {}) do fixed = string.format(" %s=%s", k, tostring(v)) end
  return string.format("%s (%s %s%s)", name, e.method, e.path, fixed)
end

-- The checks of option values (commands.lua: check = KIND): the value,
-- or nil and why (the parser puts the option's name before it). o: the
-- option.
local CHECKS = {
  positive = function(v)
    local n = tonumber(v)
    if not n or n <= 0 or n ~= n or n == math.huge then return nil, "a positive number expected, got '" .. v .. "'" end
    return n
  end,
  count = function(v)
    local n = tonumber(v)
    if not n or n < 1 or n ~= math.floor(n) or n == math.huge then
      return nil, "a positive integer expected, got '" .. v .. "'"
    end
    return n
  end,
  -- a JSON object (--inputs, --data, --constants)
  json = function(v)
    local ok, t = pcall(core.decode, v)
    if not ok or type(t) ~= "table" or (next(t) ~= nil and t[1] ~= nil) then
      return nil, "a JSON object expected, got '" .. v .. "'"
    end
    return t
  end,
  -- seconds, or a number with a unit: 90, 90s, 10m, 1h, 1d
  duration = function(v)
    local n, why = times.duration(v)
    if not n then return nil, why end
    if n <= 0 then return nil, "a positive number expected, got '" .. v .. "'" end
    return n
  end,
  -- a task's state, any case: its name as bk-sops writes it
  state = function(v)
    local state = tree.states[v:upper()]
    if state then return state end
    local names = {}
    for name in pairs(tree.states) do names[#names + 1] = name:lower() end
    table.sort(names)
    return nil, "a task state expected (" .. table.concat(names, ", ") .. "), got '" .. v .. "'"
  end,
  -- what -o prints: json, yaml, wide, name or field=PATH
  output = function(v)
    return output.parse(v)
  end,
  -- an instant: a duration ago, or a date (o.is_end: a date's end)
  instant = function(v, o)
    return times.instant(v, os.time(), o.is_end)
  end,
}

-- The converter of option o: its check, with the option's name in front
-- of why a value is refused.
local function converter(o)
  local check = CHECKS[o.check]
  return function(v)
    local value, why = check(v, o)
    if value == nil then return nil, o.long .. ": " .. why end
    return value
  end
end

-- The help's text for an option, with its choices and default.
local function about(o)
  local text = o.about
  if o.choices then text = text .. " (" .. table.concat(o.choices, ", ") .. ")" end
  if o.default then text = text .. " (default: " .. o.default .. ")" end
  return text
end

-- Adds spec's options to parser p; `state` learns which parser --help
-- asked for.
local function add_options(p, list, group_name)
  local elements = {}
  for _, o in ipairs(list) do
    local names = o.short and (o.short .. " " .. o.long) or o.long
    local e
    if o.kind == "flag" then
      e = p:flag(names, about(o))
    else
      e = p:option(names, about(o)):argname(o.arg)
      if o.kind == "list" then e:count("*") end
      if o.choices then e:choices(o.choices) end
      if o.check and CHECKS[o.check] then e:convert(converter(o)) end
    end
    elements[#elements + 1] = e
  end
  if group_name and #elements > 0 then p:group(group_name, unpack(elements)) end
end

-- What the help says of times, for a command whose options take them.
local function times_help(list)
  local kinds = {}
  for _, o in ipairs(list) do
    if o.check == "duration" or o.check == "instant" then kinds[o.check] = kinds[o.check] or o.long end
  end
  if not next(kinds) then return nil end
  local text = "Times: S is seconds, or a number with a unit: 90, 90s, 10m, 1h, 1d."
  if kinds.instant then
    text = text .. "\n" .. "A point in time (WHEN) is a duration ago (24h) or a date (2024-05-01, 2024-05-01 08:30, "
      .. "2024-05-01T08:30:00Z)."
  end
  return text
end

local function add_command(top, spec, state)
  local p = top:command(spec.name, spec.about)
  if spec.hidden then p:hidden(true) end
  p:add_help({action = function() state.help = p end})
  for _, w in ipairs(spec.words) do
    local a = p:argument(w[1], w[2])
    if w.many then a:args(w.many) end
    if w.choices then a:choices(w.choices) end
  end
  local own, connection = {}, {}
  for _, o in ipairs(spec.options) do table.insert(commands.IS_CONNECTION[o] and connection or own, o) end
  add_options(p, own, "Options")
  add_options(p, connection, "Connection (in order: flag, --profile, environment, [default] profile)")
  -- never from the command line, where ps shows it: refused with a message
  if spec.connection ~= false then p:option("--app-secret"):hidden(true) end
  local epilog = {}
  if spec.calls then
    local list = {}
    for _, name in ipairs(spec.calls) do list[#list + 1] = "  " .. call_text(name) end
    epilog[#epilog + 1] = "Calls:\n" .. table.concat(list, "\n")
  end
  if spec.more then epilog[#epilog + 1] = spec.more() end
  epilog[#epilog + 1] = times_help(spec.options)
  local ex = {}
  for _, e in ipairs(spec.examples or {}) do ex[#ex + 1] = "  " .. e end
  epilog[#epilog + 1] = "Example" .. (#ex > 1 and "s" or "") .. ":\n" .. table.concat(ex, "\n")
  epilog[#epilog + 1] = exit_codes()
  p:epilog(table.concat(epilog, "\n\n"))
  return p
end

-- A parser and its state: {help = the parser --help was given to}, and
-- the parsers of its commands by name. Command `only` is made in full, the
-- others by name and summary alone (all = true: every one in full).
local function build(only, all)
  local state = {}
  local top = argparse(commands.PROGRAM, commands.SUMMARY)
  top:help_max_width(WIDTH)
  top:usage_max_width(WIDTH)
  top:add_help({action = function() state.help = top end})
  top:flag("--version", "print the version of " .. commands.PROGRAM .. ", lua-sops, Lua and libcurl")
  top:command_target("command")
  top:require_command(false)
  local parsers = {}
  for _, spec in ipairs(commands.LIST) do
    if all or spec.name == only then
      parsers[spec.name] = add_command(top, spec, state)
    else
      local p = top:command(spec.name, spec.about)
      if spec.hidden then p:hidden(true) end
      p:add_help({action = function() state.help = p end})
    end
  end
  top:epilog("Run 'bksops COMMAND --help' for a command's arguments, defaults and examples.\n\n"
    .. commands.CONFIG_HELP .. "\n\n" .. exit_codes())
  return top, state, parsers
end

-- The word of argv that argparse takes for the command: the first that is
-- not an option (the top's options are flags: no value comes between),
-- "-" or any after "--" included. nil when there is none.
local function command_word(argv)
  local options = true
  for _, a in ipairs(argv) do
    if not options or a == "-" or a:sub(1, 1) ~= "-" then return a end
    if a == "--" then options = false end
  end
  return nil
end

-- parse(argv) -> {command = name, <option or argument> = value...}, with
-- the defaults of options that have no other source filled in; or nil,
-- message, command; or false, help text when --help was asked for. (all:
-- with every command made in full, as spec 46 checks it answers the same.)
function M.parse(argv, all)
  local word = command_word(argv)
  local top, state, parsers = build(word, all)
  local ok, result = top:pparse(argv)
  -- Kept: help of a parser made in full, or a parse that went into the
  -- command the word names. Anything else (a usage error, whatever
  -- argparse might take for the command) the whole parser decides again:
  -- the same answer, only later.
  local help = state.help and (state.help == top or state.help == parsers[word])
  if not all and not help and not (ok and result.command == word) then
    top, state = build(nil, true)
    ok, result = top:pparse(argv)
  end
  if state.help then return false, state.help:get_help() end
  if not ok then
    -- the command the words name, for "Try 'bksops COMMAND --help'"
    local command
    for _, a in ipairs(argv) do
      if commands.BY_NAME[a] then command = a break end
    end
    return nil, result, command
  end
  local spec = result.command and commands.BY_NAME[result.command]
  if spec then
    for _, o in ipairs(spec.options) do
      local key = o.long:sub(3):gsub("%-", "_")
      if result[key] == nil and o.default and not commands.IS_CONNECTION[o] then
        result[key] = o.check and CHECKS[o.check] and CHECKS[o.check](o.default, o) or o.default
      end
    end
  end
  return result
end

-- The help of a command (nil: of sops itself); all as for parse.
function M.help(name, all)
  local top, _, parsers = build(name, all)
  local p = name and parsers[name] or top
  return p:get_help()
end

return M
