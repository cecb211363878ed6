-- sops.callbacks.listen{...}: a receiver of completion callbacks for a
-- plain Lua process. The C core's listener (core.listen) owns the socket and
-- the connections; callbacks are read and answered while a wait sleeps in
-- receiver:sleep (or while the program calls receiver:serve), so nothing
-- runs behind the program's back and no thread or luasocket is needed.
-- The entries live in this object: at most max_pending tokens, each
-- forgotten when its wait returns or after ttl seconds.
local core = require "sops.core"
local check = require "sops.check"
local protocol = require "sops.callbacks.protocol"

local M = {}

local Receiver = {__receiver = true}
Receiver.__index = Receiver

M.DEFAULTS = {max_pending = 10000, ttl = protocol.TTL, max_connections = 32, idle_timeout = 10}

local FIELDS = {host = {"string", true}, port = {"integer", true}, public_url = {"string"},
  max_pending = {"count"}, ttl = {"number"}, max_connections = {"count"}, idle_timeout = {"count"}}
M.FIELDS = FIELDS -- (read by tools/types.lua)

-- sops.callbacks.listen{host, port, public_url, max_pending, ttl,
-- max_connections, idle_timeout} -> receiver | nil, message, err
function M.listen(opts)
  local call = "sops.callbacks.listen"
  check.fields(call, opts, FIELDS)
  if opts.port > 65535 then check.fail(call, "port", "port from 0 to 65535 expected") end
  if opts.ttl and opts.ttl <= 0 then check.fail(call, "ttl", "positive number expected") end
  local wildcard = opts.host == "0.0.0.0" or opts.host == "::" or opts.host == ""
  if wildcard and not opts.public_url then
    check.fail(call, "public_url", "needed with a wildcard host: the URL bk-sops reaches this process at")
  end
  local public = opts.public_url and protocol.check_public_url(call, opts.public_url)
  local d = M.DEFAULTS
  local listener, why = core.listen(opts.host, opts.port, {max_body = protocol.MAX_BODY,
    max_connections = opts.max_connections or d.max_connections, idle_timeout = opts.idle_timeout or d.idle_timeout})
  if not listener then
    return core.fail({kind = "transport", api = "callbacks.listen", message = why, retryable = false})
  end
  if not public then
    local host = opts.host:find(":", 1, true) and ("[" .. opts.host .. "]") or opts.host
    public = "http://" .. host .. ":" .. listener:port()
  end
  return setmetatable({listener = listener, public = public, entries = {}, by_task = {}, count = 0,
    max_pending = opts.max_pending or d.max_pending, ttl = opts.ttl or d.ttl}, Receiver)
end

function Receiver:__tostring()
  return "sops.callbacks receiver (" .. self.public .. ", " .. self.count .. " pending)"
end

-- The port it listens on, and the base of its callback URLs.
function Receiver:port() return self.listener:port() end
function Receiver:url() return self.public end

-- The number of tokens it holds.
function Receiver:pending() return self.count end

-- The listener's counters: {open, accepted, refused}.
function Receiver:stats() return self.listener:stats() end

local function drop(self, slot)
  local e = self.entries[slot]
  if not e then return end
  self.entries[slot] = nil
  if e.task_id and self.by_task[e.task_id] == slot then self.by_task[e.task_id] = nil end
  self.count = self.count - 1
end

local function sweep(self)
  local now = core.monotime()
  for slot, e in pairs(self.entries) do
    if e.expires <= now then drop(self, slot) end
  end
end

-- A new callback URL: {slot, url} | nil, message, err (closed, no room, no random
-- source).
function Receiver:issue()
  if self.closed then return protocol.failure("the receiver is closed") end
  if self.count >= self.max_pending then sweep(self) end
  if self.count >= self.max_pending then
    return protocol.failure("the receiver holds " .. self.count .. " pending callbacks already (max_pending)")
  end
  local slot, token = protocol.new_key()
  if not slot then
    return protocol.failure(token)
  end
  self.entries[slot] = {token = token, expires = core.monotime() + self.ttl}
  self.count = self.count + 1
  return {slot = slot, url = protocol.url(self.public, slot, token)}
end

-- Ties an issued URL to the task created with it.
function Receiver:bind(reg, task_id)
  local e = self.entries[reg.slot]
  if not e then return end
  e.task_id = task_id
  self.by_task[task_id] = reg.slot
end

-- The slot of task_id's URL, or nil.
function Receiver:slot_of(task_id)
  return self.by_task[task_id]
end

-- Forgets a slot: a callback to it is then unknown (404).
function Receiver:forget(slot)
  drop(self, slot)
end

-- the store of sops.callbacks.protocol
function Receiver:lookup(slot)
  local e = self.entries[slot]
  if e and e.expires <= core.monotime() then
    drop(self, slot)
    return nil
  end
  return e
end
function Receiver:arrive(slot, info)
  self.entries[slot].arrived = info
end

-- The callback that arrived for slot since the last take, or nil.
function Receiver:take(slot)
  local e = self.entries[slot]
  local info = e and e.arrived
  if e then e.arrived = nil end
  return info
end

local function any_arrived(self, slots)
  if not slots then return false end
  for _, slot in ipairs(slots) do
    local e = self.entries[slot]
    if e and e.arrived then return true end
  end
  return false
end

-- Answers the callbacks that come within `seconds`. Returns true when one
-- of `slots` (a list, or nil for none) has a callback waiting, at once if
-- one came before; false at the end of the time, or when a signal cut it
-- short. nil, message, err when the socket failed or the receiver is closed.
function Receiver:sleep(seconds, slots)
  if self.closed then return protocol.failure("the receiver is closed") end
  local deadline = core.monotime() + seconds
  while true do
    if any_arrived(self, slots) then return true end
    local left = deadline - core.monotime()
    if left <= 0 then return false end
    local reqs, interrupted = self.listener:wait(left)
    if not reqs then
      return core.fail({kind = "transport", api = "callbacks", message = interrupted, retryable = false})
    end
    for _, req in ipairs(reqs) do
      local status, body = protocol.receive(self, req)
      self.listener:answer(req.id, status, body)
    end
    if interrupted then return false end
  end
end

-- Answers callbacks for `seconds`, for a program that waits in its own way.
function Receiver:serve(seconds)
  local ok, message, err = self:sleep(seconds, nil)
  if ok == nil then return nil, message, err end
  return true
end

-- Closes the socket; the receiver takes no callback after it.
function Receiver:close()
  self.closed = true
  self.listener:close()
end
Receiver.__close = Receiver.close
Receiver.__gc = Receiver.close

return M
