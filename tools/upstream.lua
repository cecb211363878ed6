-- bk-sops' API gateway resources, kept up with: bk-sops declares them in
-- gcloud/apigw/management/commands/data/api-resources.yml (swagger 2.0 on
-- release_humming_bird, OpenAPI 3.0.1 on master and dev_multi_tenant),
-- different on each branch. This reads such a file, keeps the facts lua-sops
-- needs in its own form, spec/fixtures/upstream/<branch>.lua (never the file
-- itself), and says what changed since the fixture it replaces.
--   lua tools/upstream.lua FILE|CHECKOUT BRANCH [COMMIT] [--out DIR]
-- (`make upstream-check FILE=... BRANCH=... COMMIT=...`). COMMIT, 40 hex
-- digits, may be left out for a git checkout (its HEAD is taken).
-- spec/36-upstream_spec.lua checks the fixtures against lua/sops/api.lua with
-- M.check, and M.extract on small samples of both shapes.
--
-- The YAML reader is for the subset those files use, and refuses the rest
-- (anchors, tags, block scalars, flow collections that are not empty,
-- quoted scalars over several lines, tabs) with the line it stopped at:
-- block mappings and sequences (a sequence under a key also at the key's own
-- indentation, "- key: value" items), plain scalars over several lines,
-- single- and double-quoted scalars, {} and [], comments.
local M = {}

M.RESOURCE_FILE = "gcloud/apigw/management/commands/data/api-resources.yml"
M.FIXTURES = "spec/fixtures/upstream"

-- YAML's null, where a table needs a value
M.null = setmetatable({}, {__tostring = function() return "null" end})

---------------------------------------------------------------- the reader

local function fail(no, what)
  error(string.format("line %d: %s", no, what), 0)
end

-- a double-quoted scalar's escapes
local ESCAPES = {n = "\n", t = "\t", r = "\r", ["\\"] = "\\", ['"'] = '"', ["/"] = "/", ["0"] = "\0", [" "] = " ",
  b = "\b", e = "\27", a = "\7", v = "\v", f = "\f"}

local function utf8_of(code)
  if code < 0x80 then return string.char(code) end
  if code < 0x800 then return string.char(0xC0 + math.floor(code / 64), 0x80 + code % 64) end
  if code < 0x10000 then
    return string.char(0xE0 + math.floor(code / 4096), 0x80 + math.floor(code / 64) % 64, 0x80 + code % 64)
  end
  return string.char(0xF0 + math.floor(code / 262144), 0x80 + math.floor(code / 4096) % 64,
    0x80 + math.floor(code / 64) % 64, 0x80 + code % 64)
end

-- A quoted scalar at the start of s: its value and what follows it, or nil
-- when it does not close on this line.
local function quoted(s, no)
  local q = s:sub(1, 1)
  local out, i = {}, 2
  while i <= #s do
    local c = s:sub(i, i)
    if q == "'" and c == "'" then
      if s:sub(i + 1, i + 1) == "'" then
        out[#out + 1], i = "'", i + 2
      else
        return table.concat(out), s:sub(i + 1)
      end
    elseif q == '"' and c == '"' then
      return table.concat(out), s:sub(i + 1)
    elseif q == '"' and c == "\\" then
      local e = s:sub(i + 1, i + 1)
      if e == "u" or e == "x" or e == "U" then
        local n = ({u = 4, x = 2, U = 8})[e]
        local hex = s:sub(i + 2, i + 1 + n)
        if not hex:match("^%x+$") or #hex ~= n then fail(no, "bad escape in a double-quoted scalar") end
        out[#out + 1], i = utf8_of(tonumber(hex, 16)), i + 2 + n
      elseif ESCAPES[e] then
        out[#out + 1], i = ESCAPES[e], i + 2
      else
        fail(no, "bad escape in a double-quoted scalar")
      end
    else
      out[#out + 1], i = c, i + 1
    end
  end
  return nil
end

-- "key: rest" or "key:" (rest ""): the key and the rest, or nil when the
-- text is no mapping entry.
local function split_key(text, no)
  local first = text:sub(1, 1)
  if first == "'" or first == '"' then
    local key, after = quoted(text, no)
    if not key then return nil end
    local rest = after:match("^:%s+(.*)$") or (after == ":" and "")
    if not rest then return nil end
    return key, rest
  end
  if text:match("^%-%s") or text == "-" then return nil end
  if text:match("^[%?]%s") then fail(no, "complex mapping keys are not supported") end
  if first == "{" or first == "[" or first == "&" or first == "*" or first == "!" or first == "|" or first == ">" then
    return nil
  end
  local at = text:find(":%s") or (text:sub(-1) == ":" and #text)
  if not at then return nil end
  local key = text:sub(1, at - 1)
  if key:find("%s#") then return nil end
  key = key:gsub("%s+$", "")
  return key, (text:sub(at + 1):gsub("^%s+", ""))
end

local function is_item(text) return text == "-" or text:match("^%-%s") ~= nil end

-- what a plain scalar is: booleans, null and numbers as YAML reads them
local function plain_value(s)
  if s == "true" or s == "True" or s == "TRUE" then return true end
  if s == "false" or s == "False" or s == "FALSE" then return false end
  if s == "" or s == "~" or s == "null" or s == "Null" or s == "NULL" then return M.null end
  if s:match("^[-+]?%d+$") or s:match("^[-+]?%d*%.%d+$") or s:match("^[-+]?%d+%.%d*$") then return tonumber(s) end
  return s
end

-- Reads YAML text (the subset above): a Lua table, or raises "line N: ...".
function M.parse_yaml(text)
  local lines, blank = {}, 0
  local no = 0
  for raw in (text:gsub("\r\n", "\n") .. "\n"):gmatch("([^\n]*)\n") do
    no = no + 1
    local sp, rest = raw:match("^( *)(.-)%s*$")
    if rest:sub(1, 1) == "\t" then fail(no, "tabs in indentation are not supported") end
    if rest == "" or rest:sub(1, 1) == "#" then
      blank = blank + (rest == "" and 1 or 0)
    elseif rest == "---" and #lines == 0 then
      blank = 0
    elseif rest == "---" or rest == "..." or rest:match("^%%") then
      fail(no, "one document without directives expected")
    else
      lines[#lines + 1] = {indent = #sp, text = rest, no = no, blank = blank}
      blank = 0
    end
  end
  local pos = 1
  local block, sequence, mapping

  -- a scalar that starts with `s` on line `no` inside a node at indentation
  -- n: plain ones go on over the lines indented deeper
  local function scalar(s, n, no_)
    local first = s:sub(1, 1)
    if first == "'" or first == '"' then
      local v, after = quoted(s, no_)
      if not v then fail(no_, "quoted scalars over several lines are not supported") end
      if not (after == "" or after:match("^%s+#")) then fail(no_, "text after a quoted scalar") end
      if lines[pos] and lines[pos].indent > n then fail(lines[pos].no, "bad indentation") end
      return v
    end
    if s:match("^{%s*}$") or s:match("^%[%s*%]$") then
      if lines[pos] and lines[pos].indent > n then fail(lines[pos].no, "bad indentation") end
      return {}
    end
    if first == "{" or first == "[" then fail(no_, "flow collections are not supported") end
    if first == "|" or first == ">" then fail(no_, "block scalars are not supported") end
    if first == "&" or first == "*" or first == "!" then fail(no_, "anchors, aliases and tags are not supported") end
    if first == "@" or first == "`" or first == "%" then fail(no_, "a plain scalar cannot start with " .. first) end
    local parts = {(s:gsub("%s+#.*$", ""))}
    local comment = s:find("%s#") ~= nil
    while lines[pos] and lines[pos].indent > n do
      local l = lines[pos]
      if comment then fail(l.no, "a plain scalar goes on after a comment") end
      local fold = l.blank > 0 and string.rep("\n", l.blank) or " "
      parts[#parts + 1] = fold .. l.text:gsub("%s+#.*$", "")
      comment = l.text:find("%s#") ~= nil
      pos = pos + 1
    end
    local v = table.concat(parts)
    if #parts > 1 then return v end
    return plain_value(v)
  end

  -- the node under a key or item whose own text is empty, at indentation n
  local function under(n, seq_here)
    local l = lines[pos]
    if l and l.indent > n then return block(l.indent) end
    if seq_here and l and l.indent == n and is_item(l.text) then return sequence(n) end
    return M.null
  end

  function sequence(n)
    local list = {}
    while lines[pos] and lines[pos].indent == n and is_item(lines[pos].text) do
      local l = lines[pos]
      local rest = l.text:match("^%-%s*(.*)$")
      local item
      if rest == "" then
        pos = pos + 1
        item = under(n, false)
      elseif is_item(rest) or split_key(rest, l.no) then
        -- "- key: value": a mapping (or sequence) at the column of its text
        l.indent, l.text = n + #l.text - #rest, rest
        item = block(l.indent)
      else
        pos = pos + 1
        item = scalar(rest, n, l.no)
      end
      list[#list + 1] = item
      if lines[pos] and lines[pos].indent > n then fail(lines[pos].no, "bad indentation") end
    end
    return list
  end

  function mapping(n)
    local map = {}
    while lines[pos] and lines[pos].indent == n do
      local l = lines[pos]
      local key, rest = split_key(l.text, l.no)
      if not key then fail(l.no, "a mapping entry expected") end
      if map[key] ~= nil then fail(l.no, "key '" .. key .. "' twice") end
      pos = pos + 1
      if rest == "" then
        map[key] = under(n, true)
      else
        map[key] = scalar(rest, n, l.no)
      end
      if lines[pos] and lines[pos].indent > n then fail(lines[pos].no, "bad indentation") end
    end
    return map
  end

  function block(n)
    local l = lines[pos]
    if is_item(l.text) then return sequence(n) end
    if split_key(l.text, l.no) then return mapping(n) end
    pos = pos + 1
    return scalar(l.text, n - 1, l.no)
  end

  if #lines == 0 then return M.null end
  if lines[1].indent ~= 0 then fail(lines[1].no, "the document must start at column 1") end
  local doc = block(0)
  if lines[pos] then fail(lines[pos].no, "bad indentation") end
  return doc
end

---------------------------------------------------------------- the facts

local METHODS = {get = true, post = true, put = true, delete = true, patch = true, head = true, options = true}

local function tbl(v) return type(v) == "table" and v ~= M.null and v or nil end

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- the {names} of a path, in their order
function M.path_params(path)
  local out = {}
  for p in path:gmatch("{([^}]*)}") do out[#out + 1] = p end
  return out
end

-- the properties a request body schema declares (allOf parts merged)
local function body_fields(schema, fields, required)
  schema = tbl(schema)
  if not schema then return end
  for _, part in ipairs(tbl(schema.allOf) or {}) do body_fields(part, fields, required) end
  for k in pairs(tbl(schema.properties) or {}) do fields[k] = "body" end
  for _, k in ipairs(tbl(schema.required) or {}) do required[k] = true end
end

-- A parsed resource file -> its facts: {format = "swagger 2.0" | "openapi
-- 3.0.1", resources = {...}}, a resource being {name, method, path, system
-- (a /system/ twin), path_params (in their order), fields (name -> where:
-- "query", "body", "header", "formData"), required (sorted names), auth
-- (authConfig's userVerifiedRequired/appVerifiedRequired/
-- resourcePermissionRequired where given), public, allow_apply, backend},
-- sorted by name, method and path. Raises on what it cannot read.
function M.extract(doc)
  doc = tbl(doc)
  if not doc or not tbl(doc.paths) then error("no `paths` mapping: not a resource file", 0) end
  local format
  if doc.swagger ~= nil then
    format = "swagger " .. tostring(doc.swagger)
  elseif doc.openapi ~= nil then
    format = "openapi " .. tostring(doc.openapi)
  else
    error("neither `swagger` nor `openapi`: not a resource file", 0)
  end
  local resources = {}
  for path, item in pairs(doc.paths) do
    if type(path) ~= "string" or path:sub(1, 1) ~= "/" then error("path '" .. tostring(path) .. "'", 0) end
    item = tbl(item) or {}
    local shared = tbl(item.parameters) or {}
    for method, op in pairs(item) do
      if METHODS[method] then
        op = tbl(op) or {}
        local name = op.operationId
        if type(name) ~= "string" then error(method .. " " .. path .. ": no operationId", 0) end
        local r = {name = name, method = method:upper(), path = path, path_params = M.path_params(path),
          fields = {}, required = {}}
        r.system = path:find("^/system/") ~= nil or nil
        local gw = tbl(op["x-bk-apigateway-resource"]) or {}
        if type(gw.isPublic) == "boolean" then r.public = gw.isPublic end
        if type(gw.allowApplyPermission) == "boolean" then r.allow_apply = gw.allowApplyPermission end
        local auth = tbl(gw.authConfig)
        if auth then
          r.auth = {}
          for _, k in ipairs({"userVerifiedRequired", "appVerifiedRequired", "resourcePermissionRequired"}) do
            if type(auth[k]) == "boolean" then r.auth[k] = auth[k] end
          end
        end
        local backend = tbl(gw.backend)
        if backend and type(backend.path) == "string" then
          r.backend = tostring(backend.method or method):upper() .. " " .. backend.path
        end
        local required = {}
        local params = {}
        for _, p in ipairs(shared) do params[#params + 1] = p end
        for _, p in ipairs(tbl(op.parameters) or {}) do params[#params + 1] = p end
        for _, p in ipairs(params) do
          p = tbl(p) or {}
          local where, pname = p["in"], p.name
          if where == "body" then
            body_fields(p.schema, r.fields, required)
          elseif where ~= "path" then
            if type(pname) ~= "string" or type(where) ~= "string" then
              error(name .. ": a parameter without `name` and `in`", 0)
            end
            r.fields[pname] = where
            if p.required == true then required[pname] = true end
          end
        end
        local body = tbl(op.requestBody)
        if body then
          for _, ct in ipairs(sorted_keys(tbl(body.content) or {})) do
            body_fields(tbl(body.content[ct]) and body.content[ct].schema, r.fields, required)
          end
        end
        r.required = sorted_keys(required)
        resources[#resources + 1] = r
      end
    end
  end
  table.sort(resources, function(a, b)
    if a.name ~= b.name then return a.name < b.name end
    if a.method ~= b.method then return a.method < b.method end
    return a.path < b.path
  end)
  return {format = format, resources = resources}
end

---------------------------------------------------------------- fixtures

local function lua_string(s) return string.format("%q", s) end

local function lua_key(k)
  if k:match("^[%a_][%w_]*$") then return k end
  return "[" .. lua_string(k) .. "]"
end

-- A resource as Lua text, in pieces that wrap() puts on lines: a key and
-- its scalar value, or a list or map cut after each of its elements.
local function pieces_of(r)
  local out = {}
  local function add(text) out[#out + 1] = text end
  local function list(key, elems)
    if #elems == 0 then return add(key .. " = {}") end
    for i, el in ipairs(elems) do
      add((i == 1 and key .. " = {" or "") .. el .. (i == #elems and "}" or ""))
    end
  end
  add("name = " .. lua_string(r.name))
  add("method = " .. lua_string(r.method))
  add("path = " .. lua_string(r.path))
  if r.system then add("system = true") end
  local elems = {}
  for i, v in ipairs(r.path_params) do elems[i] = lua_string(v) end
  list("path_params", elems)
  elems = {}
  for _, k in ipairs(sorted_keys(r.fields)) do elems[#elems + 1] = lua_key(k) .. " = " .. lua_string(r.fields[k]) end
  list("fields", elems)
  elems = {}
  for i, v in ipairs(r.required) do elems[i] = lua_string(v) end
  list("required", elems)
  if r.auth then
    elems = {}
    for _, k in ipairs(sorted_keys(r.auth)) do elems[#elems + 1] = k .. " = " .. tostring(r.auth[k]) end
    list("auth", elems)
  end
  if r.public ~= nil then add("public = " .. tostring(r.public)) end
  if r.allow_apply ~= nil then add("allow_apply = " .. tostring(r.allow_apply)) end
  if r.backend then add("backend = " .. lua_string(r.backend)) end
  return out
end

-- Puts pieces, comma-separated, on lines no longer than `width`: the first
-- after `first`, the others after `indent`.
local function wrap(pieces, first, indent, width)
  local lines, line = {}, first
  for i, it in ipairs(pieces) do
    local piece = it .. (i < #pieces and "," or "")
    if line ~= first and line ~= indent and #line + 1 + #piece > width then
      lines[#lines + 1] = line
      line = indent .. piece
    elseif line == first or line == indent then
      line = line .. piece
    else
      line = line .. " " .. piece
    end
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

-- The fixture file's text: facts from M.extract plus branch, commit and the
-- upstream path; the same facts always give the same text.
function M.render(facts)
  local out = {
    "-- bk-sops' API gateway resources on branch " .. facts.branch .. ", commit " .. facts.commit .. ",",
    "-- read from " .. facts.source .. " (" .. facts.format .. ", " .. #facts.resources .. " resources).",
    "-- Made by tools/upstream.lua (`make upstream-check`): the facts lua-sops checks, in its own form, not",
    "-- bk-sops' file. Do not edit; spec/36-upstream_spec.lua reads it.",
    "return {",
    "  branch = " .. lua_string(facts.branch) .. ",",
    "  commit = " .. lua_string(facts.commit) .. ",",
    "  source = " .. lua_string(facts.source) .. ",",
    "  format = " .. lua_string(facts.format) .. ",",
    "  resources = {",
  }
  for _, r in ipairs(facts.resources) do
    out[#out + 1] = wrap(pieces_of(r), "    {", "      ", 116) .. "},"
  end
  out[#out + 1] = "  },"
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

-- A fixture file's table, or nil and why.
function M.load_fixture(path)
  local f = io.open(path, "rb")
  if not f then return nil, "no fixture " .. path end
  local text = f:read("*a")
  f:close()
  -- (data only: it runs with no globals)
  local chunk, err
  if setfenv then -- luacheck: ignore 113 (Lua 5.1 and LuaJIT)
    chunk, err = loadstring(text, "@" .. path) -- luacheck: ignore 113
    if chunk then setfenv(chunk, {}) end -- luacheck: ignore 113
  else
    chunk, err = load(text, "@" .. path, "t", {})
  end
  if not chunk then return nil, err end
  local ok, t = pcall(chunk)
  if not ok or type(t) ~= "table" then return nil, path .. ": " .. tostring(t) end
  return t
end

-- a path's shape: the gateway's {project_id} is our {bk_biz_id}
local function normal(path) return (path:gsub("{project_id}", "{bk_biz_id}")) end
M.normal_path = normal

local function by_key(resources)
  local out = {}
  for _, r in ipairs(resources) do out[r.name] = r end
  return out
end

local function set_diff(a, b)
  local gone, new = {}, {}
  for k in pairs(a) do if b[k] == nil then gone[#gone + 1] = k end end
  for k in pairs(b) do if a[k] == nil then new[#new + 1] = k end end
  table.sort(gone)
  table.sort(new)
  return gone, new
end

local function auth_text(r)
  local out = {}
  for _, k in ipairs(sorted_keys(r.auth or {})) do out[#out + 1] = k .. "=" .. tostring(r.auth[k]) end
  return table.concat(out, " ")
end

-- What changed from fixture `old` to `new` (tables as M.render writes
-- them): a list of lines, empty when nothing did.
function M.diff(old, new)
  local out = {}
  local a, b = by_key(old.resources), by_key(new.resources)
  local gone, added = set_diff(a, b)
  for _, n in ipairs(added) do out[#out + 1] = "+ resource " .. n .. ": " .. b[n].method .. " " .. b[n].path end
  for _, n in ipairs(gone) do out[#out + 1] = "- resource " .. n .. ": " .. a[n].method .. " " .. a[n].path end
  for _, n in ipairs(sorted_keys(b)) do
    local x, y = a[n], b[n]
    if x then
      if x.method ~= y.method then out[#out + 1] = "~ " .. n .. ": method " .. x.method .. " -> " .. y.method end
      if x.path ~= y.path then
        local same = normal(x.path) == normal(y.path) and " (the same URL shape)" or ""
        out[#out + 1] = "~ " .. n .. ": path " .. x.path .. " -> " .. y.path .. same
      end
      local fg, fa = set_diff(x.fields, y.fields)
      for _, f in ipairs(fa) do out[#out + 1] = "+ field " .. n .. "." .. f .. " (" .. y.fields[f] .. ")" end
      for _, f in ipairs(fg) do out[#out + 1] = "- field " .. n .. "." .. f .. " (" .. x.fields[f] .. ")" end
      for _, f in ipairs(sorted_keys(y.fields)) do
        if x.fields[f] and x.fields[f] ~= y.fields[f] then
          out[#out + 1] = "~ field " .. n .. "." .. f .. ": " .. x.fields[f] .. " -> " .. y.fields[f]
        end
      end
      local rx, ry = table.concat(x.required, ","), table.concat(y.required, ",")
      if rx ~= ry then out[#out + 1] = "~ " .. n .. ": required {" .. rx .. "} -> {" .. ry .. "}" end
      if auth_text(x) ~= auth_text(y) then
        out[#out + 1] = "~ " .. n .. ": auth {" .. auth_text(x) .. "} -> {" .. auth_text(y) .. "}"
      end
      if x.public ~= y.public then
        out[#out + 1] = "~ " .. n .. ": public " .. tostring(x.public) .. " -> " .. tostring(y.public)
      end
    end
  end
  return out
end

---------------------------------------------------------------- the check

-- path parameters and fields a call of a project takes without naming them
-- in its `fields` (sops.api adds bk_biz_id and scope to every call whose
-- path has {bk_biz_id})
local IMPLICIT = {bk_biz_id = true, project_id = true, scope = true}

-- The endpoint table against the branches' fixtures: a list of problems
-- (strings, sorted), empty when they agree.
--   fixtures: a list of fixture tables; endpoints: sops.api's ENDPOINTS;
--   allow: {omitted = {name = why} (resources the table leaves out on
--   purpose, twins included), gaps = {["branch name field"] = why} (fields
--   the table lacks, known)}.
-- A resource must be in the table (a system_<name> twin as <name>, which
-- must have system = true, at "/system" .. its path), with its method and
-- its path's shape; each field and path parameter its schema declares must
-- be in the entry's fields (bk_biz_id, project_id and scope aside when the
-- entry's path has {bk_biz_id}; any field on an entry with open = true); an
-- entry with system = true must have its twin on a branch that declares
-- twins (dev_multi_tenant); each entry must be on some branch unless it has
-- declared = false. Allowances that no longer match are
-- problems too, so that the lists stay short.
function M.check(fixtures, endpoints, allow)
  allow = allow or {}
  local omitted, gaps = allow.omitted or {}, allow.gaps or {}
  local used = {}
  local problems = {}
  local function say(fmt, ...) problems[#problems + 1] = string.format(fmt, ...) end
  local table_by = {}
  for _, e in ipairs(endpoints) do table_by[e.name] = e end
  local seen, twins, any_twins = {}, {}, false
  for _, fx in ipairs(fixtures) do
    local where = fx.branch
    for _, r in ipairs(fx.resources) do
      local base, path = r.name, r.path
      if r.system then
        any_twins = true
        base = r.name:match("^system_(.+)$")
        path = r.path:match("^/system(/.*)$")
        if not base or not path then say("%s: %s at %s: a /system/ twin not named system_<name>", where, r.name, r.path) end
      end
      local e = base and table_by[base]
      if omitted[r.name] then
        used["omitted " .. r.name] = true
      elseif not e then
        if base then say("%s: %s %s %s is not in the endpoint table", where, r.name, r.method, r.path) end
      else
        seen[base] = true
        if r.system then
          twins[base] = true
          if not e.system then say("%s: %s has a twin %s, but no system = true", where, base, r.name) end
        end
        if e.method ~= r.method then say("%s: %s is %s, the table says %s", where, r.name, r.method, e.method) end
        if normal(e.path) ~= normal(path) then
          say("%s: %s is at %s, the table says %s", where, r.name, r.path, e.path)
        end
        local scoped = e.path:find("{bk_biz_id}", 1, true) ~= nil
        local names = {}
        for _, p in ipairs(r.path_params) do names[p] = "path" end
        for f, w in pairs(r.fields) do names[f] = w end
        for _, f in ipairs(sorted_keys(names)) do
          if not (e.fields[f] or e.open or (scoped and IMPLICIT[f])) then
            local key = where .. " " .. base .. " " .. f
            if gaps[key] then
              used["gap " .. key] = true
            else
              say("%s: %s declares %s (%s), not in the table's fields", where, r.name, f, names[f])
            end
          end
        end
      end
    end
  end
  for _, e in ipairs(endpoints) do
    if not seen[e.name] and e.declared ~= false then
      say("%s is on no branch (declared = false if bk-sops does not declare it)", e.name)
    elseif seen[e.name] and e.declared == false then
      say("%s has declared = false, but a branch declares it", e.name)
    end
    if e.system and any_twins and not twins[e.name] then
      say("%s has system = true, but no branch has system_%s", e.name, e.name)
    end
  end
  for name in pairs(omitted) do
    if not used["omitted " .. name] then say("omitted %s: no branch has it", name) end
  end
  for key in pairs(gaps) do
    if not used["gap " .. key] then say("known gap %s: no longer missing", key) end
  end
  table.sort(problems)
  return problems
end

---------------------------------------------------------------- the script

-- Reads FILE (or CHECKOUT's resource file), writes DIR/BRANCH.lua; returns
-- the new facts, the previous fixture's (or nil) and the path written.
function M.update(file, branch, commit, dir)
  if not branch or not branch:match("^[%w_.%-]+$") then error("a branch name ([A-Za-z0-9_.-]) expected", 0) end
  local probe = io.open(file .. "/" .. M.RESOURCE_FILE, "rb")
  local checkout
  if probe then
    probe:close()
    checkout, file = file, file .. "/" .. M.RESOURCE_FILE
  end
  if (commit == nil or commit == "") and checkout then
    local p = io.popen("git -C '" .. checkout:gsub("'", "'\\''") .. "' rev-parse HEAD 2>/dev/null")
    commit = p and p:read("*l")
    if p then p:close() end
  end
  if not commit or not commit:match("^%x+$") or #commit ~= 40 then
    error("a commit (40 hex digits) expected" .. (checkout and "" or ", or a git checkout"), 0)
  end
  local f, err = io.open(file, "rb")
  if not f then error(err, 0) end
  local text = f:read("*a")
  f:close()
  if not text then error(file .. ": not a resource file, nor a bk-sops checkout", 0) end
  local ok, doc = pcall(M.parse_yaml, text)
  if not ok then error(file .. ": " .. doc, 0) end
  local facts = M.extract(doc)
  facts.branch, facts.commit, facts.source = branch, commit:lower(), M.RESOURCE_FILE
  local out = (dir or M.FIXTURES) .. "/" .. branch .. ".lua"
  local old = M.load_fixture(out)
  local w = assert(io.open(out, "wb"))
  w:write(M.render(facts))
  w:close()
  return facts, old, out
end

local function main(args)
  local pos, dir = {}, nil
  local i = 1
  while args[i] do
    if args[i] == "--out" then
      dir, i = args[i + 1], i + 2
    else
      pos[#pos + 1], i = args[i], i + 1
    end
  end
  if not pos[1] or not pos[2] then
    io.stderr:write("usage: lua tools/upstream.lua FILE|CHECKOUT BRANCH [COMMIT] [--out DIR]\n")
    os.exit(2)
  end
  local ok, facts, old, out = pcall(M.update, pos[1], pos[2], pos[3], dir)
  if not ok then
    io.stderr:write("upstream: " .. tostring(facts) .. "\n")
    os.exit(1)
  end
  local twins = 0
  for _, r in ipairs(facts.resources) do twins = twins + (r.system and 1 or 0) end
  print(string.format("%s: %s at %s, %d resources (%d system twins), %s", out, facts.branch, facts.commit,
    #facts.resources, twins, facts.format))
  if not old then
    print("(no previous fixture)")
  else
    local lines = M.diff(old, facts)
    if old.commit ~= facts.commit then print("since " .. tostring(old.commit) .. ":") end
    if #lines == 0 then print("no change in the resources") end
    for _, l in ipairs(lines) do print(l) end
  end
  -- against the endpoint table, without the spec's allowances
  local has_api, api = pcall(require, "sops.api")
  if has_api then
    local problems = M.check({facts}, api.ENDPOINTS)
    local relevant = {}
    for _, p in ipairs(problems) do
      if p:sub(1, #facts.branch + 2) == facts.branch .. ": " then relevant[#relevant + 1] = p end
    end
    if #relevant > 0 then
      print("against lua/sops/api.lua (spec/36-upstream_spec.lua lists deliberate omissions and known gaps):")
      for _, p in ipairs(relevant) do print("  " .. p) end
    end
  end
end

-- run as a script (required, the chunk's first argument is the module's name)
if select("#", ...) == 0 or (...) ~= "tools.upstream" then main({...}) end

return M
