-- Opens N connections to 127.0.0.1:PORT and holds them, silent, until it is
-- killed; prints "held N" once they are all open (the specs' many idle
-- clients, in a process of its own with its own descriptor limit).
--   lua hold.lua PORT N
local socket = require "socket"

local port, n = tonumber(arg[1]), tonumber(arg[2])
local held = {}
for i = 1, n do
  local c = socket.tcp()
  assert(c:connect("127.0.0.1", port))
  held[i] = c
end
io.write("held ", #held, "\n")
io.flush()
while true do socket.sleep(3600) end
