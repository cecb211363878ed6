-- The editor definition file types/sops.lua (LuaCATS annotations, ---@meta,
-- for lua-language-server), made from the same facts as the reference
-- (tools/reference.lua): the endpoint table and its calls (lua/sops/api.lua),
-- the result shapes (lua/sops/shapes.lua), each call's sentence
-- (tools/about.lua), sops.new's options (lua/sops/options.lua), the polling
-- options of wait and wait_all (lua/sops/wait.lua), the receivers' options
-- (lua/sops/callbacks/) and the error table's fields and kinds
-- (csrc/errors.h). Only the signatures of the few methods that are not
-- calls are written here. `make docs` writes it; spec/45-types_spec.lua
-- fails when the file differs from what this makes.
--   lua tools/types.lua types/sops.lua
local api = require "sops.api"
local shapes = require "sops.shapes"
local options = require "sops.options"
local wait = require "sops.wait"
local about = require "tools.about"
local reference = require "tools.reference"

local M = {}

M.PATH = "types/sops.lua"
M.HEADER = "-- made from lua/sops/api.lua, lua/sops/shapes.lua, lua/sops/options.lua, lua/sops/wait.lua, "
  .. "lua/sops/tree.lua, csrc/errors.h\n-- and tools/about.lua by `make docs` (tools/types.lua); do not edit"

local function sorted(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- a field's name as LuaCATS writes it: name, or ["odd:name"]
local function field_name(name)
  if name:match("^[%a_][%w_]*$") then return name end
  return string.format("[%q]", name)
end

-- one line of prose (LuaCATS descriptions end at the line)
local function oneline(s)
  return (s or ""):gsub("%s+", " ")
end

---------------------------------------------------------------------------
-- argument kinds (sops.check's) as LuaCATS types

M.KIND_TYPE = {
  id = "integer|string", ids = "(integer|string)[]", count = "integer", integer = "integer", string = "string",
  traceparent = "string", boolean = "boolean", number = "number", object = "table", list = "any[]", any = "any",
  receiver = "sops.Receiver",
}

local function kind_type(kind)
  return assert(M.KIND_TYPE[kind], "no LuaCATS type for kind " .. tostring(kind))
end

-- ---@class NAME with one ---@field per entry of a fields table ({kind,
-- required}); `notes` gives a field a description
local function fields_class(out, name, doc, fields, notes, open)
  if doc then out[#out + 1] = "---" .. oneline(doc) end
  out[#out + 1] = "---@class " .. name
  for _, k in ipairs(sorted(fields)) do
    local f = fields[k]
    local note = notes and notes[k]
    local t = kind_type(f[1])
    if f.choices then
      local quoted = {}
      for i, c in ipairs(f.choices) do quoted[i] = string.format("%q", c) end
      t = table.concat(quoted, "|")
    end
    out[#out + 1] = string.format("---@field %s%s %s%s", field_name(k), f[2] and "" or "?", t,
      note and (" " .. oneline(note)) or "")
  end
  if open then out[#out + 1] = "---@field [string] any" end
  out[#out + 1] = ""
end

---------------------------------------------------------------------------
-- result shapes as LuaCATS types

local function shape_class(name) return "sops.shape." .. name end

local STRING_TYPE = {
  string = "string", integer = "integer", number = "number", boolean = "boolean", null = "sops.Null", any = "any",
  object = "table", list = "any[]", none = "true",
}

-- the type of shape `s`; inline objects become classes named from `where`,
-- written to `classes` (a list of line lists) first
local type_of
local function object_class(s, name, classes, doc)
  local lines = {}
  if doc or s.doc then lines[#lines + 1] = "---" .. oneline(doc or s.doc) end
  lines[#lines + 1] = "---@class " .. name .. (s.extends and (": " .. shape_class(s.extends)) or "")
  -- (its own fields; those of `extends` come with the parent class)
  local own_optional = {}
  for k, v in pairs(s.optional or {}) do own_optional[k] = v end
  local fields = s.fields or {}
  -- an optional entry of an extended shape's field makes it optional here
  local parent_fields = s.extends and shapes.object_fields(shapes.named(s.extends)) or {}
  local names = sorted(fields)
  for k in pairs(own_optional) do
    if fields[k] == nil and parent_fields[k] ~= nil then names[#names + 1] = k end
  end
  table.sort(names)
  for _, k in ipairs(names) do
    local f = fields[k] or parent_fields[k]
    local t = type_of(f, name .. "." .. (k:gsub("[^%w_]", "")), classes)
    local when = own_optional[k]
    lines[#lines + 1] = string.format("---@field %s%s %s%s", field_name(k), when and "?" or "", t,
      when and (" optional: " .. oneline(when)) or "")
  end
  -- an open object may hold fields not listed
  if not s.closed then lines[#lines + 1] = "---@field [string] any" end
  lines[#lines + 1] = ""
  classes[#classes + 1] = lines
  return name
end

function type_of(s, where, classes)
  if type(s) == "string" then
    local parts = {}
    for _, alt in ipairs(shapes.alternatives(s)) do
      parts[#parts + 1] = shapes.named(alt) and shape_class(alt) or assert(STRING_TYPE[alt], alt)
    end
    return table.concat(parts, "|")
  end
  if s.kind == "object" then return object_class(s, where, classes) end
  if s.kind == "list" then
    if s.items == nil then return "any[]" end
    local t = type_of(s.items, where .. ".item", classes)
    return t:find("|", 1, true) and ("(" .. t .. ")[]") or (t .. "[]")
  end
  if s.kind == "map" then
    return "table<string, " .. type_of(s.values or "any", where .. ".value", classes) .. ">"
  end
  return type_of(s.kind, where, classes)
end

-- the result type of endpoint e: a class sops.<name>.result when the shape
-- is an object (inline, or a named one it extends), else an alias
local function result_decl(e, out)
  local name = "sops." .. e.name .. ".result"
  local s, classes = e.returns, {}
  if type(s) == "string" and shapes.named(s) and shapes.named(s).kind == "object" then
    out[#out + 1] = "---" .. oneline(about[e.name])
    out[#out + 1] = "---@class " .. name .. ": " .. shape_class(s)
    out[#out + 1] = ""
    return
  end
  if type(s) == "table" and s.kind == "object" then
    object_class(s, name, classes, about[e.name])
  else
    local t = type_of(s, "sops." .. e.name, classes)
    classes[#classes + 1] = {"---@alias " .. name .. " " .. t, ""}
  end
  for _, lines in ipairs(classes) do
    for _, l in ipairs(lines) do out[#out + 1] = l end
  end
end

---------------------------------------------------------------------------
-- the error table (csrc/errors.h: its first comment names the fields, the
-- struct's `kind` comment the kinds)

-- the type of each field, as the C core pushes it (csrc/errors.c)
M.ERROR_TYPES = {
  kind = "sops.ErrorKind", message = "string", code = "integer|number|string", http_status = "integer",
  request_id = "string", trace_id = "string", api = "string", retryable = "boolean", detail = "any",
  retry_after = "number", sent = "boolean",
}
M.ERROR_ALWAYS = {kind = true, message = true, retryable = true}

function M.error_facts(header)
  local list = assert(header:match("a table {([^}]+)}"), "csrc/errors.h names no fields")
  local fields = {}
  for f in list:gmatch("[%w_]+") do fields[#fields + 1] = f end
  local kinds_text = assert(header:match("const char %*kind;%s*/%*(.-)%*/"), "csrc/errors.h names no kinds")
  local kinds = {}
  kinds_text = kinds_text:gsub("[%s*]+", " "):gsub("made in Lua", "")
  for k in kinds_text:gmatch("%a+") do
    if k ~= "and" then kinds[#kinds + 1] = k end
  end
  return fields, kinds
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

---------------------------------------------------------------------------
-- the methods that are not calls: signatures (their sentences are
-- reference.METHODS' and reference.FUNCTIONS')

local MESSAGE, ERR = "string|nil message", "sops.Error|table|nil err"
M.SIGNATURES = {
  wait = {params = {"args sops.wait.args"}, returns = {"sops.shape.task_status|nil status", MESSAGE, ERR}},
  wait_all = {params = {"args sops.wait_all.args"},
    returns = {"table<integer, sops.WaitResult> results keyed by task id"}},
  pages = {params = {"name string a call that pages", "args table its fields, and max_items"},
    returns = {"fun(): any iterator over the items", "sops.Pager pager"}},
  call = {params = {"target string|table an endpoint's name, or {api, method, path, changes_state?}",
    "params? table", "timeout? number"}, returns = {"any value", MESSAGE, ERR}},
  call_many = {params = {"calls table[] {name, params} each", "timeout? number"},
    returns = {"table[] results {value, message, err} each"}},
  prepare = {params = {"name string", "args table"}, returns = {"sops.Prepared request"}},
  on = {params = {"event \"request\"|\"response\"", "fn? function"}, returns = {"sops.Client self"}},
  defaults = {params = {}, returns = {"{bk_biz_id: integer?, scope: string?} defaults"}},
  is_open = {params = {}, returns = {"boolean"}},
  close = {params = {}, returns = {}},
  -- the module's
  new = {params = {"opts sops.Options"}, returns = {"sops.Client"}},
  configure = {params = {"opts sops.Options"}, returns = {"sops.Client"}},
  default_client = {params = {}, returns = {"sops.Client|nil"}},
  decode = {params = {"text string"}, returns = {"any value", "string|nil message"}},
  encode = {params = {"value any"}, returns = {"string"}},
  array = {params = {"t? table"}, returns = {"table"}},
  is_error = {params = {"v any"}, returns = {"boolean"}},
  is_terminal = {params = {"state string"}, returns = {"boolean"}},
  walk = {params = {"status sops.shape.task_status", "fn fun(node: table, path: string[])"}, returns = {}},
  failed_nodes = {params = {"status sops.shape.task_status"}, returns = {"table[]"}},
  progress = {params = {"status sops.shape.task_status"}, returns = {"table"}},
  sleep = {params = {"seconds number"}, returns = {}},
}

local function function_decl(out, doc, sig, head)
  out[#out + 1] = "---" .. oneline(doc)
  for _, p in ipairs(sig.params) do out[#out + 1] = "---@param " .. p end
  for _, r in ipairs(sig.returns) do out[#out + 1] = "---@return " .. r end
  local names = {}
  for _, p in ipairs(sig.params) do names[#names + 1] = (p:match("^([%w_]+)")) end
  out[#out + 1] = string.format("function %s(%s) end", head, table.concat(names, ", "))
  out[#out + 1] = ""
end

---------------------------------------------------------------------------

-- the calls in the endpoint table's order, each endpoint's own first
local function call_names()
  local by = {}
  for name, call in pairs(api.CALLS) do
    by[call.api] = by[call.api] or {}
    table.insert(by[call.api], name)
  end
  local out = {}
  for _, e in ipairs(api.ENDPOINTS) do
    table.sort(by[e.name], function(a, b)
      if a == e.name or b == e.name then return a == e.name end
      return a < b
    end)
    for _, n in ipairs(by[e.name]) do out[#out + 1] = n end
  end
  return out
end

-- The definition file's text; `errors_h` is csrc/errors.h's text (read
-- from the working directory when not given).
function M.render(errors_h)
  errors_h = errors_h or read("csrc/errors.h")
  local out = {"---@meta sops", M.HEADER, "--",
    "-- lua-language-server: add this directory to \"workspace.library\" (docs/client.md, \"Editor completion\").",
    ""}
  local function add(s) out[#out + 1] = s end

  add("---JSON null as the core decodes it (`sops.null`, the same value as cjson.null).")
  add("---@alias sops.Null lightuserdata")
  add("")

  -- sops.new's options
  local notes, opt_fields = {}, {}
  for _, row in ipairs(options.LIST) do
    opt_fields[row.name] = {row.kind, row.required, choices = row.choices}
    notes[row.name] = row.doc
  end
  fields_class(out, "sops.Options", "The options of sops.new and sops.configure.", opt_fields, notes)

  -- the error table
  local err_fields, kinds = M.error_facts(errors_h)
  local quoted = {}
  for i, k in ipairs(kinds) do quoted[i] = string.format("%q", k) end
  add("---What went wrong: the kind of an error.")
  add("---@alias sops.ErrorKind " .. table.concat(quoted, "|"))
  add("")
  add("---A lua-sops error (the third value of a failure); tostring gives its message.")
  add("---@class sops.Error")
  for _, f in ipairs(err_fields) do
    add(string.format("---@field %s%s %s", f, M.ERROR_ALWAYS[f] and "" or "?",
      assert(M.ERROR_TYPES[f], "no type for the error's field " .. f .. " (tools/types.lua ERROR_TYPES)")))
  end
  add("---@field [string] any")
  add("")

  -- waiting
  fields_class(out, "sops.wait.args", "client:wait's fields.", wait.FIELDS.wait)
  fields_class(out, "sops.wait_all.args", "client:wait_all's fields.", wait.FIELDS.wait_all)
  add("---What wait returns for one task, packed: {status, message, err, n = 3}.")
  add("---@class sops.WaitResult")
  add("---@field [1] sops.shape.task_status|nil")
  add("---@field [2] string|nil")
  add("---@field [3] sops.Error|table|nil")
  add("---@field n integer")
  add("")
  add("---The pager of client:pages.")
  add("---@class sops.Pager")
  add("---@field requests integer")
  add("---@field count integer|nil")
  add("---@field message string|nil")
  add("---@field err sops.Error|table|nil")
  add("")
  add("---What client:prepare returns: the request a call would send, unsent, every secret as ***.")
  add("---@class sops.Prepared")
  add("---@field method string")
  add("---@field url string")
  add("---@field headers string[]")
  add("---@field body string|nil")
  add("---@field changes_state boolean")
  add("---@field curl string")
  add("")

  -- the receivers
  local listener = require "sops.callbacks.listener"
  local shared = require "sops.callbacks.shared"
  fields_class(out, "sops.callbacks.listen.opts", "sops.callbacks.listen's options.", listener.FIELDS)
  fields_class(out, "sops.callbacks.shared.opts", "sops.callbacks.shared's options.", shared.FIELDS)
  add("---A completion-callback receiver (sops.callbacks.listen or .shared), for client:wait{callback = ...}.")
  add("---@class sops.Receiver")
  add("local Receiver = {}")
  add("")
  add("---The URL bk-sops calls back.")
  add("---@return string")
  add("function Receiver:url() end")
  add("")
  add("---The port it listens on (sops.callbacks.listen).")
  add("---@return integer")
  add("function Receiver:port() end")
  add("")
  add("---How many callbacks wait to be taken (sops.callbacks.listen).")
  add("---@return integer")
  add("function Receiver:pending() end")
  add("")
  add("---Answers callbacks for `seconds` (sops.callbacks.listen).")
  add("---@param seconds number")
  add("function Receiver:serve(seconds) end")
  add("")
  add("---Stops listening (sops.callbacks.listen).")
  add("function Receiver:close() end")
  add("")
  add("---@class sops.callbacks")
  add("local callbacks = {}")
  add("")
  add("---A receiver for a plain Lua process: listens on host:port.")
  add("---@param opts sops.callbacks.listen.opts")
  add("---@return sops.Receiver|nil receiver")
  add("---@return " .. MESSAGE)
  add("---@return " .. ERR)
  add("function callbacks.listen(opts) end")
  add("")
  add("---A receiver inside OpenResty, on a lua_shared_dict shared by every worker.")
  add("---@param opts sops.callbacks.shared.opts")
  add("---@return sops.Receiver")
  add("function callbacks.shared(opts) end")
  add("")
  add("---The content handler of the location that public_url names (OpenResty).")
  add("---@param opts? table")
  add("function callbacks.handler(opts) end")
  add("")
  add("---Whether v is a receiver.")
  add("---@param v any")
  add("---@return boolean")
  add("function callbacks.is_receiver(v) end")
  add("")

  -- the shared result shapes
  for _, name in ipairs(sorted(shapes.NAMED)) do
    local classes = {}
    object_class(shapes.NAMED[name], shape_class(name), classes)
    for _, lines in ipairs(classes) do
      for _, l in ipairs(lines) do add(l) end
    end
  end

  -- each call's fields and each endpoint's result
  local names = call_names()
  for _, n in ipairs(names) do
    local call = api.CALLS[n]
    local fields = {}
    for k, f in pairs(call.fields) do
      if not (call.fixed and call.fixed[k]) then fields[k] = f end
    end
    fields_class(out, "sops." .. n .. ".args", "The fields of " .. n .. ".", fields, nil,
      getmetatable(call.fields) ~= nil)
  end
  for _, e in ipairs(api.ENDPOINTS) do result_decl(e, out) end

  -- the client
  add("---A client of bk-sops (sops.new).")
  add("---@class sops.Client")
  add("local Client = {}")
  add("")
  local function call_decl(n, head)
    local e = api.BY_NAME[api.CALLS[n].api]
    function_decl(out, about[n], {params = {"args sops." .. n .. ".args"},
      returns = {"sops." .. e.name .. ".result|nil value", MESSAGE, ERR}}, head)
  end
  for _, n in ipairs(names) do call_decl(n, "Client:" .. n) end
  for _, m in ipairs(reference.METHODS) do
    function_decl(out, m[3], assert(M.SIGNATURES[m[1]], "no signature for client:" .. m[1]), "Client:" .. m[1])
  end

  -- sops.states: a table of the state names, each its own value
  add("---The state names (`sops.states.FAILED == \"FAILED\"`).")
  add("---@class sops.States")
  for _, state in ipairs(sorted(require("sops.tree").states)) do
    add(string.format("---@field %s %q", state, state))
  end
  add("")

  -- the module
  add("---lua-sops: the BlueKing Standard OPS client.")
  add("---@class sops")
  add("---@field VERSION string")
  add("---@field _VERSION string")
  add("---@field null sops.Null")
  add("---@field TASK_ACTIONS table<string, true>")
  add("---@field NODE_ACTIONS table<string, true>")
  add("---@field callbacks sops.callbacks")
  add("---@field states sops.States")
  add("local sops = {}")
  add("")
  for _, m in ipairs(reference.FUNCTIONS) do
    if m[1] ~= "callbacks" and m[1] ~= "states" then
      local sig = M.SIGNATURES[m[1]]
      function_decl(out, m[3], assert(sig, "no signature for sops." .. m[1]), "sops." .. m[1])
    end
  end
  for _, n in ipairs(names) do call_decl(n, "sops." .. n) end
  add("return sops")
  return table.concat(out, "\n") .. "\n"
end

if arg and arg[0] and arg[0]:find("types%.lua$") and arg[1] then
  local f = assert(io.open(arg[1], "wb"))
  f:write(M.render())
  f:close()
end

return M
