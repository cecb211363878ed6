-- Forged and malformed completion callbacks, for spec 30: sends each to a
-- receiver at 127.0.0.1:PORT and prints "NAME STATUS" (0: no answer) per
-- case, then, when SIM is given, moves that simulator's clock on by 20 s
-- (so that the real task ends) and prints "advanced".
--   lua forge.lua PORT GOOD_PATH TASK_ID FLOOD [SIM_PORT]
-- GOOD_PATH is the task's real callback path; FLOOD how many requests with
-- wrong tokens to send.
local socket = require "socket"

local port, good, task_id, flood, sim_port = tonumber(arg[1]), arg[2], arg[3], tonumber(arg[4]), tonumber(arg[5])

local function exchange(p, bytes)
  local c = socket.tcp()
  c:settimeout(10)
  local ok = c:connect("127.0.0.1", p)
  if not ok then return 0 end
  c:send(bytes)
  local line = c:receive("*l")
  c:close()
  return tonumber(line and line:match("^HTTP/1%.%d (%d%d%d)")) or 0
end

local function post(path, body, content_type, extra)
  return exchange(port, string.format("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n%s",
    path, content_type or "application/x-www-form-urlencoded", #body, extra or "", body))
end

local function say(name, status)
  io.write(name, " ", status, "\n")
  io.flush()
end

local prefix = good:sub(1, -49)
local key = good:sub(-48)
local slot, token = key:sub(1, 16), key:sub(17)
local flipped = token:sub(1, -2) .. (token:sub(-1) == "0" and "1" or "0")
local form = "task_id=" .. task_id .. "&task_success=True"

-- senders that open a connection and say nothing, or half a head, and hold
-- it: more than the receiver's connection limit, so that room must be made
local idle = {}
for i = 1, 40 do
  local c = socket.tcp()
  c:settimeout(10)
  if c:connect("127.0.0.1", port) then
    if i % 2 == 0 then c:send("POST " .. good .. " HTTP/1.1\r\nContent-Le") end
    idle[#idle + 1] = c
  end
end
say("wrong_token", post(prefix .. slot .. flipped, form))
say("unknown_slot", post(prefix .. string.rep("ab", 8) .. token, form))
say("short_key", post(prefix .. key:sub(1, 40), form))
say("upper_case", post(prefix .. key:upper(), form))
say("get", exchange(port, "GET " .. good .. " HTTP/1.1\r\nHost: x\r\n\r\n"))
say("bad_json", post(good, "{not json", "application/json"))
say("json_array", post(good, "[1, 2]", "application/json"))
say("no_task_id", post(good, "task_success=True"))
say("bad_success", post(good, "task_id=" .. task_id .. "&task_success=maybe"))
say("other_task", post(good, "task_id=" .. (tonumber(task_id) + 1000) .. "&task_success=True"))
say("too_large", post(good, string.rep("x", 70000)))
say("chunked", exchange(port, "POST " .. good
  .. " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
say("huge_head", exchange(port, "POST " .. good .. " HTTP/1.1\r\nX: " .. string.rep("h", 9000) .. "\r\n\r\n"))
-- heads a proxy in front could read otherwise (to a wrong token: a head
-- that passed would get 404)
local wrong = prefix .. slot .. flipped
local function raw_post(head_lines)
  return exchange(port, "POST " .. wrong .. " HTTP/1.1\r\n" .. head_lines .. "\r\n" .. form)
end
say("bare_lf", raw_post("X: a\nContent-Length: " .. #form .. "\r\n"))
say("space_colon", raw_post("Content-Length : " .. #form .. "\r\n"))
say("folded", raw_post("Content-Length: " .. #form .. "\r\nX: a\r\n Transfer-Encoding: chunked\r\n"))
say("no_colon", raw_post("Content-Length: " .. #form .. "\r\nJunk\r\n"))
say("bad_version", exchange(port, "POST " .. wrong .. " HTTP/1.\0\r\nContent-Length: 0\r\n\r\n"))
-- the right token claiming success while the task runs: an extra poll
say("true_claim", post(good, "task_id=" .. task_id .. "&task_success=True"))
local counts = {}
for i = 1, flood do
  local forged = prefix .. string.format("%016x", i) .. token
  local s = post(forged, form)
  counts[s] = (counts[s] or 0) + 1
end
for s, n in pairs(counts) do say("flood_" .. s, n) end
for _, c in ipairs(idle) do c:close() end
if sim_port then
  exchange(sim_port, 'POST /_sim/time HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n'
    .. '{"advance": 20}')
  say("advanced", 1)
end
