-- Floods the simulator at 127.0.0.1:PORT on one connection and, once half
-- the flood is out, asks on a second connection (open and served before the
-- flood began) GET /_sim/requests for `last`, the requests logged so far
-- (the specs' flood, in a process of its own). The flood's bytes go out as
-- fast as the simulator takes them, its answers read as they come. Prints
-- "probe LAST" and "answers N" (the flood's answers) once all are in.
--   lua flood.lua PORT chunked SIZE PATH      a POST of SIZE bytes in 1-byte chunks
--   lua flood.lua PORT pipelined N DUPS PATH  N GETs at once, each with a header DUPS times
local socket = require "socket"

local port, mode = tonumber(arg[1]), arg[2]
local payload, expect
if mode == "chunked" then
  local size, path = tonumber(arg[3]), arg[4]
  payload = string.format("POST %s HTTP/1.1\r\nHost: sim\r\nContent-Type: application/octet-stream\r\n"
    .. "Transfer-Encoding: chunked\r\n\r\n", path) .. string.rep("1\r\nx\r\n", size) .. "0\r\n\r\n"
  expect = 1
else
  local n, dups, path = tonumber(arg[3]), tonumber(arg[4]), arg[5]
  payload = string.rep("GET " .. path .. " HTTP/1.1\r\nHost: sim\r\n" .. string.rep("X:a\r\n", dups) .. "\r\n", n)
  expect = n
end

-- An answer with a Content-Length from `buf`: its body and the rest, or nil.
local function answer_in(buf)
  local head_end = buf:find("\r\n\r\n", 1, true)
  if not head_end then return nil end
  local length = tonumber(buf:sub(1, head_end):match("\r\n[Cc]ontent%-[Ll]ength: (%d+)"))
  if #buf < head_end + 3 + length then return nil end
  return buf:sub(head_end + 4, head_end + 3 + length), buf:sub(head_end + 4 + length)
end

local probe = assert(socket.connect("127.0.0.1", port))
probe:settimeout(10)
assert(probe:send("GET /_sim/health HTTP/1.1\r\nHost: sim\r\n\r\n"))
local pbuf = ""
while not answer_in(pbuf) do
  local data, err, partial = probe:receive(1)
  assert(data or partial, err)
  pbuf = pbuf .. (data or partial)
end
pbuf = ""
probe:settimeout(0)

local c = assert(socket.connect("127.0.0.1", port))
c:settimeout(0)
local i, asked, last, got, tail = 1, false, nil, 0, ""
while got < expect or not last do
  local sending = i <= #payload
  local readable, writable = socket.select({c, probe}, sending and {c} or nil, 30)
  if #readable == 0 and #writable == 0 then
    io.write("stalled: ", i - 1, " bytes out, ", got, " answers, probe ", tostring(last), "\n")
    os.exit(1)
  end
  if sending and #writable > 0 then
    local sent, err, partial = c:send(payload, i, math.min(#payload, i + 65535))
    sent = sent or partial
    if err and err ~= "timeout" then
      io.write("send failed: ", err, "\n")
      os.exit(1)
    end
    i = sent + 1
    if not asked and i > #payload / 2 then
      asked = true
      assert(probe:send("GET /_sim/requests?since=1e18 HTTP/1.1\r\nHost: sim\r\n\r\n"))
    end
  end
  for _, s in ipairs(readable) do
    local data, err, partial = s:receive(65536)
    data = data or partial
    if data and #data > 0 then
      if s == c then
        local text = tail .. data
        for _ in text:gmatch("HTTP/1%.1 %d%d%d ") do got = got + 1 end
        -- (a status line cut between two reads is counted once, whole)
        tail = text:sub(-16):match("H[^H]*$") or ""
        if tail:match("^HTTP/1%.1 %d%d%d ") then tail = "" end
      else
        pbuf = pbuf .. data
        local body = answer_in(pbuf)
        if body then last = tonumber(body:match('"last":(%d+)')) end
      end
    end
    if err == "closed" then
      io.write("closed: ", got, " answers, probe ", tostring(last), "\n")
      os.exit(1)
    end
  end
end
io.write("probe ", last, "\nanswers ", got, "\n")
