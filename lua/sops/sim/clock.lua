-- Simulated time: the wall clock times a speed factor, which tests can
-- change, freeze or jump forward.
local socket = require "socket"

local M = {}

-- Simulated time ends at the last second of year 9999 (UTC): every time
-- stays an integer number of seconds that os.date can write, and the
-- clock stops there instead of overflowing. A speed is at most MAX_SPEED
-- simulated seconds per real second (11.6 days a second).
M.MAX_TIME = 253402300799.0
M.MAX_SPEED = 1e6

local Clock = {}
Clock.__index = Clock

function M.new(speed, start)
  local real = socket.gettime()
  return setmetatable({base = start or real, real0 = real, speed = speed or 1, frozen = false}, Clock)
end

function Clock:now()
  local t = self.base + (socket.gettime() - self.real0) * (self.frozen and 0 or self.speed)
  if t <= M.MAX_TIME then return t end
  return M.MAX_TIME -- (and for a NaN, were a speed of inf ever given)
end

-- The seconds the clock may still be moved forward.
function Clock:room()
  return M.MAX_TIME - self:now()
end

function Clock:rebase()
  self.base = self:now()
  self.real0 = socket.gettime()
end

function Clock:set_speed(speed)
  self:rebase()
  self.speed = speed
end

function Clock:freeze()
  self:rebase()
  self.frozen = true
end

function Clock:resume()
  self:rebase()
  self.frozen = false
end

function Clock:advance(seconds)
  self:rebase()
  self.base = math.min(self.base + seconds, M.MAX_TIME)
end

return M
