-- A callback receiver for the specs: listens on 127.0.0.1 (a free port),
-- prints "listening PORT", then one JSON line per request received
-- ({method, path, content_type, body}), answering each with the next
-- status of STATUSES (comma-separated, then 200 for good). Runs until
-- killed.
--   lua receiver.lua [STATUSES]
local socket = require "socket"
local cjson = require "cjson"

local statuses = {}
for s in (arg[1] or ""):gmatch("%d+") do statuses[#statuses + 1] = tonumber(s) end
local server = assert(socket.bind("127.0.0.1", 0))
io.write("listening ", select(2, server:getsockname()), "\n")
io.flush()
while true do
  local c = server:accept()
  c:settimeout(5)
  local first = c:receive("*l")
  local headers = {}
  while true do
    local line = c:receive("*l")
    if not line or line == "" then break end
    local k, v = line:match("^([^:]+):%s*(.*)$")
    if k then headers[k:lower()] = v end
  end
  local body = c:receive(tonumber(headers["content-length"] or "0")) or ""
  local method, path = (first or ""):match("^(%u+) (%S+)")
  io.write(cjson.encode({method = method, path = path, content_type = headers["content-type"], body = body}), "\n")
  io.flush()
  local status = table.remove(statuses, 1) or 200
  c:send(string.format("HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status))
  c:close()
end
