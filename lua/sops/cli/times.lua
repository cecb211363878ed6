-- Times as the bksops command takes them: durations ("90", "90s", "10m",
-- "1h", "1d") and instants ("24h" ago, or a date), and instants as bk-sops'
-- task list filters take them.
local M = {}

local UNIT = {[""] = 1, s = 1, m = 60, h = 3600, d = 86400}

M.DURATION_FORMS = "90, 90s, 10m, 1h"

-- duration(text) -> seconds (a number, perhaps 0 or a fraction); or nil,
-- why.
function M.duration(text)
  local number, unit = tostring(text):match("^%s*(%d*%.?%d*)%s*([smhdSMHD]?)%s*$")
  local n = number and tonumber(number)
  if not n or n ~= n or n == math.huge then
    return nil, "a duration expected (" .. M.DURATION_FORMS .. "), got '" .. tostring(text) .. "'"
  end
  return n * UNIT[unit:lower()]
end

-- Days from 1970-01-01 to the date (proleptic Gregorian).
local function days_from_civil(y, m, d)
  local floor = math.floor
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local doy = floor((153 * (m > 2 and m - 3 or m + 9) + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function utc_epoch(y, mo, d, hh, mm, ss)
  return days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss
end

local function valid(mo, d, hh, mm, ss)
  return mo >= 1 and mo <= 12 and d >= 1 and d <= 31 and hh <= 23 and mm <= 59 and ss <= 59
end

M.INSTANT_FORMS = "a duration ago (30m, 24h, 7d) or a date (2024-05-01, 2024-05-01 08:30, 2024-05-01T08:30:00Z)"

-- instant(text, now[, is_end]) -> seconds since the epoch; or nil, why. A
-- duration is that long before now; a date without a zone is the local
-- time's; a date without a time is the day's start (is_end: its end).
function M.instant(text, now, is_end)
  local s = tostring(text):match("^%s*(.-)%s*$")
  local ago = M.duration(s)
  if ago then return now - ago end
  local D = "^(%d%d%d%d)%-(%d%d)%-(%d%d)"
  local y, mo, d, rest = s:match(D .. "(.*)$")
  if y then
    y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
    local hh, mm, ss, zone = 0, 0, 0, nil
    local whole_day = rest == ""
    if not whole_day then
      local h1, m1, tail = rest:match("^[T ](%d%d):(%d%d)(.*)$")
      if h1 then
        hh, mm = tonumber(h1), tonumber(m1)
        local s1, tail2 = tail:match("^:(%d%d)(.*)$")
        if s1 then ss, tail = tonumber(s1), tail2 end
        tail = tail:gsub("^%.%d+", "")
        if tail == "Z" then
          zone = 0
        elseif tail ~= "" then
          local sign, zh, zm = tail:match("^%s?([+-])(%d%d):?(%d%d)$")
          if not sign then h1 = nil else zone = (sign == "-" and -1 or 1) * (tonumber(zh) * 3600 + tonumber(zm) * 60) end
        end
      end
      if not h1 then y = nil end
    end
    if y and valid(mo, d, hh, mm, ss) then
      if whole_day and is_end then hh, mm, ss = 23, 59, 59 end
      if zone then return utc_epoch(y, mo, d, hh, mm, ss) - zone end
      local t = os.time({year = y, month = mo, day = d, hour = hh, min = mm, sec = ss, isdst = nil})
      if t then return t end
    end
  end
  return nil, M.INSTANT_FORMS .. " expected, got '" .. tostring(text) .. "'"
end

-- An instant as get_task_list's create_time_start and create_time_end take
-- it: "YYYY-MM-DD HH:MM:SS +0000" (GetTaskListForm reads the offset).
function M.form_time(t)
  return os.date("!%Y-%m-%d %H:%M:%S", math.floor(t)) .. " +0000"
end

return M
