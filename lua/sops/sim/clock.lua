-- Simulated time: the wall clock times a speed factor, which tests can
-- change, freeze or jump forward.
local socket = require "socket"

local Clock = {}
Clock.__index = Clock

local function new(speed, start)
  local real = socket.gettime()
  return setmetatable({base = start or real, real0 = real, speed = speed or 1, frozen = false}, Clock)
end

function Clock:now()
  return self.base + (socket.gettime() - self.real0) * (self.frozen and 0 or self.speed)
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
  self.base = self.base + seconds
end

return {new = new}
