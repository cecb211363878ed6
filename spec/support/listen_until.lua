-- A listener for spec 30 in a process of its own (which the spec may start
-- with few descriptors): prints "port N", answers every request 200 for
-- SECONDS, then prints "served N cpu S" (its CPU seconds) and exits.
--   lua listen_until.lua SECONDS MAX_CONNECTIONS
local core = require "sops.core"

local seconds, max = tonumber(arg[1]), tonumber(arg[2])
local l = assert(core.listen("127.0.0.1", 0, {max_connections = max, idle_timeout = 30}))
io.write("port ", l:port(), "\n")
io.flush()
local served, stop = 0, core.monotime() + seconds
while core.monotime() < stop do
  for _, req in ipairs(l:wait(stop - core.monotime())) do
    served = served + 1
    l:answer(req.id, 200, "{}")
  end
end
io.write(string.format("served %d cpu %.2f\n", served, os.clock()))
