-- The table of calls in docs/calls.md, made from sops.api: `make docs`
-- writes it between the two markers below, and spec/25-readme_spec.lua
-- fails when the page holds anything else there. Each method links to its
-- entry in docs/calls/<group>.md (tools/reference.lua).
--   lua tools/calls.lua docs/calls.md   rewrites docs/calls.md in place
local api = require "sops.api"

local section = require "tools.section"

local M = {}

M.BEGIN = "<!-- calls: made from lua/sops/api.lua by `make docs` -->"
M.END = "<!-- end of calls -->"

local function names(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- taken by every call of a project (bk_biz_id, scope) or by all
-- (traceparent): said once, above the tables
local function common(call, name)
  return name == "traceparent" or (call.scoped and (name == "bk_biz_id" or name == "scope"))
end

-- what the pages say about a field beyond its name; `base` the path from
-- the page to docs/ ("" or "../")
function M.note(name, f, call, base)
  base = base or ""
  if call.actions and name == "action" then
    local list = {}
    for _, a in ipairs(names(call.actions)) do list[#list + 1] = "`" .. a .. "`" end
    return " (" .. table.concat(list, ", ") .. ")"
  end
  if f.max then return " (at most " .. f.max .. ")" end
  if f.travel == "comma" then return " (sent comma-joined)" end
  if f.travel == "text" then return " (false is sent)" end
  if name == "ensure" then return " (see [Never twice](" .. base .. "errors.md#never-twice))" end
  if name == "key" and call.local_fields.key then return " (see [Once per key](" .. base .. "errors.md#once-per-key))" end
  if name == "callback" then return " (a receiver: see [Completion callbacks](" .. base .. "callbacks.md))" end
  if name == "max_items" then return " (for `pages`)" end
  return ""
end

local function fields_text(call, path)
  local required, optional = {}, {}
  -- the path's parameters first, in its order, then by name
  local order = names(call.fields)
  local function at(name) return path:find("{" .. name .. "}", 1, true) or math.huge end
  table.sort(order, function(a, b)
    if at(a) ~= at(b) then return at(a) < at(b) end
    return a < b
  end)
  for _, name in ipairs(order) do
    local f = call.fields[name]
    if not common(call, name) and not (call.fixed and call.fixed[name]) then
      local text = "`" .. name .. "`" .. M.note(name, f, call)
      if f[2] then required[#required + 1] = text else optional[#optional + 1] = text end
    end
  end
  local text = #required > 0 and table.concat(required, ", ") or "none required"
  if #optional > 0 then text = text .. "; " .. table.concat(optional, ", ") end
  return text
end

function M.route_text(e, call)
  local parts = {e.esb and "gateway, ESB" or "gateway"}
  if e.system then parts[1] = parts[1] .. ", system" end
  if e.restricted then parts[#parts + 1] = "whitelisted app" end
  if e.declared == false then parts[#parts + 1] = "undeclared" end
  if call.pages then parts[#parts + 1] = "pages" end
  return table.concat(parts, "; ")
end

-- The markdown between the markers.
function M.render()
  -- the calls of each endpoint: its own, then its shortcuts
  local by_api = {}
  for name, call in pairs(api.CALLS) do
    by_api[call.api] = by_api[call.api] or {}
    table.insert(by_api[call.api], name)
  end
  local out = {M.BEGIN}
  for _, group in ipairs(api.GROUPS) do
    out[#out + 1] = ""
    out[#out + 1] = "### " .. group:sub(1, 1):upper() .. group:sub(2)
    out[#out + 1] = ""
    out[#out + 1] = string.format("Each call's entry: [calls/%s.md](calls/%s.md).", group:match("^%a+"),
      group:match("^%a+"))
    out[#out + 1] = ""
    out[#out + 1] = "| method | bk-sops api | routes | fields |"
    out[#out + 1] = "|---|---|---|---|"
    for _, e in ipairs(api.ENDPOINTS) do
      if e.group == group then
        local list = by_api[e.name]
        table.sort(list, function(a, b)
          if a == e.name or b == e.name then return a == e.name end
          return a < b
        end)
        for _, name in ipairs(list) do
          local call = api.CALLS[name]
          local shown = e.name
          if call.fixed and call.fixed.action then shown = e.name .. " " .. call.fixed.action end
          out[#out + 1] = string.format("| [`%s`](calls/%s.md#%s) | %s | %s | %s |", name, group:match("^%a+"), name,
            shown, M.route_text(e, call), fields_text(call, e.path))
        end
      end
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = M.END
  return table.concat(out, "\n")
end

section.define(M, "calls", "calls%.lua$")

return M
