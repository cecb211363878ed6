-- A small HTTP/1.1 server: one coroutine per connection, multiplexed with
-- poll(2) through the simulator's C helper (sops.sim.poll), else with
-- socket.select, which stops at 1,024 descriptors. Keep-alive, Content-Length
-- and chunked request bodies, Expect: 100-continue, limits on header and body
-- size, on connections (the longest idle one makes room for a new one, else
-- 503) and on idle time. A connection does at most TURN_BUDGET of work a loop
-- turn (bytes parsed, and a share for each request and each chunk), then
-- waits for the next turn: one upload, a body of tiny chunks or a burst of
-- pipelined requests never stalls the other connections. The handler is
-- called as handler(req, conn) inside the connection's coroutine, so it may
-- call conn:sleep(seconds) and must return status, headers, body (or nothing
-- after taking the connection over with conn:raw_send / conn:abort).
local socket = require "socket"
local has_poll, poll = pcall(require, "sops.sim.poll")
if not has_poll then poll = nil end

local M = {}

local MAX_HEADER = 64 * 1024
local MAX_BODY = 64 * 1024 * 1024
local READ_CHUNK = 65536
-- A connection's work in one loop turn, counted in bytes taken from its
-- buffer, REQUEST_COST for each request answered and CHUNK_COST for each
-- chunk of a chunked body; past it, the connection yields to the others.
local TURN_BUDGET = 64 * 1024
local REQUEST_COST = 1024
local CHUNK_COST = 64
-- chunks of a body gathered before they are joined into one piece
local JOIN_EVERY = 1024
-- a response body at least this large is sent after its head, not
-- joined to it
local SEPARATE_BODY = 8192

local REASONS = {
  [100] = "Continue", [200] = "OK", [400] = "Bad Request", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [408] = "Request Timeout",
  [411] = "Length Required", [413] = "Payload Too Large", [414] = "URI Too Long",
  [429] = "Too Many Requests", [431] = "Request Header Fields Too Large",
  [500] = "Internal Server Error", [501] = "Not Implemented", [502] = "Bad Gateway",
  [503] = "Service Unavailable", [504] = "Gateway Timeout",
}
M.REASONS = REASONS

-- A connection reads into buf; the bytes not parsed yet are buf from pos on.
-- Parsing moves pos and never cuts the buffer, which is compacted only when
-- more bytes come in.
local Conn = {}
Conn.__index = Conn

-- Closed connections raise this inside their coroutine; the server catches it.
local CLOSED = setmetatable({}, {__tostring = function() return "connection closed" end})

-- Counts `cost` against this turn's budget; once it is spent, waits for the
-- next turn (the server resumes the connection after serving the others).
function Conn:spend(cost)
  local left = (self.budget or TURN_BUDGET) - cost
  self.budget = left
  if left <= 0 then coroutine.yield("ready", self) end
end

-- At most `max` bytes that have arrived (waiting for some when none has).
function Conn:receive_some(max)
  while true do
    local data, err, partial = self.sock:receive(max)
    data = data or partial
    if data and #data > 0 then
      self.active = socket.gettime()
      return data
    end
    if err ~= "timeout" and err ~= "wantread" then error(CLOSED) end
    coroutine.yield("read", self)
  end
end

-- The bytes buffered and not parsed yet.
function Conn:buffered()
  return #self.buf - self.pos + 1
end

-- Takes n bytes from the buffer (parsed already); a buffer all taken is let
-- go, not kept by a connection that waits for its next request.
function Conn:take(n)
  local pos = self.pos + n
  if pos > #self.buf then
    self.buf, self.pos = "", 1
  else
    self.pos = pos
  end
end

function Conn:fill()
  local data = self:receive_some(READ_CHUNK)
  if self.pos > #self.buf then
    self.buf = data
  else
    self.buf = self.buf:sub(self.pos) .. data
  end
  self.pos = 1
  return true
end

-- Reads until the buffer holds `pattern`; returns the text before it and
-- takes both from the buffer, or nil when `limit` bytes or more came
-- without it.
function Conn:read_line(pattern, limit)
  local from = self.pos
  while true do
    local s, e = self.buf:find(pattern, from, true)
    if s then
      if s - self.pos >= limit then return nil end
      local line, used = self.buf:sub(self.pos, s - 1), e - self.pos + 1
      self:take(used)
      self:spend(used)
      return line
    end
    local have = self:buffered()
    if have > limit then return nil end
    -- (the bytes searched already are not searched again)
    local searched = math.max(0, have - #pattern + 1)
    self:fill()
    from = 1 + searched
  end
end

-- Exactly n bytes. A large body is read a piece at a time into a list,
-- and the loop serves the other connections between pieces.
function Conn:read_exact(n)
  local have = self:buffered()
  if have >= n then
    local out = self.buf:sub(self.pos, self.pos + n - 1)
    self:take(n)
    self:spend(n)
    return out
  end
  local parts = {self.buf:sub(self.pos)}
  self.buf, self.pos = "", 1
  self:spend(have)
  while have < n do
    local piece = self:receive_some(math.min(READ_CHUNK, n - have))
    parts[#parts + 1] = piece
    have = have + #piece
    self:spend(#piece) -- a fair share: about one piece a turn
  end
  return table.concat(parts)
end

function Conn:raw_send(data)
  local i = 1
  while i <= #data do
    local last, err, partial = self.sock:send(data, i)
    if last then
      i = last + 1
    elseif err == "timeout" or err == "wantwrite" then
      i = partial + 1
      coroutine.yield("write", self)
    else
      error(CLOSED)
    end
  end
end

function Conn:sleep(seconds)
  coroutine.yield("sleep", socket.gettime() + seconds)
end

-- Ends the connection with a TCP reset instead of an orderly close.
function Conn:abort()
  pcall(self.sock.setoption, self.sock, "linger", {on = true, timeout = 0})
  self.sock:close()
  self.closed = true
end

function Conn:close()
  if not self.closed then
    if self.sock then self.sock:close() end
    self.closed = true
  end
end

-- chunk: send the body chunked in pieces of that many bytes (with a
-- Transfer-Encoding header among `headers`), else with a Content-Length.
-- head_only: the head alone (the caller sends the body after it).
local function build_response(status, headers, body, keep_alive, chunk, head_only)
  local out = {string.format("HTTP/1.1 %d %s\r\n", status, REASONS[status] or "Unknown")}
  local has_length = chunk ~= nil
  for _, h in ipairs(headers or {}) do
    if h[1]:lower() == "content-length" then has_length = true end
    out[#out + 1] = h[1] .. ": " .. h[2] .. "\r\n"
  end
  if not has_length then
    out[#out + 1] = "Content-Length: " .. #(body or "") .. "\r\n"
  end
  out[#out + 1] = keep_alive and "Connection: keep-alive\r\n" or "Connection: close\r\n"
  out[#out + 1] = "\r\n"
  body = body or ""
  if head_only then return table.concat(out) end
  if chunk then
    for i = 1, #body, chunk do
      local piece = body:sub(i, i + chunk - 1)
      out[#out + 1] = string.format("%x\r\n%s\r\n", #piece, piece)
    end
    out[#out + 1] = "0\r\n\r\n"
  else
    out[#out + 1] = body
  end
  return table.concat(out)
end
M.build_response = build_response

local function fail(conn, status, text)
  local body = text .. "\n"
  conn:raw_send(build_response(status, {{"Content-Type", "text/plain"}}, body, false))
  conn:close()
end

local function parse_head(head)
  local lines = {}
  for line in (head .. "\r\n"):gmatch("(.-)\r\n") do lines[#lines + 1] = line end
  local method, target, version = (lines[1] or ""):match("^(%u+) (%S+) HTTP/(%d%.%d)$")
  if not method then return nil, "malformed request line" end
  -- a header given more than once: its values joined with ", ", once
  -- (joining as they come copies the value so far for each)
  local headers, list, repeated = {}, {}, {}
  for i = 2, #lines do
    local name, value = lines[i]:match("^([!#$%%&'*+%-.^_`|~%w]+):[ \t]*(.-)[ \t]*$")
    if not name then return nil, "malformed header line" end
    local lname = name:lower()
    list[#list + 1] = {name, value}
    local values = repeated[lname]
    if values then
      values[#values + 1] = value
    elseif headers[lname] == nil then
      headers[lname] = value
    elseif lname ~= "content-length" then
      repeated[lname] = {headers[lname], value}
    elseif headers[lname] ~= value then
      return nil, "conflicting Content-Length"
    end
  end
  for lname, values in pairs(repeated) do headers[lname] = table.concat(values, ", ") end
  local path, query = target:match("^([^?]*)%??(.*)$")
  return {
    method = method, target = target, path = path, query = query,
    version = version, headers = headers, header_list = list,
  }
end

-- A chunked body (RFC 9112 7.1), parsed in place in the buffer.
local function read_chunked(conn)
  local pieces, parts, total = {}, {}, 0
  while true do
    local line = conn:read_line("\r\n", 1024)
    if not line then return nil, 400, "malformed chunk size" end
    -- hex digits, then maybe extensions; more than 8 digits is more than
    -- any body the limit lets through (and would overflow)
    local hex = line:match("^(%x+)[ \t]*;") or line:match("^(%x+)[ \t]*$")
    if not hex then return nil, 400, "malformed chunk size" end
    local digits = hex:gsub("^0+(%x)", "%1")
    if #digits > 8 then return nil, 413, "request body too large" end
    local size = tonumber(digits, 16)
    if size == 0 then
      -- trailers, up to the blank line, no more than a header's worth
      local trailers = 0
      while true do
        local l = conn:read_line("\r\n", MAX_HEADER - trailers)
        if not l then return nil, 431, "trailers too large" end
        if l == "" then break end
        trailers = trailers + #l + 2
      end
      parts[#parts + 1] = table.concat(pieces)
      return table.concat(parts)
    end
    total = total + size
    if total > MAX_BODY then return nil, 413, "request body too large" end
    pieces[#pieces + 1] = conn:read_exact(size)
    if #pieces >= JOIN_EVERY then
      parts[#parts + 1] = table.concat(pieces)
      pieces = {}
    end
    if conn:read_exact(2) ~= "\r\n" then return nil, 400, "malformed chunk" end
    conn:spend(CHUNK_COST)
  end
end

local function serve_connection(conn, handler)
  while true do
    -- between requests: idle, and the first to go when room is needed
    conn.idle = conn:buffered() == 0
    local head = conn:read_line("\r\n\r\n", MAX_HEADER)
    conn.idle = false
    if not head then return fail(conn, 431, "request header too large") end
    -- tolerate stray blank lines between requests (RFC 9112 2.2)
    head = head:gsub("^[\r\n]+", "")
    if head == "" then goto continue end
    do
      local req, perr = parse_head(head)
      if not req then return fail(conn, 400, perr) end
      local h = req.headers
      local keep = (req.version == "1.1" and not (h.connection or ""):lower():find("close"))
        or (req.version == "1.0" and (h.connection or ""):lower():find("keep%-alive") ~= nil)
      local body = ""
      local te = h["transfer-encoding"]
      local cl = h["content-length"]
      if te and te:lower() ~= "identity" then
        if te:lower() ~= "chunked" then return fail(conn, 501, "unsupported transfer encoding") end
        if (h.expect or ""):lower() == "100-continue" then
          conn:raw_send("HTTP/1.1 100 Continue\r\n\r\n")
        end
        local b, status, msg = read_chunked(conn)
        if not b then return fail(conn, status, msg) end
        body = b
      elseif cl then
        local n = cl:match("^%d+$") and tonumber(cl)
        if not n then return fail(conn, 400, "invalid Content-Length") end
        if n > MAX_BODY then return fail(conn, 413, "request body too large") end
        if n > 0 and (h.expect or ""):lower() == "100-continue" and conn:buffered() == 0 then
          conn:raw_send("HTTP/1.1 100 Continue\r\n\r\n")
        end
        body = conn:read_exact(n)
      end
      req.body = body
      local status, headers, rbody, chunk = handler(req, conn)
      if conn.closed then return end
      if not status then
        conn:close()
        return
      end
      if req.method == "HEAD" then
        conn:raw_send(build_response(status, headers, rbody, keep, nil, true))
      elseif not chunk and rbody and #rbody >= SEPARATE_BODY then
        -- a large body goes out as it is, after its head: not copied into
        -- one more string of its size (garbage the collector then frees)
        conn:raw_send(build_response(status, headers, rbody, keep, nil, true))
        conn:raw_send(rbody)
      else
        conn:raw_send(build_response(status, headers, rbody, keep, chunk))
      end
      conn.served = conn.served + 1
      if not keep then
        conn:close()
        return
      end
    end
    ::continue::
    conn:spend(REQUEST_COST)
  end
end

local Server = {}
Server.__index = Server

-- Connections at most: select's sets hold 1,024 descriptors, the listener
-- and the signal watcher among them; poll is bound by the process's limit.
local SELECT_MAX_CONNS = 1000
local IDLE_TIMEOUT = 60

-- opts: host, port, handler, on_tick (called every loop turn),
-- max_connections, idle_timeout (seconds a connection may wait for bytes)
function M.new(opts)
  local sock = assert(socket.tcp())
  sock:setoption("reuseaddr", true)
  local ok, err = sock:bind(opts.host or "127.0.0.1", opts.port or 0)
  if not ok then return nil, err end
  ok, err = sock:listen(1024)
  if not ok then return nil, err end
  sock:settimeout(0)
  local max = opts.max_connections
  if not max then
    if poll then
      local limit = poll.raise_fd_limit() or 1024
      max = math.max(16, math.min(limit - 64, 100000))
    else
      max = SELECT_MAX_CONNS
    end
  end
  if not poll then max = math.min(max, SELECT_MAX_CONNS) end
  local self = setmetatable({
    sock = sock, handler = opts.handler, on_tick = opts.on_tick,
    waiting_read = {}, waiting_write = {}, sleepers = {}, ready = {}, watched = {}, running = true, accepted = 0,
    conns = {}, count = 0, max_connections = max, idle_timeout = opts.idle_timeout or IDLE_TIMEOUT,
    refused = 0, evicted = 0,
  }, Server)
  return self
end

function Server:address()
  return self.sock:getsockname()
end

function Server:stop()
  self.running = false
end

-- Calls fn() whenever obj (anything with getfd, for socket.select) is
-- readable.
function Server:watch(obj, fn)
  self.watched[obj] = fn
end

local function new_conn(sock, id)
  sock:settimeout(0)
  sock:setoption("tcp-nodelay", true)
  return setmetatable({sock = sock, buf = "", pos = 1, id = id, active = socket.gettime(), served = 0}, Conn)
end

-- Forgets a connection that ended.
function Server:drop(conn)
  conn:close()
  if self.conns[conn] then
    self.conns[conn] = nil
    self.count = self.count - 1
  end
  if conn.sock then
    self.waiting_read[conn.sock] = nil
    self.waiting_write[conn.sock] = nil
  end
  self.sleepers[conn] = nil
  self.ready[conn] = nil
end

-- Runs fn(task) in the loop beside the connections, as a coroutine that
-- may call task:sleep(seconds) and M.connect(task, ...): work in the
-- background (the simulator's callbacks) that never holds up an answer.
function Server:spawn(fn)
  local task = setmetatable({buf = "", pos = 1, id = "task", active = socket.gettime(), served = 0}, Conn)
  task.task = task
  task.co = coroutine.create(function() fn(task) end)
  self:resume(task)
  return task
end

-- An outbound connection for a task of Server:spawn: connects without
-- blocking the loop; the connection, or nil and why.
function M.connect(task, host, port)
  local sock = socket.tcp()
  sock:settimeout(0)
  local ok, err = sock:connect(host, port)
  local conn = setmetatable({sock = sock, buf = "", pos = 1, id = "out", active = socket.gettime(), served = 0,
    co = task.co, task = task}, Conn)
  if not ok and err ~= "timeout" and err ~= "Operation already in progress" then
    sock:close()
    return nil, err
  end
  if not ok then
    coroutine.yield("write", conn) -- writable once connected (or refused)
    if not sock:getpeername() then
      sock:close()
      return nil, "connection refused"
    end
  end
  return conn
end

function Server:resume(conn, ...)
  local co = conn.co
  conn.budget = TURN_BUDGET
  local ok, what, arg = coroutine.resume(co, ...)
  if not ok then
    if what ~= CLOSED and self.on_error then self.on_error(what, debug.traceback(co)) end
    self:drop(conn)
    return
  end
  if coroutine.status(co) == "dead" or (conn.closed and not conn.task) then
    self:drop(conn)
    return
  end
  -- (a connection waits on itself; a task of spawn, on the connection it
  -- yielded)
  if what == "read" then
    self.waiting_read[arg.sock] = arg
  elseif what == "write" then
    self.waiting_write[arg.sock] = arg
  elseif what == "ready" then
    -- its turn's work done, more to do: resumed next turn
    self.ready[arg] = true
  elseif what == "sleep" then
    -- (a background task sleeps as itself, whatever connection woke it)
    self.sleepers[conn.task or conn] = arg
  end
end

-- Closes the connection that has waited longest for a request; false
-- when none may go. One may go when it waits between requests (kept
-- alive) or has sent nothing for a second: a client that has just
-- connected gets its chance to speak.
function Server:evict_idle()
  local oldest
  local now = socket.gettime()
  for _, conn in pairs(self.waiting_read) do
    if conn.idle and conn:buffered() == 0 and (conn.served > 0 or now - conn.active >= 1)
        and (not oldest or conn.active < oldest.active) then
      oldest = conn
    end
  end
  if not oldest then return false end
  self.evicted = self.evicted + 1
  self:drop(oldest)
  return true
end

local BUSY = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 27\r\n"
  .. "Connection: close\r\nRetry-After: 1\r\n\r\ntoo many open connections\r\n"

function Server:accept_all()
  while true do
    if self.count >= self.max_connections then self:evict_idle() end
    local client, err = self.sock:accept()
    if not client then
      -- out of descriptors: make room, or leave the rest in the backlog
      if err and err ~= "timeout" and not self:evict_idle() then self.paused = socket.gettime() + 0.05 end
      return
    end
    self.accepted = self.accepted + 1
    if self.count >= self.max_connections then
      -- full of busy connections: a clean refusal
      self.refused = self.refused + 1
      client:settimeout(0)
      client:send(BUSY)
      client:close()
    else
      local conn = new_conn(client, self.accepted)
      local handler = self.handler
      self.conns[conn] = true
      self.count = self.count + 1
      conn.co = coroutine.create(function() serve_connection(conn, handler) end)
      self:resume(conn)
    end
  end
end

-- Waits for readable and writable sockets, at most `wait` seconds: poll
-- when the helper is there, else select.
local function wait_ready(recvt, sendt, wait)
  if not poll then return socket.select(recvt, sendt, wait) end
  local by_fd, rfds, wfds = {}, {}, {}
  -- a socket with bytes in luasocket's own buffer is readable whatever
  -- the descriptor says (select asks dirty() too)
  local dirty = {}
  for i, obj in ipairs(recvt) do
    local fd = obj:getfd()
    by_fd[fd] = obj
    rfds[i] = fd
    if obj.dirty and obj:dirty() then dirty[#dirty + 1] = obj end
  end
  if #dirty > 0 then wait = 0 end
  local wby_fd = {}
  for i, obj in ipairs(sendt) do
    local fd = obj:getfd()
    wby_fd[fd] = obj
    wfds[i] = fd
  end
  local r, w = poll.wait(rfds, wfds, wait)
  local readable, writable, seen = dirty, {}, {}
  for _, obj in ipairs(dirty) do seen[obj] = true end
  for _, fd in ipairs(r or {}) do
    local obj = by_fd[fd]
    if not seen[obj] then readable[#readable + 1] = obj end
  end
  for i, fd in ipairs(w or {}) do writable[i] = wby_fd[fd] end
  return readable, writable
end

-- Closes connections that have waited for bytes longer than idle_timeout.
function Server:close_idle(now)
  local stale = {}
  for _, conn in pairs(self.waiting_read) do
    if now - conn.active > self.idle_timeout then stale[#stale + 1] = conn end
  end
  for _, conn in ipairs(stale) do self:drop(conn) end
end

function Server:step(max_wait)
  local now = socket.gettime()
  local accepting = not self.paused or now >= self.paused
  if accepting then self.paused = nil end
  local recvt, sendt = {}, {}
  if accepting then recvt[1] = self.sock end
  for obj in pairs(self.watched) do recvt[#recvt + 1] = obj end
  for sock in pairs(self.waiting_read) do recvt[#recvt + 1] = sock end
  for sock in pairs(self.waiting_write) do sendt[#sendt + 1] = sock end
  local wait = accepting and max_wait or math.min(max_wait, 0.05)
  -- connections with work left go on after the others had their turn
  local ready = self.ready
  self.ready = {}
  if next(ready) then wait = 0 end
  for _, due in pairs(self.sleepers) do
    wait = math.min(wait, math.max(0, due - now))
  end
  local readable, writable = wait_ready(recvt, sendt, wait)
  for _, sock in ipairs(readable or {}) do
    if sock == self.sock then
      self:accept_all()
    elseif self.watched[sock] then
      self.watched[sock]()
    else
      local conn = self.waiting_read[sock]
      if conn then
        self.waiting_read[sock] = nil
        self:resume(conn)
      end
    end
  end
  for _, sock in ipairs(writable or {}) do
    local conn = self.waiting_write[sock]
    if conn then
      self.waiting_write[sock] = nil
      self:resume(conn)
    end
  end
  now = socket.gettime()
  local due_list = {}
  for conn, due in pairs(self.sleepers) do
    if due <= now then due_list[#due_list + 1] = conn end
  end
  for _, conn in ipairs(due_list) do
    self.sleepers[conn] = nil
    self:resume(conn)
  end
  for conn in pairs(ready) do
    if not conn.closed then self:resume(conn) end
  end
  if now - (self.idle_checked or 0) >= 1 then
    self.idle_checked = now
    self:close_idle(now)
  end
  if self.on_tick then self.on_tick() end
end

function Server:run(should_stop)
  while self.running do
    if should_stop and should_stop() then break end
    self:step(0.1)
  end
  for conn in pairs(self.conns) do conn:close() end
  self.conns, self.count = {}, 0
  self.waiting_read, self.waiting_write, self.sleepers, self.ready = {}, {}, {}, {}
  self.sock:close()
end

return M
