-- Small helpers shared by the simulator's modules: ids and time formats.
local M = {}

-- n random hex digits, eight at a time
local function hex(n)
  local t = {}
  for _ = 1, n, 8 do t[#t + 1] = string.format("%08x", math.random(0, 0xffffffff)) end
  return table.concat(t):sub(1, n)
end
M.hex = hex

local random, format = math.random, string.format

function M.node_id() return "n" .. hex(31) end
function M.flow_id() return "l" .. hex(31) end
function M.version() return "v" .. hex(32) end
-- (every answer makes one or two of these: written at once)
function M.uuid_hex()
  return format("%08x%08x%08x%08x", random(0, 0xffffffff), random(0, 0xffffffff), random(0, 0xffffffff),
    random(0, 0xffffffff))
end

function M.uuid4()
  local b, c = random(0, 0xffffffff), random(0, 0xffffffff)
  return format("%08x-%04x-4%03x-%x%03x-%04x%08x", random(0, 0xffffffff), b >> 16, b & 0xfff,
    8 + random(0, 3), c >> 20, c & 0xffff, random(0, 0xffffffff))
end

-- bk-sops formats times in its TIME_ZONE, Asia/Shanghai: "%Y-%m-%d %H:%M:%S +0800".
-- (the last ones made are kept: a status tree repeats the same few times)
local TIMES, times = {}, 0
function M.format_time(t)
  if not t then return nil end
  local s = math.floor(t)
  local text = TIMES[s]
  if not text then
    if times >= 4096 then TIMES, times = {}, 0 end
    text = os.date("!%Y-%m-%d %H:%M:%S", s + 8 * 3600) .. " +0800"
    TIMES[s], times = text, times + 1
  end
  return text
end

-- Seconds since the epoch of a civil date and time in UTC (Howard
-- Hinnant's days_from_civil), whatever the machine's time zone.
function M.utc_epoch(y, m, d, hh, mm, ss)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return (era * 146097 + doe - 719468) * 86400 + hh * 3600 + mm * 60 + ss
end

-- GetTaskListForm's _parse_datetime (gcloud/apigw/forms/get_task_list.py):
-- the formats it tries, in order; a time without a zone is in bk-sops'
-- TIME_ZONE (+0800), and a bare date is the start (or, for an end, the
-- last moment) of its day. Seconds since the epoch, or nil.
function M.parse_form_time(s, is_end)
  local function offset(z)
    if z == "Z" then return 0 end
    local sign, h, m = z:match("^([+-])(%d%d)(%d%d)$")
    if not sign then return nil end
    return (sign == "-" and -1 or 1) * (tonumber(h) * 3600 + tonumber(m) * 60)
  end
  local function at(y, mo, d, hh, mm, ss, off)
    y, mo, d, hh, mm, ss = tonumber(y), tonumber(mo), tonumber(d), tonumber(hh), tonumber(mm), tonumber(ss)
    if mo < 1 or mo > 12 or d < 1 or d > 31 or hh > 23 or mm > 59 or ss > 59 then return nil end
    return M.utc_epoch(y, mo, d, hh, mm, ss) - off
  end
  local D = "(%d%d%d%d)%-(%d%d)%-(%d%d)"
  if s:find("T", 1, true) or s:sub(-1) == "Z" then
    local y, mo, d, hh, mm, ss, rest = s:match("^" .. D .. "T(%d%d):(%d%d):(%d%d)(.*)$")
    if y then
      local z = rest:match("^Z$") or rest:match("^%.%d+(Z)$") or rest:match("^([+-]%d%d%d%d)$")
        or rest:match("^%.%d+([+-]%d%d%d%d)$")
      local off = z and offset(z)
      if off then return at(y, mo, d, hh, mm, ss, off) end
    end
  end
  local y, mo, d, hh, mm, ss, z = s:match("^" .. D .. " (%d%d):(%d%d):(%d%d) ?([+-]%d%d%d%d)$")
  if y then return at(y, mo, d, hh, mm, ss, offset(z)) end
  y, mo, d, hh, mm, z = s:match("^" .. D .. " (%d%d):(%d%d) ?([+-]%d%d%d%d)$")
  if y then return at(y, mo, d, hh, mm, 0, offset(z)) end
  y, mo, d, hh, mm, ss = s:match("^" .. D .. " (%d%d):(%d%d):(%d%d)$")
  if y then return at(y, mo, d, hh, mm, ss, 8 * 3600) end
  y, mo, d, hh, mm = s:match("^" .. D .. " (%d%d):(%d%d)$")
  if y then return at(y, mo, d, hh, mm, 0, 8 * 3600) end
  y, mo, d = s:match("^" .. D .. "$")
  if y then
    local t = at(y, mo, d, 0, 0, 0, 8 * 3600)
    return t and is_end and t + 86399.999999 or t
  end
  return nil
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
