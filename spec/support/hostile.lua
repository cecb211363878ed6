-- A server that misbehaves on purpose, for the transport specs: it reads
-- one request per connection and answers it the way the first segment of
-- the request's path names, then closes. Prints "listening on PORT" once
-- it listens; runs until it is killed. One connection at a time: a drip
-- stops as soon as the client has gone.
--   lua hostile.lua
--
-- The answers (each ends, if the client waits long enough, with a valid
-- get_task_status answer, so that only a bound can make the call fail):
--   ok            the answer
--   drip-head     the head one byte every 0.05 s for 4 s, then the rest
--   drip-body     the head, then a Content-Length body one byte every 0.05 s
--   drip-chunked  the head, then one-byte chunks every 0.05 s
--   drip-close    the head without a length, the body dripped, then close
--   long-line     a 2 MiB header line
--   many-headers  4,000 headers of 100 bytes (400 KB of head)
--   informational 100 Continue and 103 Early Hints before the answer
--   info-flood    20,000 "103 Early Hints" heads before the answer
--   close-big     a 1 MiB body without a length, ended by closing
--   echo          a failure that carries the whole request back: its request
--                 line in the request-id and trace-id headers, the request as
--                 the message (a table, so also the error's detail)
local socket = require "socket"

local BODY = '{"result": true, "code": 0, "message": "", "data": {"state": "RUNNING", "id": "n1", "children": {}}}'
local DRIP_SECONDS, DRIP_EVERY = 4, 0.05

local function send(c, s)
  return c:send(s) ~= nil
end

-- s one byte at a time, while the client listens
local function drip(c, s)
  for i = 1, #s do
    if not send(c, s:sub(i, i)) then return false end
    socket.sleep(DRIP_EVERY)
  end
  return true
end

local function head(extra)
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" .. (extra or "")
end

local DRIPPED = ("x"):rep(math.floor(DRIP_SECONDS / DRIP_EVERY))

local ANSWERS = {}

function ANSWERS.ok(c)
  send(c, head("Content-Length: " .. #BODY .. "\r\n\r\n") .. BODY)
end

ANSWERS["drip-head"] = function(c)
  if drip(c, head("X-Drip: " .. DRIPPED .. "\r\n")) then ANSWERS.ok(c) end
end

ANSWERS["drip-body"] = function(c)
  local body = BODY .. (" "):rep(#DRIPPED)
  if send(c, head("Content-Length: " .. #body .. "\r\n\r\n")) then drip(c, body) end
end

ANSWERS["drip-chunked"] = function(c)
  if not send(c, head("Transfer-Encoding: chunked\r\n\r\n") .. ("%x\r\n%s\r\n"):format(#BODY, BODY)) then return end
  for _ = 1, #DRIPPED do
    if not send(c, "1\r\n \r\n") then return end
    socket.sleep(DRIP_EVERY)
  end
  send(c, "0\r\n\r\n")
end

ANSWERS["drip-close"] = function(c)
  if send(c, head("\r\n") .. BODY) then drip(c, (" "):rep(#DRIPPED)) end
end

ANSWERS["long-line"] = function(c)
  if send(c, head("X-Long: " .. ("y"):rep(2 * 1024 * 1024) .. "\r\n")) then ANSWERS.ok(c) end
end

ANSWERS["many-headers"] = function(c)
  local lines = {}
  for i = 1, 4000 do lines[i] = ("X-Many-%04d: %s\r\n"):format(i, ("z"):rep(84)) end
  if send(c, head(table.concat(lines))) then ANSWERS.ok(c) end
end

function ANSWERS.informational(c)
  if send(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n") then
    ANSWERS.ok(c)
  end
end

ANSWERS["info-flood"] = function(c)
  local one = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
  for _ = 1, 200 do
    if not send(c, one:rep(100)) then return end
  end
  ANSWERS.ok(c)
end

ANSWERS["close-big"] = function(c)
  send(c, head("\r\n") .. BODY .. (" "):rep(1024 * 1024))
end

-- a string as a JSON string
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(ch) return ("\\u%04x"):format(ch:byte()) end) .. '"'
end

function ANSWERS.echo(c, request, first)
  local body = '{"result": false, "code": 1, "data": null, "message": {"request": ' .. json_string(request) .. "}}"
  send(c, head("Content-Length: " .. #body .. "\r\nX-Bkapi-Request-Id: " .. first .. "\r\nSops-Trace-Id: " .. first
    .. "\r\n\r\n") .. body)
end

-- the request: its mode, the whole of it and its first line
local function read_request(c)
  local first = c:receive("*l")
  if not first then return nil end
  local lines, length = {first}, 0
  repeat
    local line = c:receive("*l")
    lines[#lines + 1] = line
    length = tonumber(line and line:lower():match("^content%-length:%s*(%d+)")) or length
  until not line or line == ""
  local body = length > 0 and c:receive(length) or ""
  return first:match("^%u+ /([^/ ]+)"), table.concat(lines, "\r\n") .. "\r\n" .. body, first
end

local server = assert(socket.bind("127.0.0.1", 0))
io.write("listening on ", select(2, server:getsockname()), "\n")
io.flush()
while true do
  local c = server:accept()
  if c then
    c:settimeout(5)
    local mode, request, first = read_request(c)
    local answer = ANSWERS[mode or ""]
    if answer then
      answer(c, request, first)
    else
      send(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    end
    c:close()
  end
end
