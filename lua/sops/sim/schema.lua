-- jsonschema 4.23 as bk-sops calls it (jsonschema.validate on
-- create_task's and create_and_start_task's parameters, gcloud/apigw/
-- schemas.py): the keywords those schemas use, Draft 2020-12's types,
-- best_match's choice among the errors, and str(ValidationError) as
-- jsonschema writes it (the message, "Failed validating ... in schema...:"
-- with the schema, "On instance...:" with the instance, each by Python's
-- pprint.pformat(width=72, sort_dicts=False)), with Python's repr() of
-- the values. Values are as sops.sim.json decodes them (an object's keys in
-- the order written: json.decode_ordered; arrays marked), schemas are
-- json.obj objects in the order bk-sops writes them.
local json = require "sops.sim.json"

local M = {}

---------------------------------------------------------------------------
-- Python's repr() and len() of the values JSON holds

local function is_array(v) return json.is_array(v) end
local function is_object(v) return type(v) == "table" and not json.is_array(v) end

-- the code points of a string (a surrogate's 3-byte form, or a byte that is
-- no UTF-8, read as one each)
local function code_points(s)
  local cps, i, n = {}, 1, #s
  while i <= n do
    local c = s:byte(i)
    local want = c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC0 and 2 or 1
    local cp
    if want > 1 and i + want - 1 <= n then
      cp = c & (want == 2 and 0x1F or want == 3 and 0x0F or 0x07)
      for k = 1, want - 1 do
        local b = s:byte(i + k)
        if b & 0xC0 ~= 0x80 then
          cp = nil
          break
        end
        cp = (cp << 6) | (b & 0x3F)
      end
    end
    if cp then
      i = i + want
    else
      cp = c
      i = i + 1
    end
    cps[#cps + 1] = cp
  end
  return cps
end
M.code_points = code_points

-- Python's len() of a string
function M.len(s)
  return #code_points(s)
end

-- str.isprintable() for one character: the ASCII ones from space to ~, and
-- past ASCII all but the controls, the format characters, the separators
-- other than space, surrogates and private use (the common ones)
local function printable(cp)
  if cp < 0x80 then return cp >= 0x20 and cp < 0x7F end
  if cp <= 0xA0 or cp == 0xAD then return false end
  if cp == 0x1680 or (cp >= 0x2000 and cp <= 0x200F) or (cp >= 0x2028 and cp <= 0x202F) then return false end
  if (cp >= 0x205F and cp <= 0x206F) or cp == 0x3000 or cp == 0xFEFF or (cp >= 0xFFF9 and cp <= 0xFFFB) then
    return false
  end
  if (cp >= 0xD800 and cp <= 0xF8FF) or cp >= 0xF0000 or cp == 0xE0001 or (cp >= 0xE0020 and cp <= 0xE007F) then
    return false
  end
  return true
end

local ESCAPED = {[0x5C] = "\\\\", [0x09] = "\\t", [0x0A] = "\\n", [0x0D] = "\\r"}

-- repr() of a str, from its code points
local function repr_cps(cps, from, to)
  local has_single, has_double = false, false
  for i = from, to do
    if cps[i] == 0x27 then has_single = true elseif cps[i] == 0x22 then has_double = true end
  end
  local quote = (has_single and not has_double) and '"' or "'"
  local out = {quote}
  for i = from, to do
    local cp = cps[i]
    local e = ESCAPED[cp]
    if e then
      out[#out + 1] = e
    elseif (quote == "'" and cp == 0x27) then
      out[#out + 1] = "\\'"
    elseif printable(cp) then
      out[#out + 1] = utf8.char(cp)
    elseif cp < 0x100 then
      out[#out + 1] = string.format("\\x%02x", cp)
    elseif cp < 0x10000 then
      out[#out + 1] = string.format("\\u%04x", cp)
    else
      out[#out + 1] = string.format("\\U%08x", cp)
    end
  end
  out[#out + 1] = quote
  return table.concat(out)
end

local repr

-- repr() of a value: dicts in their keys' order, lists, str, int, float
-- (repr), True, False, None
repr = function(v)
  local tv = type(v)
  if tv == "string" then
    local cps = code_points(v)
    return repr_cps(cps, 1, #cps)
  elseif tv == "boolean" then
    return v and "True" or "False"
  elseif tv == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    local f = json.py_float(v)
    if f == "NaN" then return "nan" elseif f == "Infinity" then return "inf" elseif f == "-Infinity" then return "-inf" end
    return f
  elseif v == nil or v == json.null then
    return "None"
  elseif is_array(v) then
    local parts = {}
    for i = 1, #v do parts[i] = repr(v[i]) end
    return "[" .. table.concat(parts, ", ") .. "]"
  elseif tv == "table" then
    local parts = {}
    for _, k in ipairs(json.keys(v)) do parts[#parts + 1] = repr(k) .. ": " .. repr(v[k]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end
M.repr = repr

---------------------------------------------------------------------------
-- pprint.pformat(object, width=72, sort_dicts=False)

local WIDTH = 72

-- str.splitlines(keepends=True), as ranges of code points
local LINE_BREAK = {[0x0A] = true, [0x0B] = true, [0x0C] = true, [0x0D] = true, [0x1C] = true, [0x1D] = true,
  [0x1E] = true, [0x85] = true, [0x2028] = true, [0x2029] = true}

local function split_lines(cps)
  local lines, start, i = {}, 1, 1
  while i <= #cps do
    local cp = cps[i]
    if LINE_BREAK[cp] then
      if cp == 0x0D and cps[i + 1] == 0x0A then i = i + 1 end
      lines[#lines + 1] = {start, i}
      start = i + 1
    end
    i = i + 1
  end
  if start <= #cps then lines[#lines + 1] = {start, #cps} end
  return lines
end

-- str.isspace() (what \s matches in a str pattern)
local function is_space(cp)
  return (cp >= 0x09 and cp <= 0x0D) or (cp >= 0x1C and cp <= 0x20) or cp == 0x85 or cp == 0xA0 or cp == 0x1680
    or (cp >= 0x2000 and cp <= 0x200A) or cp == 0x2028 or cp == 0x2029 or cp == 0x202F or cp == 0x205F
    or cp == 0x3000
end

-- re.findall(r'\S*\s*', line) without its empty last match: ranges
local function words(cps, from, to)
  local parts, i = {}, from
  while i <= to do
    local start = i
    while i <= to and not is_space(cps[i]) do i = i + 1 end
    while i <= to and is_space(cps[i]) do i = i + 1 end
    parts[#parts + 1] = {start, i - 1}
  end
  return parts
end

local format

local function pprint_str(s, out, indent, allowance, level)
  local cps = code_points(s)
  if #cps == 0 then
    out[#out + 1] = repr(s)
    return
  end
  local chunks = {}
  local lines = split_lines(cps)
  if level == 1 then
    indent = indent + 1
    allowance = allowance + 1
  end
  local max_width = WIDTH - indent
  local max_width1 = max_width
  local rep
  for i, line in ipairs(lines) do
    rep = repr_cps(cps, line[1], line[2])
    if i == #lines then max_width1 = max_width1 - allowance end
    if M.len(rep) <= max_width1 then
      chunks[#chunks + 1] = rep
    else
      local parts = words(cps, line[1], line[2])
      local max_width2 = max_width
      local current -- a range, nil for ''
      for j, part in ipairs(parts) do
        local candidate = current and {current[1], part[2]} or part
        if j == #parts and i == #lines then max_width2 = max_width2 - allowance end
        if M.len(repr_cps(cps, candidate[1], candidate[2])) > max_width2 then
          if current then chunks[#chunks + 1] = repr_cps(cps, current[1], current[2]) end
          current = part
        else
          current = candidate
        end
      end
      if current then chunks[#chunks + 1] = repr_cps(cps, current[1], current[2]) end
    end
  end
  if #chunks == 1 then
    out[#out + 1] = rep
    return
  end
  if level == 1 then out[#out + 1] = "(" end
  for i, c in ipairs(chunks) do
    if i > 1 then out[#out + 1] = "\n" .. string.rep(" ", indent) end
    out[#out + 1] = c
  end
  if level == 1 then out[#out + 1] = ")" end
end

local function pprint_dict(v, out, indent, allowance, level)
  out[#out + 1] = "{"
  local keys = json.keys(v)
  if #keys > 0 then
    allowance = allowance + 1
    indent = indent + 1
    local delimnl = ",\n" .. string.rep(" ", indent)
    for i, k in ipairs(keys) do
      local last = i == #keys
      local rep = repr(k)
      out[#out + 1] = rep
      out[#out + 1] = ": "
      format(v[k], out, indent + M.len(rep) + 2, last and allowance or 1, level)
      if not last then out[#out + 1] = delimnl end
    end
  end
  out[#out + 1] = "}"
end

local function pprint_list(v, out, indent, allowance, level)
  out[#out + 1] = "["
  allowance = allowance + 1
  indent = indent + 1
  local delimnl = ",\n" .. string.rep(" ", indent)
  for i = 1, #v do
    if i > 1 then out[#out + 1] = delimnl end
    format(v[i], out, indent, i == #v and allowance or 1, level)
  end
  out[#out + 1] = "]"
end

format = function(v, out, indent, allowance, level)
  local rep = repr(v)
  if M.len(rep) > WIDTH - indent - allowance then
    if type(v) == "string" then return pprint_str(v, out, indent, allowance, level + 1) end
    if is_array(v) then return pprint_list(v, out, indent, allowance, level + 1) end
    if is_object(v) then return pprint_dict(v, out, indent, allowance, level + 1) end
  end
  out[#out + 1] = rep
end

function M.pformat(v)
  local out = {}
  format(v, out, 0, 0, 0)
  return table.concat(out)
end

---------------------------------------------------------------------------
-- the validator (jsonschema/_keywords.py, validators.py descend)

-- Draft 2020-12's types (_types.py: an integral float is an integer; a
-- bool is no number)
local TYPES = {
  object = is_object,
  array = is_array,
  string = function(v) return type(v) == "string" end,
  integer = function(v)
    return math.type(v) == "integer" or (math.type(v) == "float" and v == math.floor(v) and v - v == 0)
  end,
  number = function(v) return type(v) == "number" end,
  boolean = function(v) return type(v) == "boolean" end,
  null = function(v) return v == json.null end,
}

local function is_type(v, t) return TYPES[t](v) end

-- _utils.equal: bools and numbers apart, containers item by item
local function equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  if is_array(a) ~= is_array(b) then return false end
  for k, x in pairs(a) do
    if not equal(x, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function new_error(message, extra)
  local e = {message = message, path = {}, schema_path = {}, context = {}}
  for k, v in pairs(extra or {}) do e[k] = v end
  return e
end

local descend

local KEYWORDS = {}

function KEYWORDS.type(types, instance)
  local list = type(types) == "string" and {types} or types
  for _, t in ipairs(list) do
    if is_type(instance, t) then return {} end
  end
  local reprs = {}
  for i, t in ipairs(list) do reprs[i] = repr(t) end
  return {new_error(repr(instance) .. " is not of type " .. table.concat(reprs, ", "))}
end

function KEYWORDS.required(required, instance)
  if not is_object(instance) then return {} end
  local errors = {}
  for _, p in ipairs(required) do
    if instance[p] == nil then errors[#errors + 1] = new_error(repr(p) .. " is a required property") end
  end
  return errors
end

function KEYWORDS.properties(properties, instance)
  if not is_object(instance) then return {} end
  local errors = {}
  for _, p in ipairs(json.keys(properties)) do
    if instance[p] ~= nil then
      for _, e in ipairs(descend(instance[p], properties[p], p, p)) do errors[#errors + 1] = e end
    end
  end
  return errors
end

function KEYWORDS.minLength(m, instance)
  if type(instance) == "string" and M.len(instance) < m then
    return {new_error(repr(instance) .. (m == 1 and " should be non-empty" or " is too short"))}
  end
  return {}
end

function KEYWORDS.maxLength(m, instance)
  if type(instance) == "string" and M.len(instance) > m then
    return {new_error(repr(instance) .. (m == 0 and " is expected to be empty" or " is too long"))}
  end
  return {}
end

function KEYWORDS.enum(enums, instance)
  for _, e in ipairs(enums) do
    if equal(e, instance) then return {} end
  end
  return {new_error(repr(instance) .. " is not one of " .. repr(enums))}
end

function KEYWORDS.minimum(m, instance)
  if type(instance) == "number" and instance < m then
    return {new_error(repr(instance) .. " is less than the minimum of " .. repr(m))}
  end
  return {}
end

function KEYWORDS.items(items, instance)
  if not is_array(instance) then return {} end
  local errors = {}
  for i = 1, #instance do
    for _, e in ipairs(descend(instance[i], items, i - 1, nil)) do errors[#errors + 1] = e end
  end
  return errors
end

function KEYWORDS.oneOf(subschemas, instance)
  local all, first_valid = {}, nil
  local index = 0
  for i = 1, #subschemas do
    index = i
    local errs = descend(instance, subschemas[i], nil, i - 1)
    if #errs == 0 then
      first_valid = subschemas[i]
      break
    end
    for _, e in ipairs(errs) do all[#all + 1] = e end
  end
  if not first_valid then
    return {new_error(repr(instance) .. " is not valid under any of the given schemas", {context = all})}
  end
  local more = {}
  for i = index + 1, #subschemas do
    if #descend(instance, subschemas[i], nil, nil) == 0 then more[#more + 1] = subschemas[i] end
  end
  if #more > 0 then
    more[#more + 1] = first_valid
    local reprs = {}
    for i, s in ipairs(more) do reprs[i] = repr(s) end
    return {new_error(repr(instance) .. " is valid under each of " .. table.concat(reprs, ", "))}
  end
  return {}
end

-- The errors of `instance` under `schema`, each with its path and schema
-- path relative to here (path, schema_path: what this level adds).
descend = function(instance, schema, path, schema_path)
  local errors = {}
  for _, k in ipairs(json.keys(schema)) do
    local keyword = KEYWORDS[k]
    if keyword then
      local v = schema[k]
      for _, e in ipairs(keyword(v, instance)) do
        if e.validator == nil then
          e.validator, e.validator_value, e.instance, e.schema = k, v, instance, schema
        end
        table.insert(e.schema_path, 1, k)
        if path ~= nil then table.insert(e.path, 1, path) end
        if schema_path ~= nil then table.insert(e.schema_path, 1, schema_path) end
        errors[#errors + 1] = e
      end
    end
  end
  return errors
end

---------------------------------------------------------------------------
-- best_match (exceptions.py by_relevance, best_match)

local WEAK = {anyOf = true, oneOf = true}

local function matches_type(e)
  local t = is_object(e.schema) and e.schema.type
  if t == nil then return false end
  if type(t) == "string" then return is_type(e.instance, t) end
  for _, x in ipairs(t) do
    if is_type(e.instance, x) then return true end
  end
  return false
end

-- relevance(error): (-len(path), path, validator not in weak, validator in
-- strong, not matches_type)
local function key(e)
  return {-#e.path, e.path, not WEAK[e.validator], false, not matches_type(e)}
end

local function cmp_any(a, b)
  if type(a) == "boolean" then
    a, b = a and 1 or 0, b and 1 or 0
  end
  if a == b then return 0 end
  return a < b and -1 or 1
end

local function cmp_path(a, b)
  for i = 1, math.min(#a, #b) do
    local c = cmp_any(a[i], b[i])
    if c ~= 0 then return c end
  end
  return cmp_any(#a, #b)
end

local function cmp_key(a, b)
  for i = 1, 5 do
    local c = i == 2 and cmp_path(a[i], b[i]) or cmp_any(a[i], b[i])
    if c ~= 0 then return c end
  end
  return 0
end

local function best_match(errors)
  if #errors == 0 then return nil end
  local best, best_key = errors[1], key(errors[1])
  for i = 2, #errors do
    local k = key(errors[i])
    if cmp_key(k, best_key) > 0 then best, best_key = errors[i], k end
  end
  while #best.context > 0 do
    -- heapq.nsmallest(2, context, key): stable
    local list = {}
    for i, e in ipairs(best.context) do list[i] = {e, key(e), i} end
    table.sort(list, function(x, y)
      local c = cmp_key(x[2], y[2])
      if c ~= 0 then return c < 0 end
      return x[3] < y[3]
    end)
    if #list >= 2 and cmp_key(list[1][2], list[2][2]) == 0 then return best end
    best = list[1][1]
  end
  return best
end

-- _utils.format_as_index
local function as_index(container, indices)
  if #indices == 0 then return container end
  local parts = {}
  for i, x in ipairs(indices) do parts[i] = repr(x) end
  return container .. "[" .. table.concat(parts, "][") .. "]"
end

-- _pretty, as its lines stand in the message after dedent: the first
-- after the four spaces the message gives it, the others four spaces in
local function pretty(v)
  return (M.pformat(v):gsub("\n", "\n    "))
end

-- str(ValidationError)
function M.error_text(e)
  local schema_path = {}
  for i = 1, #e.schema_path - 1 do schema_path[i] = e.schema_path[i] end
  return table.concat({
    e.message, "\n\n",
    "Failed validating ", repr(e.validator), " in ", as_index("schema", schema_path), ":\n",
    "    ", pretty(e.schema), "\n\n",
    "On ", as_index("instance", e.path), ":\n",
    "    ", pretty(e.instance),
  })
end

---------------------------------------------------------------------------
-- bk-sops' schemas (gcloud/apigw/schemas.py; TASK_NAME_MAX_LENGTH 100,
-- TASK_FLOW's keys), key for key in their order

local obj, array = json.obj, json.array

local TEMPLATE_SCHEME_ID = obj("oneOf", array({
  obj("type", "string", "minLength", 1),
  obj("type", "integer", "minimum", 1),
}))

local function name_and_flow()
  return "name", obj("type", "string", "minLength", 1, "maxLength", 100),
    "flow_type", obj("type", "string", "enum", array({"common", "common_func"}))
end

local function schemes()
  return obj("oneOf", array({TEMPLATE_SCHEME_ID, obj("type", "array", "items", TEMPLATE_SCHEME_ID)}))
end

-- APIGW_CREATE_TASK_PARAMS
M.CREATE_TASK = obj("type", "object", "required", array({"name"}), "properties", (function()
  local n, nv, f, fv = name_and_flow()
  return obj(n, nv, f, fv, "constants", obj("type", "object"), "exclude_task_nodes_id", obj("type", "array"),
    "execute_task_nodes_id", obj("type", "array"), "template_schemes_id", schemes())
end)())

-- APIGW_CREATE_AND_START_TASK_PARAMS
M.CREATE_AND_START_TASK = obj("type", "object", "required", array({"name"}), "properties", (function()
  local n, nv, f, fv = name_and_flow()
  return obj(n, nv, f, fv, "constants", obj("type", "object"), "exclude_task_nodes_id", obj("type", "array"),
    "template_schemes_id", schemes(), "template_source", obj("type", "string"))
end)())

-- jsonschema.validate(instance, schema): nil when it is valid, else the
-- error it raises (best_match of them all).
function M.validate(instance, schema)
  return best_match(descend(instance, schema, nil, nil))
end

return M
