-- The reference's generated pages, made from the endpoint table
-- (lua/sops/api.lua: fields, routes, `returns`), the result shapes
-- (lua/sops/shapes.lua) and each call's sentence (tools/about.lua):
--   docs/calls/<group>.md   every call of a group: its syntax line, what it
--                           does, its request, its fields, what it returns
--   docs/shapes.md          the result shapes several calls share
--   docs/index.md           the index of every method, between its markers
-- `make docs` writes them; spec/44-docs_spec.lua fails when docs/ holds
-- anything else.
--   lua tools/reference.lua docs   writes the pages under docs/
local api = require "sops.api"
local shapes = require "sops.shapes"
local about = require "tools.about"
local calls_md = require "tools.calls"
local section = require "tools.section"

local M = {}

M.HEADER = "<!-- made from lua/sops/api.lua, lua/sops/shapes.lua and tools/about.lua by `make docs`; do not edit -->"

local function sorted(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- the page of a group: "periodic and clocked tasks" -> "periodic"
function M.slug(group)
  return (group:match("^%a+"))
end

function M.group_path(group)
  return "docs/calls/" .. M.slug(group) .. ".md"
end

-- prose wrapped at 80 columns, for a terminal (a line that starts with "|",
-- "#", "-" or "`" is left as it is)
local function wrap(text)
  local lines, line = {}, ""
  for word in text:gmatch("%S+") do
    if line ~= "" and #line + 1 + #word > 80 then
      lines[#lines + 1] = line
      line = word
    else
      line = line == "" and word or (line .. " " .. word)
    end
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

local function title(s)
  return s:sub(1, 1):upper() .. s:sub(2)
end

-- the calls of each endpoint: its own first, then its shortcuts by name
local function calls_by_endpoint()
  local by = {}
  for name, call in pairs(api.CALLS) do
    by[call.api] = by[call.api] or {}
    table.insert(by[call.api], name)
  end
  for api_name, list in pairs(by) do
    table.sort(list, function(a, b)
      if a == api_name or b == api_name then return a == api_name end
      return a < b
    end)
  end
  return by
end

---------------------------------------------------------------------------
-- types, as the pages write them

-- a shape's type in words: `base` the path from the page to docs/
local function type_text(shape, base)
  if type(shape) == "string" then
    local parts = {}
    for _, alt in ipairs(shapes.alternatives(shape)) do
      if shapes.named(alt) then
        parts[#parts + 1] = string.format("[%s](%sshapes.md#%s)", alt, base, alt)
      elseif alt == "none" then
        parts[#parts + 1] = "true (no data)"
      else
        parts[#parts + 1] = alt
      end
    end
    return table.concat(parts, " or ")
  end
  if shape.kind == "list" then
    if shape.items == nil then return "list" end
    if type(shape.items) == "table" and shape.items.kind == "object" then return "list of objects" end
    return "list of " .. type_text(shape.items, base)
  elseif shape.kind == "map" then
    local values = shape.values or "any"
    local of = (type(values) == "table" and values.kind == "object") and "objects" or type_text(values, base)
    return string.format("object of %s, keyed by %s", of, shape.keys or "name")
  elseif shape.kind == "object" then
    if shape.extends then return string.format("object (a [%s](%sshapes.md#%s), and more)", shape.extends, base,
      shape.extends) end
    return "object"
  end
  return type_text(shape.kind, base)
end

-- the rows of an object shape's fields, nested inline shapes flattened
-- ("outputs[].key"): {path, type, note}
local function field_rows(shape, prefix, base, rows)
  local fields, optional = shapes.object_fields(shape)
  for _, name in ipairs(sorted(fields)) do
    local f = fields[name]
    local path = prefix .. name
    local note = optional[name] and ("optional: " .. optional[name]) or ""
    rows[#rows + 1] = {path, type_text(f, base), note}
    if type(f) == "table" then
      if f.kind == "object" and not f.extends then
        field_rows(f, path .. ".", base, rows)
      elseif f.kind == "list" and type(f.items) == "table" and f.items.kind == "object" then
        field_rows(f.items, path .. "[].", base, rows)
      elseif f.kind == "map" and type(f.values) == "table" and f.values.kind == "object" then
        field_rows(f.values, path .. ".*.", base, rows)
      end
    end
  end
  return rows
end

local function rows_table(rows, out)
  out[#out + 1] = "| field | type | |"
  out[#out + 1] = "|---|---|---|"
  for _, r in ipairs(rows) do
    out[#out + 1] = string.format("| `%s` | %s | %s |", r[1], r[2], (r[3]:gsub("|", "\\|")))
  end
end

local function link(name, base)
  return string.format("[%s](%sshapes.md#%s)", name, base, name)
end

-- an object shape's fields as a table, and whether others may come
local function object_table(shape, base, out)
  rows_table(field_rows(shape, "", base, {}), out)
  out[#out + 1] = ""
  out[#out + 1] = shape.closed and "bk-sops answers no other field." or
    "bk-sops may answer more fields than these (the object is open)."
end

-- the words under "Returns" for a call's (or a named) shape
local function shape_text(shape, base, out)
  if type(shape) == "string" then
    local named = shapes.named(shape)
    if shape == "none" then
      out[#out + 1] = "`true`: bk-sops answers no `data`."
    elseif named and named.kind == "object" then
      out[#out + 1] = wrap(string.format("A %s: %s", link(shape, base), named.doc or ""))
      out[#out + 1] = ""
      object_table(named, base, out)
    else
      out[#out + 1] = "A value of type " .. type_text(shape, base) .. "."
    end
    return
  end
  if shape.kind == "list" and type(shape.items) == "string" and shapes.named(shape.items) then
    local named = shapes.named(shape.items)
    out[#out + 1] = wrap(string.format("A list of %s: %s Each item:", link(shape.items, base), named.doc or ""))
    out[#out + 1] = ""
    object_table(named, base, out)
    return
  end
  if shape.doc then out[#out + 1] = wrap(shape.doc); out[#out + 1] = "" end
  if shape.kind ~= "object" and shape.kind ~= "list" and shape.kind ~= "map" then
    return shape_text(shape.kind, base, out)
  end
  if shape.kind == "object" then
    if shape.extends then
      out[#out + 1] = string.format("An object: the fields of a %s, and more:", link(shape.extends, base))
    else
      out[#out + 1] = "An object:"
    end
    out[#out + 1] = ""
    object_table(shape, base, out)
  elseif shape.kind == "list" and type(shape.items) == "table" and shape.items.kind == "object" then
    local items = shape.items
    if items.extends then
      out[#out + 1] = string.format("A list; each item is an object, the fields of a %s and more:",
        link(items.extends, base))
    else
      out[#out + 1] = "A list; each item is an object:"
    end
    out[#out + 1] = ""
    object_table(items, base, out)
  elseif shape.kind == "map" and type(shape.values) == "table" and shape.values.kind == "object" then
    out[#out + 1] = string.format("An object keyed by %s; each value is an object:", shape.keys or "name")
    out[#out + 1] = ""
    rows_table(field_rows(shape.values, "", base, {}), out)
  else
    out[#out + 1] = "A " .. type_text(shape, base) .. "."
  end
end

---------------------------------------------------------------------------
-- the call pages

-- what the fields table says of a field's kind (sops.check's kinds)
-- a field's placeholder in a syntax line
local PLACEHOLDER = {
  id = "id", ids = "{id, ...}", count = "n", integer = "n", string = "string", boolean = "boolean",
  object = "{...}", list = "{...}", any = "value", receiver = "receiver", traceparent = "string", number = "n",
}

local KIND_TEXT = {
  id = "id", ids = "list of ids", count = "positive integer", integer = "integer from 0", string = "string",
  boolean = "boolean", object = "table", list = "list", any = "any", receiver = "receiver",
  traceparent = "traceparent", number = "number",
}

-- "template_id = id, name = string, ..."
local function syntax_args(call, e)
  local names = sorted(call.fields)
  local function at(n) return e.path:find("{" .. n .. "}", 1, true) or math.huge end
  table.sort(names, function(a, b)
    if at(a) ~= at(b) then return at(a) < at(b) end
    return a < b
  end)
  local parts, more = {}, false
  for _, n in ipairs(names) do
    local f = call.fields[n]
    if not (call.fixed and call.fixed[n]) then
      if f[2] then
        local kind = f[1]
        if n == "action" and call.actions then
          local a = call.actions.retry and "retry" or call.actions.pause and "pause" or sorted(call.actions)[1]
          kind = '"' .. a .. '"'
        end
        parts[#parts + 1] = n .. " = " .. (PLACEHOLDER[kind] or kind)
      else
        more = true
      end
    end
  end
  if more then parts[#parts + 1] = "..." end
  return table.concat(parts, ", ")
end

local function fields_table(call, e, base, out)
  local names = sorted(call.fields)
  local function at(n) return e.path:find("{" .. n .. "}", 1, true) or math.huge end
  local function rank(n)
    if call.fields[n][2] then return 0 end
    if n == "bk_biz_id" or n == "scope" or n == "traceparent" then return 2 end
    return 1
  end
  table.sort(names, function(a, b)
    if rank(a) ~= rank(b) then return rank(a) < rank(b) end
    if at(a) ~= at(b) then return at(a) < at(b) end
    return a < b
  end)
  out[#out + 1] = "| field | kind | |"
  out[#out + 1] = "|---|---|---|"
  for _, n in ipairs(names) do
    local f = call.fields[n]
    if not (call.fixed and call.fixed[n]) then
      local words = {}
      words[#words + 1] = f[2] and "required" or "optional"
      if e.path:find("{" .. n .. "}", 1, true) then words[#words + 1] = "in the gateway path" end
      if call.local_fields[n] and n ~= "traceparent" then words[#words + 1] = "not sent" end
      local note = calls_md.note(n, f, call, base)
      if note ~= "" then words[#words + 1] = note:gsub("^ %(", ""):gsub("%)$", "") end
      if call.scoped and n == "bk_biz_id" then words[#words + 1] = "the client's `bk_biz_id` if left out" end
      if call.scoped and n == "scope" then words[#words + 1] = "the client's `scope` if left out" end
      if n == "traceparent" then words[#words + 1] = "sent as the W3C `traceparent` header" end
      out[#out + 1] = string.format("| `%s` | %s | %s |", n, KIND_TEXT[f[1]] or f[1], table.concat(words, "; "))
    end
  end
end

local function call_entry(name, base, out)
  local call = api.CALLS[name]
  local e = api.BY_NAME[call.api]
  out[#out + 1] = "## " .. name
  out[#out + 1] = ""
  out[#out + 1] = string.format("`syntax: value, message, err = client:%s{%s}`", name, syntax_args(call, e))
  out[#out + 1] = ""
  out[#out + 1] = wrap(assert(about[name], name .. " has no sentence in tools/about.lua"))
  out[#out + 1] = ""
  if call.fixed then
    local fixed = {}
    for _, k in ipairs(sorted(call.fixed)) do fixed[#fixed + 1] = string.format('%s = "%s"', k, call.fixed[k]) end
    out[#out + 1] = string.format("A shortcut: [%s](#%s) with `%s`.", call.api, call.api, table.concat(fixed, ", "))
    out[#out + 1] = ""
  end
  local facts = {string.format("`%s %s`", e.method, e.path), calls_md.route_text(e, call)}
  if e.changes_state then facts[#facts + 1] = "changes state: sent at most once" end
  out[#out + 1] = table.concat(facts, " · ")
  out[#out + 1] = ""
  out[#out + 1] = "**Fields**"
  out[#out + 1] = ""
  fields_table(call, e, base, out)
  out[#out + 1] = ""
  out[#out + 1] = "**Returns**"
  out[#out + 1] = ""
  shape_text(e.returns, base, out)
  local returns = e.returns
  if type(returns) == "table" and returns.envelope then
    out[#out + 1] = ""
    local list = {}
    for _, k in ipairs(sorted(returns.envelope)) do
      list[#list + 1] = string.format("`%s` (%s)", k, type_text(returns.envelope[k], base))
    end
    out[#out + 1] = wrap("The response (the third value, the whole answer) also holds " .. table.concat(list, ", ") .. ".")
  end
  out[#out + 1] = ""
end

-- docs/calls/<slug>.md for `group`
function M.group_page(group)
  local base = "../"
  local by = calls_by_endpoint()
  local names = {}
  for _, e in ipairs(api.ENDPOINTS) do
    if e.group == group then
      for _, n in ipairs(by[e.name]) do names[#names + 1] = n end
    end
  end
  local out = {M.HEADER, "", "# Calls: " .. group, "",
    "[Reference](../index.md) · [All calls](../calls.md) · [Result shapes](../shapes.md) · "
      .. "[Results and errors](../errors.md)", "",
    wrap("Each call takes one table and returns `value, nil, response` on success, `nil, message, err` on "
      .. "failure; `value` is the `data` of bk-sops' answer, as **Returns** below says. A misspelt field, a "
      .. "missing required one or a wrong kind raises before anything is sent. The fields' kinds are those of "
      .. "[Calls](../calls.md#fields-and-their-kinds)."), ""}
  for _, n in ipairs(names) do
    out[#out + 1] = string.format("- [`%s`](#%s): %s", n, n, about[n])
  end
  out[#out + 1] = ""
  for _, n in ipairs(names) do call_entry(n, base, out) end
  return (table.concat(out, "\n"):gsub("\n+$", "\n"))
end

-- docs/shapes.md
function M.shapes_page()
  local out = {M.HEADER, "", "# Result shapes", "",
    "[Reference](index.md) · [All calls](calls.md)", "",
    wrap("The shapes several calls return, written once in `lua/sops/shapes.lua`. A field marked \"optional:\" is "
      .. "there only when what follows holds; every other field is always there. `null` is JSON null, which "
      .. "decodes as `sops.null`. An open object may hold fields not listed here; a closed one never does."), ""}
  for _, name in ipairs(sorted(shapes.NAMED)) do
    out[#out + 1] = "- [`" .. name .. "`](#" .. name .. ")"
  end
  out[#out + 1] = ""
  local users = {}
  for _, e in ipairs(api.ENDPOINTS) do
    local text = {}
    local function scan(s)
      if type(s) == "string" then
        for _, alt in ipairs(shapes.alternatives(s)) do
          if shapes.named(alt) then text[alt] = true end
        end
      elseif type(s) == "table" then
        if s.extends then text[s.extends] = true end
        for _, v in pairs(s.fields or {}) do scan(v) end
        scan(s.items)
        scan(s.values)
        if s.kind ~= "object" and s.kind ~= "list" and s.kind ~= "map" then scan(s.kind) end
      end
    end
    scan(e.returns)
    for n in pairs(text) do
      users[n] = users[n] or {}
      users[n][#users[n] + 1] = e.name
    end
  end
  for _, name in ipairs(sorted(shapes.NAMED)) do
    local s = shapes.NAMED[name]
    out[#out + 1] = "## " .. name
    out[#out + 1] = ""
    if s.doc then out[#out + 1] = wrap(s.doc); out[#out + 1] = "" end
    if users[name] then
      local links = {}
      for _, n in ipairs(users[name]) do
        links[#links + 1] = string.format("[%s](calls/%s.md#%s)", n, M.slug(api.BY_NAME[n].group), n)
      end
      out[#out + 1] = wrap("Returned by " .. table.concat(links, ", ") .. ".")
      out[#out + 1] = ""
    end
    if s.extends then
      out[#out + 1] = string.format("The fields of a [%s](#%s), and these:", s.extends, s.extends)
      out[#out + 1] = ""
    end
    rows_table(field_rows(s, "", "", {}), out)
    out[#out + 1] = ""
    out[#out + 1] = s.closed and "No other field." or "An open object: bk-sops may answer more fields."
    out[#out + 1] = ""
  end
  return (table.concat(out, "\n"):gsub("\n+$", "\n"))
end

---------------------------------------------------------------------------
-- the index of methods (docs/index.md, between its markers)

-- The client's methods that are not calls of sops.api, and the module's
-- functions: {name, where (from docs/), what}. spec/44-docs_spec.lua checks
-- them against the client's and the module's own.
M.METHODS = {
  {"wait", "waiting.md#waiting-for-tasks", "Polls a task until it ends (or reaches the states asked for)."},
  {"wait_all", "waiting.md#many-tasks-at-once", "Waits for many tasks with few requests."},
  {"pages", "client.md#listings-that-page", "Goes over a listing that pages, as an iterator."},
  {"call", "client.md#lower-level", "Sends any bk-sops api by name (or method and path), unchecked."},
  {"call_many", "client.md#lower-level", "Sends several calls at once and returns what each returns."},
  {"prepare", "client.md#hooks-trace-context-and-dry-runs", "Returns the request a call would send, unsent."},
  {"on", "client.md#hooks-trace-context-and-dry-runs", "Sets or removes the request and response hooks."},
  {"defaults", "client.md#lower-level", "The `bk_biz_id` and `scope` the client was made with."},
  {"is_open", "client.md#lower-level", "Whether the client is still open."},
  {"close", "client.md#sopsnewoptions", "Releases the client's connection; later calls raise."},
}
M.FUNCTIONS = {
  {"new", "client.md#sopsnewoptions", "Makes a client from its options."},
  {"configure", "client.md#module-level-functions", "Sets up the default client of `sops.<call>` and `sops.wait`."},
  {"default_client", "client.md#module-level-functions", "The client `sops.configure` set up."},
  {"wait", "client.md#module-level-functions", "`client:wait` on the default client."},
  {"wait_all", "client.md#module-level-functions", "`client:wait_all` on the default client."},
  {"decode", "errors.md#results-and-errors", "Decodes JSON as the core does."},
  {"encode", "errors.md#results-and-errors", "Encodes a value as JSON, keys in a stable order."},
  {"array", "errors.md#results-and-errors", "Marks a table to be sent as a JSON array, even empty."},
  {"is_error", "errors.md#results-and-errors", "Whether a value is a lua-sops error."},
  {"states", "waiting.md#tree-helpers", "The names of the states."},
  {"is_terminal", "waiting.md#tree-helpers", "Whether a state is an end (FINISHED, REVOKED, EXPIRED)."},
  {"walk", "waiting.md#tree-helpers", "Visits every node of a status tree, parents first."},
  {"failed_nodes", "waiting.md#tree-helpers", "The failed leaf nodes of a status, ready to retry or skip."},
  {"progress", "waiting.md#tree-helpers", "How far a task has got, in activities."},
  {"sleep", "waiting.md#tree-helpers", "The core's real sleep, which a handled signal ends."},
  {"callbacks", "callbacks.md#completion-callbacks", "The completion-callback receivers (a module)."},
}

-- a returns shape in a few words, for the index
local function short_type(shape)
  if type(shape) == "string" then
    if shape == "none" then return "`true`" end
    return "`" .. shape:gsub("|", " or ") .. "`"
  end
  if shape.kind == "list" then
    local items = shape.items
    if type(items) == "string" then return "list of `" .. items .. "`" end
    if type(items) == "table" and items.extends then return "list of `" .. items.extends .. "`+" end
    return "list"
  elseif shape.kind == "map" then
    return "map" .. (type(shape.values) == "string" and (" of `" .. shape.values .. "`") or "")
  elseif shape.kind == "object" then
    if shape.extends then return "`" .. shape.extends .. "`+" end
    return "object"
  end
  return short_type(shape.kind)
end

M.BEGIN = "<!-- methods: made from lua/sops/api.lua, lua/sops/shapes.lua and tools/about.lua by `make docs` -->"
M.END = "<!-- end of methods -->"

function M.render()
  local by = calls_by_endpoint()
  local out = {M.BEGIN, ""}
  local n = 0
  for _ in pairs(api.CALLS) do n = n + 1 end
  out[#out + 1] = wrap(string.format("The client's %d calls of bk-sops' api, by group; each links to its entry, "
    .. "with its syntax, fields and result. \"returns\" names the value's shape (`name`+: that shape and more "
    .. "fields).", n))
  for _, group in ipairs(api.GROUPS) do
    out[#out + 1] = ""
    out[#out + 1] = string.format("### %s", title(group))
    out[#out + 1] = ""
    out[#out + 1] = "| method | does | returns |"
    out[#out + 1] = "|---|---|---|"
    for _, e in ipairs(api.ENDPOINTS) do
      if e.group == group then
        for _, name in ipairs(by[e.name]) do
          out[#out + 1] = string.format("| [`%s`](calls/%s.md#%s) | %s | %s |", name, M.slug(group), name,
            about[name], short_type(e.returns))
        end
      end
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = "### The client's other methods"
  out[#out + 1] = ""
  out[#out + 1] = "| method | does |"
  out[#out + 1] = "|---|---|"
  for _, m in ipairs(M.METHODS) do
    out[#out + 1] = string.format("| [`client:%s`](%s) | %s |", m[1], m[2], m[3])
  end
  out[#out + 1] = ""
  out[#out + 1] = "### The module's functions"
  out[#out + 1] = ""
  out[#out + 1] = "Besides `sops.<call>(args)` for every call above, on the default client:"
  out[#out + 1] = ""
  out[#out + 1] = "| function | does |"
  out[#out + 1] = "|---|---|"
  for _, m in ipairs(M.FUNCTIONS) do
    out[#out + 1] = string.format("| [`sops.%s`](%s) | %s |", m[1], m[2], m[3])
  end
  out[#out + 1] = ""
  out[#out + 1] = M.END
  return table.concat(out, "\n")
end

-- Every generated page: {path, text} (the index apart: it is a section).
function M.pages()
  local out = {}
  for _, group in ipairs(api.GROUPS) do out[#out + 1] = {M.group_path(group), M.group_page(group)} end
  out[#out + 1] = {"docs/shapes.md", M.shapes_page()}
  return out
end

section.define(M, "methods")

if arg and arg[0] and arg[0]:find("reference%.lua$") and arg[1] then
  local root = arg[1]:gsub("/?$", "/"):gsub("docs/$", "")
  assert(os.execute("mkdir -p " .. root .. "docs/calls"))
  for _, page in ipairs(M.pages()) do
    local f = assert(io.open(root .. page[1], "wb"))
    f:write(page[2])
    f:close()
  end
  M.rewrite_file(root .. "docs/index.md")
end

return M
