-- Sends one request with a body of SIZE bytes to 127.0.0.1:PORT as fast as
-- the simulator takes it (the specs' large upload, in a process of its
-- own). Prints "half" once half the body is out, "sent TIME"
-- (socket.gettime) once the last byte is out, then the answer's status line.
--   lua upload.lua PORT SIZE
local socket = require "socket"

local port, size = tonumber(arg[1]), tonumber(arg[2])
local c = assert(socket.connect("127.0.0.1", port))
c:send(string.format("POST /_sim/health HTTP/1.1\r\nHost: sim\r\nContent-Type: application/octet-stream\r\n"
  .. "Content-Length: %d\r\n\r\n", size))
local piece = string.rep("x", 65536)
local sent = 0
while sent < size do
  local part = piece:sub(1, math.min(#piece, size - sent))
  assert(c:send(part))
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
