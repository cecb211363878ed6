-- A small LuaCATS checker of our own, standing in for lua-language-server
-- (which the specs cannot install): it reads a definition file's ---@class,
-- ---@field, ---@alias, ---@param and ---@return lines, then checks a script
-- the way LuaLS would for three mistakes, and for those only:
--   client:NAME{field = literal, ...}  (and sops.new{...}, sops.NAME{...}):
--     a field the argument class has not (undefined-field), a literal of
--     the wrong kind (param-type-mismatch: a string where a table or an
--     integer is expected), a required field left out (missing-fields);
--   local r = client:NAME{...} ... r.FIELD (r.a.b too): a field the result
--     class has not (undefined-field).
-- A client is a local given sops.new{...} or sops.configure{...}. Values
-- that are not literals (names, calls) are not judged; a class with a
-- `---@field [string] any` (an open object) takes any field, as in LuaLS.
local M = {}

-- the definitions: {classes = {name = {fields = {name = {type, optional}},
-- parents = {...}, open = bool}}, aliases = {name = type},
-- functions = {["sops.Client:create_task"] = {params = {type...}, returns = {type...}}}}
function M.parse(text)
  local defs = {classes = {}, aliases = {}, functions = {}}
  local class, params, returns = nil, {}, {}
  local locals = {} -- local Client = {} after ---@class sops.Client
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local name, parents = line:match("^%-%-%-@class%s+([%w_.]+)%s*:?%s*(.-)%s*$")
    if name then
      class = {fields = {}, parents = {}, open = false}
      for p in parents:gmatch("[%w_.]+") do class.parents[#class.parents + 1] = p end
      defs.classes[name] = class
      class.name = name
    elseif line:match("^%-%-%-@field") then
      local key, opt, ftype = line:match("^%-%-%-@field%s+%[?\"?([^%s%]\"?]+)\"?%]?(%??)%s+(%S+)")
      if line:match("^%-%-%-@field%s+%[string%]") then
        class.open = true
      elseif key then
        class.fields[key] = {type = ftype, optional = opt == "?"}
      end
    else
      local alias, atype = line:match("^%-%-%-@alias%s+([%w_.]+)%s+(%S+)")
      if alias then defs.aliases[alias] = atype end
      local ptype = line:match("^%-%-%-@param%s+[%w_]+%??%s+(%S+)")
      if ptype then params[#params + 1] = ptype end
      local rtype = line:match("^%-%-%-@return%s+(%S+)")
      if rtype then returns[#returns + 1] = rtype end
      local lname = line:match("^local%s+([%w_]+)%s*=%s*{}")
      if lname and class then locals[lname] = class.name end
      local owner, sep, fname = line:match("^function%s+([%w_]+)([.:])([%w_]+)%(")
      if owner then
        defs.functions[(locals[owner] or owner) .. sep .. fname] = {params = params, returns = returns}
      end
      if line == "" or owner then params, returns = {}, {} end
      if line == "" then class = nil end
    end
  end
  return defs
end

-- the class of type `t` (nil|X, X|nil and aliases followed), or nil
local function class_of(defs, t)
  if not t then return nil end
  t = t:gsub("|nil$", ""):gsub("^nil|", "")
  local seen = 0
  while defs.aliases[t] and seen < 10 do t, seen = defs.aliases[t], seen + 1 end
  return defs.classes[t] and t or nil
end

-- field `key` of class `name`, its parents' included
local function field_of(defs, name, key)
  local c = defs.classes[name]
  if not c then return nil end
  if c.fields[key] then return c.fields[key] end
  for _, p in ipairs(c.parents) do
    local f = field_of(defs, p, key)
    if f then return f end
  end
  return nil
end

local function is_open(defs, name)
  local c = defs.classes[name]
  if not c then return true end
  if c.open then return true end
  for _, p in ipairs(c.parents) do
    if is_open(defs, p) then return true end
  end
  return false
end

local function required_fields(defs, name, out)
  out = out or {}
  local c = defs.classes[name]
  for _, p in ipairs(c.parents) do required_fields(defs, p, out) end
  for k, f in pairs(c.fields) do
    if not f.optional then out[k] = true end
  end
  return out
end

-- the kind of a literal's text: string, integer, number, boolean, table,
-- function, nil; nil when it is no literal
local function literal_kind(v)
  v = v:match("^%s*(.-)%s*$")
  if v:match("^\".*\"$") or v:match("^'.*'$") or v:match("^%[=*%[") then return "string" end
  if v:match("^%-?%d+$") or v:match("^0x%x+$") then return "integer" end
  if v:match("^%-?%d*%.?%d+[eE]?[-+]?%d*$") then return "number" end
  if v == "true" or v == "false" then return "boolean" end
  if v:match("^{") then return "table" end
  if v:match("^function%f[^%w_]") then return "function" end
  if v == "nil" then return "nil" end
  return nil
end

-- whether a literal of `kind` fits type `t` ("integer|string", "any[]",
-- "table<string, x>", a class name, "\"apigw\"|\"esb\"")
local function fits(defs, kind, t)
  for alt in t:gmatch("[^|]+") do
    alt = alt:gsub("^%(", ""):gsub("%)%[%]$", "[]")
    if alt == "any" or alt == kind then return true end
    if kind == "nil" then return true end -- (a field set to nil is a field left out)
    if kind == "integer" and alt == "number" then return true end
    if kind == "string" and alt:match("^\"") then return true end
    if kind == "boolean" and (alt == "true" or alt == "false") then return true end
    if kind == "function" and (alt == "function" or alt:match("^fun%(")) then return true end
    if kind == "table" and (alt == "table" or alt:match("%[%]$") or alt:match("^table<")
      or class_of(defs, alt) or alt:match("^{")) then return true end
    if defs.aliases[alt] and fits(defs, kind, defs.aliases[alt]) then return true end
  end
  return false
end

-- the entries of a table constructor's text ("{a = 1, b = {2, 3}}"):
-- {key, value, offset of the key in the text}
local function entries(ctor)
  local body, out = ctor:sub(2, -2), {}
  local depth, start, i, quote = 0, 1, 1, nil
  local function take(last)
    local piece = body:sub(start, last)
    local lead, key, value = piece:match("^(%s*)([%a_][%w_]*)%s*=%s*(.-)%s*$")
    if key and not value:match("^=") then out[#out + 1] = {key, value, 1 + start + #lead} end
  end
  while i <= #body do
    local ch = body:sub(i, i)
    if quote then
      if ch == "\\" then i = i + 1 elseif ch == quote then quote = nil end
    elseif ch == "\"" or ch == "'" then
      quote = ch
    elseif ch == "{" or ch == "(" or ch == "[" then
      depth = depth + 1
    elseif ch == "}" or ch == ")" or ch == "]" then
      depth = depth - 1
    elseif (ch == "," or ch == ";") and depth == 0 then
      take(i - 1)
      start = i + 1
    end
    i = i + 1
  end
  take(#body)
  return out
end

local function line_at(text, pos)
  local n = 1
  for _ in text:sub(1, pos - 1):gmatch("\n") do n = n + 1 end
  return n
end

-- The diagnostics of `script` against the definitions: a list of
-- {line = n, code = "undefined-field" | "param-type-mismatch" |
-- "missing-fields", message = "..."}, in the order of the script.
function M.check(defs, script)
  local diags = {}
  local function say(pos, code, fmt, ...)
    diags[#diags + 1] = {pos = pos, line = line_at(script, pos), code = code, message = fmt:format(...)}
  end
  -- (comments out, lengths kept, so that positions stay)
  local text = script:gsub("%-%-%[(=*)%[.-%]%1%]", function(s) return (s:gsub("[^\n]", " ")) end)
  text = text:gsub("%-%-[^\n]*", function(s) return (" "):rep(#s) end)

  local clients = {}
  -- the calls: what each is given, and the local its value goes to
  local function check_args(fn, ctor, at)
    local ptype = fn.params[1]
    local cname = class_of(defs, ptype)
    if not cname then return end
    local given = {}
    for _, e in ipairs(entries(ctor)) do
      local key, value, off = e[1], e[2], at + e[3] - 1
      given[key] = true
      local f = field_of(defs, cname, key)
      if not f then
        if not is_open(defs, cname) then
          say(off, "undefined-field", "undefined field `%s` in `%s`", key, cname)
        end
      else
        local kind = literal_kind(value)
        if kind and not fits(defs, kind, f.type) then
          say(off, "param-type-mismatch", "field `%s`: cannot assign `%s` to `%s`", key, kind, f.type)
        end
      end
    end
    local missing = {}
    for k in pairs(required_fields(defs, cname)) do
      if not given[k] then missing[#missing + 1] = k end
    end
    table.sort(missing)
    if #missing > 0 then
      say(at, "missing-fields", "missing required fields in type `%s`: %s", cname,
        "`" .. table.concat(missing, "`, `") .. "`")
    end
  end

  -- the text of the line before position pos
  local function head(pos)
    return text:sub(1, pos - 1):match("([^\n]*)$")
  end
  -- sops.new{...} / sops.configure{...} (a client), sops.NAME{...}
  for pos, fname, open, ctor in text:gmatch("()%f[%w_]sops%.([%w_]+)(%s*%(?%s*)(%b{})") do
    local fn = defs.functions["sops." .. fname]
    if fn then
      check_args(fn, ctor, pos + #"sops." + #fname + #open)
      local var = head(pos):match("local%s+([%w_]+)")
      if var and (fname == "new" or fname == "configure") then clients[var] = true end
    end
  end
  -- client:NAME{...}, and the local its value goes to
  local results = {}
  for pos, var, name, open, ctor in text:gmatch("()%f[%w_]([%w_]+):([%w_]+)(%s*%(?%s*)(%b{})") do
    if clients[var] then
      local fn = defs.functions["sops.Client:" .. name]
      if not fn then
        say(pos, "undefined-field", "undefined field `%s` in `sops.Client`", name)
      else
        check_args(fn, ctor, pos + #var + 1 + #name + #open)
        local r = head(pos):match("local%s+([%w_]+)[%w_%s,]*=%s*$")
        if r then results[r] = {type = fn.returns[1], from = pos} end
      end
    end
  end
  -- reads of r.FIELD (and r.a.b) after local r = client:NAME{...}
  for r, info in pairs(results) do
    for pos, chain in text:gmatch("()%f[%w_]" .. r .. "(%.[%w_][%w_.]*)") do
      if pos > info.from then
        local cname = class_of(defs, info.type)
        local where = pos + #r
        for key in chain:gmatch("%.([%w_]+)") do
          if not cname then break end
          local f = field_of(defs, cname, key)
          if not f then
            if not is_open(defs, cname) then
              say(where, "undefined-field", "undefined field `%s` in `%s`", key, cname)
            end
            break
          end
          cname = class_of(defs, f.type)
          where = where + 1 + #key
        end
      end
    end
  end
  table.sort(diags, function(a, b) return a.pos < b.pos end)
  return diags
end

-- the diagnostics as LuaLS prints them: "name:line: [code] message"
function M.format(diags, name)
  local out = {}
  for i, d in ipairs(diags) do
    out[i] = string.format("%s:%d: [%s] %s", name or "script", d.line, d.code, d.message)
  end
  return table.concat(out, "\n")
end

return M
