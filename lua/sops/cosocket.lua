-- The cosocket transport: inside nginx (OpenResty), where cosockets work,
-- a call's request goes out through ngx.socket.tcp instead of libcurl, so
-- that waiting for bk-sops never holds the worker. The request is the one
-- the core builds (core.request) and the answer is classified and decoded
-- by the core (core.answer), so both transports return the same values and
-- errors. HTTP/1.1: keep-alive through the cosocket pool, Content-Length and
-- chunked bodies, TLS verified by default.
local core = require "sops.core"
local check = require "sops.check"

local M = {}

-- the phases in which cosockets may be used (lua-nginx-module's yieldable
-- contexts); in any other, a call inside nginx is refused (sops.client)
local PHASES = {
  rewrite = true, server_rewrite = true, access = true, content = true, timer = true, ssl_cert = true,
  ssl_session_fetch = true, ssl_client_hello = true, preread = true,
}

-- Whether this coroutine may use cosockets now.
function M.available()
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.get_phase) ~= "function" or not ngx.socket then return false end
  return PHASES[ngx.get_phase()] == true
end

-- keep-alive: a connection idles this long in the pool, and a pool holds
-- at most this many per host, port and TLS setting
local IDLE_MS, POOL_SIZE = 60000, 32

-- Where a client's requests go, from its URL, worked out once per client
-- (kept in opts): scheme, host, port, the length of "scheme://host[:port]"
-- that starts every request's URL, the Host header and the pool's name.
local function origin(opts)
  local o = opts.origin
  if o then return o end
  -- ([v6 address] or name, then an optional port)
  local prefix, scheme, host, port = opts.url:match("^((https?)://%[([^%]]+)%]:?(%d*))")
  if not prefix then prefix, scheme, host, port = opts.url:match("^((https?)://([^/:]+):?(%d*))") end
  if not prefix then return nil end
  local tls = scheme == "https"
  port = tonumber(port) or (tls and 443 or 80)
  o = {tls = tls, host = host, port = port, prefix_len = #prefix,
    host_header = host .. ((port == (tls and 443 or 80)) and "" or (":" .. port)),
    pool = table.concat({host, port, tls and (opts.verify_tls and "tls" or "tls-noverify") or "plain"}, ":")}
  o.pool_opts, o.fresh_opts = {pool = o.pool}, {pool = o.pool .. ":fresh"}
  opts.origin = o
  return o
end

-- The failure of an exchange, for core.answer.
local function failure(kind, message, sent)
  return {failure = kind, message = message, sent = sent}
end

-- a cosocket error as a failure kind
local function kind_of(err)
  if err == "timeout" then return "timeout" end
  return "transport"
end

-- libcurl's bounds on an answer's head, which this transport keeps too:
-- all the header lines of an exchange together (informational answers
-- included), and one line
local HEAD_MAX, LINE_MAX = 300 * 1024, 100 * 1024
-- what one read asks for at most
local READ_MAX = 65536

local find, lower, sub, match, concat = string.find, string.lower, string.sub, string.match, table.concat
local floor = math.floor

-- An answer is read through a reader: the socket, what was read and not
-- yet used (buf from pos), and the call's deadline. Every read waits at
-- most what is left of the call's timeout, so a server that drips bytes
-- cannot stretch the call (a cosocket's own read timeout starts again
-- with every byte that arrives).
local function read(r, max)
  local left = r.deadline - ngx.now()
  if left <= 0 then return nil, "timeout" end
  r.sock:settimeout(floor(left * 1000) + 1)
  return r.sock:receiveany(max)
end

-- n bytes
local function take(r, n)
  local buf, pos = r.buf, r.pos
  local have = #buf - pos + 1
  if have >= n then
    r.pos = pos + n
    return sub(buf, pos, pos + n - 1)
  end
  local parts, got = {sub(buf, pos)}, have
  r.buf, r.pos = "", 1
  while got < n do
    local data, err = read(r, n - got < READ_MAX and n - got or READ_MAX)
    if not data then return nil, err end
    parts[#parts + 1] = data
    got = got + #data
  end
  return concat(parts)
end

-- One line, without its end (CRLF or LF), at most `limit` bytes long.
local function line(r, limit)
  while true do
    local buf, pos = r.buf, r.pos
    local e = find(buf, "\n", pos, true)
    if e then
      r.pos = e + 1
      if e > pos and sub(buf, e - 1, e - 1) == "\r" then e = e - 1 end
      return sub(buf, pos, e - 1)
    end
    if #buf - pos + 1 > limit then return nil, "too long" end
    local data, err = read(r, READ_MAX)
    if not data then return nil, err end
    r.buf, r.pos = sub(buf, pos) .. data, 1
  end
end

-- The rest of the answer, until the server closes the connection, at
-- most max_body bytes: the body, or nil and "too large" or the error.
local function until_close(r, max_body)
  local parts = {sub(r.buf, r.pos)}
  local total = #parts[1]
  r.buf, r.pos = "", 1
  while true do
    if total > max_body then return nil, "too large" end
    local data, err = read(r, READ_MAX)
    if not data then
      if err == "closed" then return concat(parts), nil, true end
      return nil, err
    end
    total = total + #data
    parts[#parts + 1] = data
  end
end

local function read_body(r, headers, max_body)
  local te = headers["transfer-encoding"]
  if te and find(lower(te), "chunked", 1, true) then
    local parts, total = {}, 0
    while true do
      local size_line, err = line(r, 4096)
      if not size_line then return nil, err == "too long" and "bad chunk size" or err end
      local hex = match(size_line, "^%s*(%x+)")
      local size = hex and #hex <= 12 and tonumber(hex, 16)
      if not size then return nil, "bad chunk size" end
      if size == 0 then
        -- trailers, up to the empty line (bounded as the head is)
        local used = 0
        repeat
          local trailer
          trailer, err = line(r, LINE_MAX)
          if not trailer then return nil, err == "too long" and "too large head" or err end
          used = used + #trailer + 2
          if used > HEAD_MAX then return nil, "too large head" end
        until trailer == ""
        return concat(parts)
      end
      total = total + size
      if total > max_body then return nil, "too large" end
      local data
      data, err = take(r, size)
      if not data then return nil, err end
      parts[#parts + 1] = data
      local ending
      ending, err = line(r, 2)
      if not ending then return nil, err == "too long" and "bad chunk" or err end
    end
  end
  local length = headers["content-length"]
  if length then
    local n = tonumber(length)
    if not n or n < 0 or n ~= floor(n) then return nil, "bad Content-Length" end
    if n > max_body then return nil, "too large" end
    if n == 0 then return "" end
    return take(r, n)
  end
  return until_close(r, max_body)
end

-- the answer's headers that matter (the others are skipped unread): this
-- transport's own, and those the core reads (core.ANSWER_HEADERS: name ->
-- the field of core.answer's table), by their names in lower case
local WANTED = {["content-length"] = true, ["transfer-encoding"] = true, connection = true}
local FIELD_OF = {}
for name, field in pairs(core.ANSWER_HEADERS) do
  WANTED[lower(name)] = true
  FIELD_OF[lower(name)] = field
end

-- The head of the final answer: HTTP version, status, the WANTED headers;
-- informational answers (1xx but 101) before it are read and skipped, as
-- libcurl does (RFC 9110 section 15.2), their lines counted within
-- HEAD_MAX. Or nil and an error: "timeout", "closed", "too large head",
-- "not an HTTP answer".
local function read_head(r)
  local used = 0
  while true do
    local status_line, err = line(r, LINE_MAX)
    if not status_line then return nil, err == "too long" and "too large head" or err end
    used = used + #status_line + 2
    local version, status = match(status_line, "^HTTP/(%d%.%d) (%d%d%d)")
    if not status then return nil, "not an HTTP answer" end
    local headers = {}
    while true do
      local l
      l, err = line(r, LINE_MAX)
      if not l then return nil, err == "too long" and "too large head" or err end
      used = used + #l + 2
      if used > HEAD_MAX then return nil, "too large head" end
      if l == "" then break end
      local colon = find(l, ":", 1, true)
      if colon then
        local name = lower(sub(l, 1, colon - 1))
        if WANTED[name] then
          local value, had = match(l, "^%s*(.-)%s*$", colon + 1), headers[name]
          headers[name] = had and (had .. ", " .. value) or value
        end
      end
    end
    status = tonumber(status)
    if status >= 200 or status == 101 then return version, status, headers end
  end
end

-- Sends s within the deadline: in pieces, each waiting at most what is
-- left (a cosocket's send timeout, too, starts again with every write).
local function send_all(sock, s, deadline)
  local at, n = 1, #s
  while at <= n do
    local left = deadline - ngx.now()
    if left <= 0 then return nil, "timeout" end
    sock:settimeout(floor(left * 1000) + 1)
    local last = at + READ_MAX - 1
    local _, err = sock:send(last >= n and (at == 1 and s or sub(s, at)) or sub(s, at, last))
    if err then return nil, err end
    at = last + 1
  end
  return true
end

-- why a read failed, as the error says it
local READ_FAILED = {
  ["too large head"] = "the answer's head is over " .. HEAD_MAX .. " bytes (or a line over " .. LINE_MAX .. ")",
}

-- One exchange on a connection: sends req, reads the answer. Returns the
-- answer table for core.answer, whether the connection may be reused, and
-- whether it failed before any answer came.
local function exchange(sock, req, host_header, path, deadline)
  local body, head = req.body, req.head
  -- libcurl's own default, unless the client's headers have one
  if not find(head, "ccept:", 1, true) then head = "Accept: */*\r\n" .. head end
  local request
  if body then
    request = req.method .. " " .. path .. " HTTP/1.1\r\nHost: " .. host_header .. "\r\n" .. head
      .. "Content-Length: " .. #body .. "\r\nConnection: keep-alive\r\n\r\n" .. body
  else
    request = req.method .. " " .. path .. " HTTP/1.1\r\nHost: " .. host_header .. "\r\n" .. head
      .. "Connection: keep-alive\r\n\r\n"
  end
  local _, err = send_all(sock, request, deadline)
  if err then return failure(kind_of(err), "send failed: " .. err, true), false, true end
  local r = {sock = sock, deadline = deadline, buf = "", pos = 1}
  local version, status, headers = read_head(r)
  if not version then
    err = status
    if err == "not an HTTP answer" then return failure("transport", err, true), false end
    -- (nothing at all came: the connection may have been dead already)
    local before_answer = r.buf == ""
    return failure(kind_of(err), "receive failed: " .. (READ_FAILED[err] or err), true), false, before_answer
  end
  local data, closed
  data, err, closed = read_body(r, headers, req.max_body)
  if not data then
    if err == "too large" then return {status = status, too_large = true, sent = true}, false end
    return failure(kind_of(err), "receive failed: " .. (READ_FAILED[err] or err), true), false
  end
  local conn = headers.connection
  local reusable = not closed and version == "1.1" and r.pos > #r.buf
    and not (conn and find(lower(conn), "close", 1, true))
  local t = {status = status, body = data, sent = true}
  for name, field in pairs(FIELD_OF) do t[field] = headers[name] end
  return t, reusable
end

-- Sends req (core.request's) for api on client c and returns what
-- client:call returns (value, nil, response | nil, message, err). opts: the client's transport settings {url,
-- timeout, connect_timeout, verify_tls, proxy}; timeout: this call's, if
-- shorter.
local is_open, answer_of = core.client_methods.is_open, core.answer

-- What the call returns, from t (see core.answer).
local function finish(c, api, req, t)
  t.once = req.once
  if not is_open(c) then
    return core.fail({kind = "closed", api = api, message = "the client was closed during the call",
      sent = t.sent == true, retryable = false})
  end
  local value, message, info = answer_of(c, api, t)
  return value, message, info
end

function M.send(c, opts, req, api, timeout)
  if opts.proxy then
    return finish(c, api, req,
      failure("transport", "the cosocket transport cannot use a proxy (use transport = \"curl\")", false))
  end
  local o = origin(opts)
  if not o then return finish(c, api, req, failure("transport", "bad URL", false)) end
  local path = req.url:sub(o.prefix_len + 1)
  if path == "" then path = "/" end
  local tls, host = o.tls, o.host
  local deadline = ngx.now() + (timeout or opts.timeout)
  -- a state-changing request goes out on a fresh connection, never pooled,
  -- so that nothing can resend it; a read is tried once more on a fresh one
  -- when a pooled connection turns out dead before it answers (as libcurl
  -- does)
  local fresh = req.once
  for try = 1, 2 do
    local sock = ngx.socket.tcp()
    local left = math.max(deadline - ngx.now(), 0.001)
    sock:settimeouts(math.floor(math.min(opts.connect_timeout, left) * 1000 + 0.5),
      math.floor(left * 1000 + 0.5), math.floor(left * 1000 + 0.5))
    local ok, err = sock:connect(host, o.port, fresh and o.fresh_opts or o.pool_opts)
    if not ok then return finish(c, api, req, failure(kind_of(err), "connect failed: " .. err, false)) end
    local reused = (sock:getreusedtimes() or 0) > 0
    if tls and not reused then
      local session
      session, err = sock:sslhandshake(nil, host, opts.verify_tls)
      if not session then
        sock:close()
        return finish(c, api, req, failure(err == "timeout" and "timeout" or "tls", "TLS handshake failed: " .. tostring(err),
          false))
      end
    end
    local t, reusable, before_answer = exchange(sock, req, o.host_header, path, deadline)
    if reusable and not fresh then
      sock:setkeepalive(IDLE_MS, POOL_SIZE)
    else
      sock:close()
    end
    -- (dead: closed or reset, not slow; a timeout is never tried again)
    local dead = t.failure == "transport" and before_answer and reused
    if not (dead and not fresh and try == 1) then
      local value, message, info = finish(c, api, req, t)
      return value, message, info
    end
    fresh = true
  end
end

-- Both: one call through a cosocket; argument errors as for core.call.
function M.call(c, opts, api, params, timeout, traceparent)
  local req = core.request(c, api, params, traceparent)
  local value, message, info = M.send(c, opts, req, api, timeout)
  return value, message, info
end

-- Inside nginx, a phase without cosockets (log, header_filter,
-- body_filter, set, init...): a libcurl call there would hold the worker
-- for the whole exchange, so the call is refused, as the lua-resty
-- libraries refuse there, unless the client was made with transport =
-- "curl" (cfg.ngx is nil then). The caller builds the request first, so
-- that an argument mistake still raises.
local function refused(api_name)
  local phase = tostring(ngx.get_phase())
  return core.fail({kind = "phase", api = api_name, sent = false, retryable = false, phase = phase,
    message = "nginx's " .. phase .. " phase has no cosockets, and a libcurl call would block the worker: "
      .. "call from ngx.timer.at(0, ...), or make the client with transport = \"curl\""})
end

-- Which transport a client uses, from its option `transport`: "ngx"
-- (cosockets inside nginx, where a phase allows them; libcurl elsewhere),
-- "auto" (the default inside nginx: the same), or nil for libcurl always
-- ("curl", or outside nginx). Raises on a bad value.
function M.transport(opts)
  local t = opts.transport
  if t ~= nil and t ~= "curl" and t ~= "ngx" then
    check.raise("bad argument #1 to 'sops.new' (option 'transport': 'curl' or 'ngx' expected)")
  end
  local in_nginx = type(rawget(_G, "ngx")) == "table" and rawget(_G, "ngx").socket ~= nil
  if t == "ngx" and not in_nginx then
    check.raise("bad argument #1 to 'sops.new' (option 'transport': 'ngx' needs OpenResty (ngx.socket))")
  end
  if t == "curl" or not in_nginx then return nil end
  return t or "auto"
end

-- core.call for a client that may use cosockets (cfg: its settings):
-- the same arguments, the same results, by whichever transport the phase
-- allows.
local call_at = core.call
function M.exchange(cfg, c, api_name, params, timeout, traceparent)
  if cfg and cfg.ngx then
    if not M.available() then
      core.request(c, api_name, params)
      local value, message, err = refused(api_name)
      return value, message, err
    end
    local value, message, info = M.call(c, cfg.cosocket, api_name, params, timeout, traceparent)
    return value, message, info
  end
  local value, message, info = call_at(c, api_name, params, timeout, traceparent)
  return value, message, info
end

-- client:call_many(calls [, timeout]) inside nginx (cfg: the client's
-- settings): each call in its own light thread (ngx.thread), as many at a
-- time as the core runs with libcurl. Every request is built (and
-- checked) before any goes; argument errors are raised at the caller of
-- client:call_many.
local WAVE = core.MAX_PARALLEL
function M.call_many(cfg, c, calls, timeout)
  if type(calls) ~= "table" then
    check.raise("bad argument #1 to 'call_many' (table expected, got " .. type(calls) .. ")")
  end
  local reqs = {}
  for i, call in ipairs(calls) do
    if type(call) ~= "table" or type(call[1]) ~= "string" or type(call[2]) ~= "table" then
      check.raise("bad argument #1 to 'call_many' (entry " .. i .. ": {api, params} expected)")
    end
    reqs[i] = core.request(c, call[1], call[2])
  end
  if not M.available() then
    local results = {}
    for i, call in ipairs(calls) do results[i] = {n = 3, refused(call[1])} end
    return results
  end
  local results = {}
  for first = 1, #reqs, WAVE do
    local threads = {}
    for i = first, math.min(first + WAVE - 1, #reqs) do
      threads[i] = ngx.thread.spawn(function()
        local value, message, info = M.send(c, cfg.cosocket, reqs[i], calls[i][1], timeout)
        return value, message, info
      end)
    end
    for i = first, math.min(first + WAVE - 1, #reqs) do
      local ok, value, message, info = ngx.thread.wait(threads[i])
      if not ok then
        value, message, info = core.fail({kind = "transport", api = calls[i][1], message = tostring(value),
          retryable = false})
      end
      results[i] = {n = 3, value, message, info}
    end
  end
  return results
end

return M
