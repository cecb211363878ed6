-- A callback crowded out, for spec 30: sends one whole POST to PATH at
-- 127.0.0.1:PORT, then opens IDLE connections that send nothing (or, with
-- "behind", opens them first), prints "sent", and prints "answer STATUS"
-- (0: none) when the POST is answered.
--   lua crowd.lua PORT PATH IDLE [behind]
local socket = require "socket"

local port, path, idle_count, behind = tonumber(arg[1]), arg[2], tonumber(arg[3]), arg[4] == "behind"
local body = "task_id=1&task_success=True"
local idle = {}
local function crowd()
  for _ = 1, idle_count do idle[#idle + 1] = socket.connect("127.0.0.1", port) end
end
if behind then crowd() end
local c = assert(socket.connect("127.0.0.1", port))
c:settimeout(10)
c:send("POST " .. path .. " HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
  .. "Content-Length: " .. #body .. "\r\n\r\n" .. body)
if not behind then crowd() end
io.write("sent\n")
io.flush()
local line = c:receive("*l")
io.write("answer ", tonumber(line and line:match("^HTTP/1%.%d (%d%d%d)")) or 0, "\n")
for _, s in ipairs(idle) do s:close() end
