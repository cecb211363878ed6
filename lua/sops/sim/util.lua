-- Small helpers shared by the simulator's modules: ids and time formats.
local M = {}

local function hex(n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end
M.hex = hex

function M.node_id() return "n" .. hex(31) end
function M.flow_id() return "l" .. hex(31) end
function M.version() return "v" .. hex(32) end
function M.uuid_hex() return hex(32) end

function M.uuid4()
  local h = hex(32)
  return string.format("%s-%s-4%s-%x%s-%s", h:sub(1, 8), h:sub(9, 12), h:sub(14, 16),
    8 + math.random(0, 3), h:sub(18, 20), h:sub(21, 32))
end

-- bk-sops formats times in its TIME_ZONE, Asia/Shanghai: "%Y-%m-%d %H:%M:%S +0800".
function M.format_time(t)
  if not t then return nil end
  return os.date("!%Y-%m-%d %H:%M:%S", math.floor(t) + 8 * 3600) .. " +0800"
end

function M.copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = M.copy(x) end
  return t
end

function M.url_decode(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Parses a query string into a table (last value wins, like Django's QueryDict.get).
function M.parse_query(q)
  local t = {}
  for pair in (q or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    t[M.url_decode(k)] = M.url_decode(v)
  end
  return t
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- Decodes base64 text (padding optional); nil when it is not base64.
function M.base64_decode(s)
  s = s:gsub("=+$", "")
  if s:find("[^%w+/]") then return nil end
  local out, bits, n = {}, 0, 0
  for i = 1, #s do
    bits = bits * 64 + (B64:find(s:sub(i, i), 1, true) - 1)
    n = n + 6
    if n >= 8 then
      n = n - 8
      out[#out + 1] = string.char(bits // (1 << n))
      bits = bits % (1 << n)
    end
  end
  return table.concat(out)
end

return M
