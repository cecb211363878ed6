-- Sends one request with a body of SIZE bytes to 127.0.0.1:PORT as fast as
-- the simulator takes it (the specs' large upload, in a process of its
-- own). Prints "half" once half the body is out, "sent TIME"
-- (socket.gettime) once the last byte is out, then the answer's status line.
-- PATH (default /_sim/health) is where it goes.
--   lua upload.lua PORT SIZE [PATH]
local socket = require "socket"

local port, size, path = tonumber(arg[1]), tonumber(arg[2]), arg[3] or "/_sim/health"
local c = assert(socket.connect("127.0.0.1", port))
c:send(string.format("POST %s HTTP/1.1\r\nHost: sim\r\nContent-Type: application/octet-stream\r\n"
  .. "Content-Length: %d\r\n\r\n", path, size))
local piece = string.rep("x", 65536)
local sent = 0
while sent < size do
  local part = piece:sub(1, math.min(#piece, size - sent))
  local ok, err = c:send(part)
  if not ok then
    -- (refused and reset: what it could still read)
    io.write("send failed: ", err, "\n", tostring(c:receive("*l")), "\n")
    os.exit(0)
  end
  if sent < size / 2 and sent + #part >= size / 2 then
    io.write("half\n")
    io.flush()
  end
  sent = sent + #part
end
io.write(string.format("sent %.6f\n", socket.gettime()))
io.flush()
io.write(tostring(c:receive("*l")), "\n")
c:close()
