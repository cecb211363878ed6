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

-- libcurl's bounds on an answer's head, which this transport keeps too
-- (csrc/answerhead.h): all the header lines of an exchange together
-- (informational answers included), and one line
local HEAD_MAX, LINE_MAX = core.ANSWER_HEAD_MAX, core.ANSWER_LINE_MAX
-- what one read asks for at most
local READ_MAX = 65536

local find, sub, match, concat = string.find, string.sub, string.match, table.concat
local floor, max = math.floor, math.max
local head_of, wire_of, answer_of = core.head, core.wire, core.answer

-- Every read waits at most what is left of the call's timeout, so that a
-- server that drips bytes cannot stretch the call (a cosocket's own read
-- timeout starts again with every byte that arrives).
local function read(sock, deadline, n)
  local left = deadline - ngx.now()
  if left <= 0 then return nil, "timeout" end
  sock:settimeout(floor(left * 1000) + 1)
  return sock:receiveany(n)
end

-- The slow paths read through a reader: the socket, the call's deadline,
-- what was read and not yet used (buf from pos).

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
    local data, err = read(r.sock, r.deadline, n - got < READ_MAX and n - got or READ_MAX)
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
    local data, err = read(r.sock, r.deadline, READ_MAX)
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
    local data, err = read(r.sock, r.deadline, READ_MAX)
    if not data then
      if err == "closed" then return concat(parts), nil, true end
      return nil, err
    end
    total = total + #data
    parts[#parts + 1] = data
  end
end

-- A chunked body (RFC 9112 section 7.1), its trailers bounded as a head is.
local function chunked_body(r, max_body)
  local parts, total = {}, 0
  while true do
    local size_line, err = line(r, 4096)
    if not size_line then return nil, err == "too long" and "bad chunk size" or err end
    local hex = match(size_line, "^%s*(%x+)")
    local size = hex and #hex <= 12 and tonumber(hex, 16)
    if not size then return nil, "bad chunk size" end
    if size == 0 then
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

-- The head of the final answer, when the first read did not hold it whole:
-- informational answers (1xx but 101) before it are read and skipped, as
-- libcurl does (RFC 9110 section 15.2), all counted within HEAD_MAX. The
-- head is parsed again only when a blank line may have come (or while its
-- status line is not yet whole, so that a non-HTTP answer fails at once).
-- Returns what core.head returns and the head's first byte (r.buf, r.pos
-- past it); or nil and "timeout", "closed", "too large head", "not an
-- HTTP answer".
local function read_head(r)
  local buf, at, used, scan, checked = r.buf, 1, 0, 1, false
  while true do
    local status, minor, last, length, chunked, close
    if not checked or find(buf, "\n\n", scan, true) or find(buf, "\n\r\n", scan, true) then
      status, minor, last, length, chunked, close = head_of(buf, at)
    else
      minor = "more"
    end
    if status then
      used = used + last - at + 1
      if used > HEAD_MAX then return nil, "too large head" end
      if status >= 200 or status == 101 then
        r.buf, r.pos = buf, last + 1
        return status, minor, last, length, chunked, close, at
      end
      at, scan, checked = last + 1, last + 1, false
    elseif minor ~= "more" then
      return nil, minor == "too long" and "too large head" or minor
    else
      checked = checked or find(buf, "\n", at, true) ~= nil
      if used + #buf - at + 1 > HEAD_MAX then return nil, "too large head" end
      local data, err = read(r.sock, r.deadline, READ_MAX)
      if not data then
        r.buf = buf
        return nil, err
      end
      if at > 1 then buf, at = sub(buf, at), 1 end
      scan = max(1, #buf - 1)
      buf = buf == "" and data or buf .. data
    end
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

-- One exchange on a connection: sends wire (core.wire's), reads the
-- answer. Returns, for an answer that came whole, the arguments of
-- core.answer after its first two (status, buf, body_from, head_from) and
-- whether the connection may be reused; else a failure table for
-- core.answer, false, and whether it failed before any answer came. The
-- hot path, an answer whose head and body the first read holds, makes no
-- string but the read itself and no table.
local function exchange(sock, wire, max_body, deadline)
  local _, err = send_all(sock, wire, deadline)
  if err then return failure(kind_of(err), "send failed: " .. err, true), false, true end
  local buf
  buf, err = read(sock, deadline, READ_MAX)
  if not buf then
    return failure(kind_of(err), "receive failed: " .. err, true), false, true
  end
  local status, minor, last, length, chunked, close = head_of(buf, 1)
  local at, r = 1, nil
  if not status or status < 200 and status ~= 101 then
    r = {sock = sock, deadline = deadline, buf = buf, pos = 1}
    status, minor, last, length, chunked, close, at = read_head(r)
    if not status then
      err = minor
      if err == "not an HTTP answer" then return failure("transport", err, true), false end
      return failure(kind_of(err), "receive failed: " .. (READ_FAILED[err] or err), true), false
    end
    buf = r.buf
  end
  if length == false then
    return failure("transport", "receive failed: bad Content-Length", true), false
  end
  local from, ends = last + 1, #buf -- the body, when it is buf's tail
  local closed
  if chunked or not length or length > max_body or ends - last < length then
    if length and length > max_body then return {status = status, too_large = true, sent = true}, false end
    r = r or {sock = sock, deadline = deadline, buf = buf, pos = from}
    r.pos = from
    local body
    if chunked then
      body, err = chunked_body(r, max_body)
    elseif length then
      body, err = take(r, length)
    else
      body, err, closed = until_close(r, max_body)
    end
    if not body then
      if err == "too large" then return {status = status, too_large = true, sent = true}, false end
      return failure(kind_of(err), "receive failed: " .. (READ_FAILED[err] or err), true), false
    end
    local rest = r.pos <= #r.buf
    buf = sub(buf, at, last) .. body
    from, at = last - at + 2, 1
    return status, buf, from, at, not closed and not rest and minor == 1 and not close
  end
  if ends - last > length then -- more than the answer: never reused
    return status, sub(buf, at, last + length), last - at + 2, 1, false
  end
  return status, buf, from, at, minor == 1 and not close
end

-- What the call returns, from how the exchange ended (see core.answer).
local is_open = core.client_methods.is_open
local function closed_during(api, sent)
  return core.fail({kind = "closed", api = api, message = "the client was closed during the call",
    sent = sent, retryable = false})
end
local function finish(c, api, once, t)
  t.once = once
  if not is_open(c) then return closed_during(api, t.sent == true) end
  local value, message, info = answer_of(c, api, t)
  return value, message, info
end

-- Sends wire (core.wire's; once: it must not be sent twice) for api on
-- client c and returns what client:call returns (value, nil, response |
-- nil, message, err). opts: the client's transport settings {url,
-- timeout, connect_timeout, verify_tls, proxy, max_body}; timeout: this
-- call's, if shorter.
function M.send(c, opts, wire, once, api, timeout)
  local o = origin(opts)
  local deadline = ngx.now() + (timeout or opts.timeout)
  local tls, host = o.tls, o.host
  -- a state-changing request goes out on a fresh connection, never pooled,
  -- so that nothing can resend it; a read is tried once more on a fresh one
  -- when a pooled connection turns out dead before it answers (as libcurl
  -- does)
  local fresh = once
  for try = 1, 2 do
    local sock = ngx.socket.tcp()
    local left = max(deadline - ngx.now(), 0.001)
    sock:settimeouts(floor(math.min(opts.connect_timeout, left) * 1000 + 0.5),
      floor(left * 1000 + 0.5), floor(left * 1000 + 0.5))
    local ok, err = sock:connect(host, o.port, fresh and o.fresh_opts or o.pool_opts)
    if not ok then return finish(c, api, once, failure(kind_of(err), "connect failed: " .. err, false)) end
    local reused = (sock:getreusedtimes() or 0) > 0
    if tls and not reused then
      local session
      session, err = sock:sslhandshake(nil, host, opts.verify_tls)
      if not session then
        sock:close()
        return finish(c, api, once, failure(err == "timeout" and "timeout" or "tls",
          "TLS handshake failed: " .. tostring(err), false))
      end
    end
    local status, buf, from, at, reusable = exchange(sock, wire, opts.max_body, deadline)
    if reusable and not fresh then
      sock:setkeepalive(IDLE_MS, POOL_SIZE)
    else
      sock:close()
    end
    if type(status) == "number" then
      if not is_open(c) then return closed_during(api, true) end
      local value, message, info = answer_of(c, api, status, buf, from, at, once)
      return value, message, info
    end
    -- (dead: closed or reset, not slow; a timeout is never tried again)
    local dead = status.failure == "transport" and from and reused
    if not (dead and not fresh and try == 1) then
      local value, message, info = finish(c, api, once, status)
      return value, message, info
    end
    fresh = true
  end
end

-- The request of api with params as it goes on the wire, and whether it
-- must go once; or nil and what the call returns when it cannot go.
-- Argument errors raise as for core.call.
local function request(c, opts, api, params, traceparent)
  local o = origin(opts)
  local wire, once = wire_of(c, api, params, traceparent, o and o.host_header or "", o and o.prefix_len or 0)
  if opts.proxy then
    return nil, finish(c, api, once,
      failure("transport", "the cosocket transport cannot use a proxy (use transport = \"curl\")", false))
  end
  if not o then return nil, finish(c, api, once, failure("transport", "bad URL", false)) end
  return wire, once
end

-- Both: one call through a cosocket; argument errors as for core.call.
function M.call(c, opts, api, params, timeout, traceparent)
  local wire, once, message, info = request(c, opts, api, params, traceparent)
  if not wire then return nil, message, info end
  local value
  value, message, info = M.send(c, opts, wire, once, api, timeout)
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
  local wires, onces, refusals = {}, {}, {}
  for i, call in ipairs(calls) do
    if type(call) ~= "table" or type(call[1]) ~= "string" or type(call[2]) ~= "table" then
      check.raise("bad argument #1 to 'call_many' (entry " .. i .. ": {api, params} expected)")
    end
    local wire, once, message, info = request(c, cfg.cosocket, call[1], call[2])
    wires[i], onces[i] = wire, once
    if not wire then refusals[i] = {n = 3, nil, message, info} end
  end
  if not M.available() then
    local results = {}
    for i, call in ipairs(calls) do results[i] = {n = 3, refused(call[1])} end
    return results
  end
  local results = {}
  for first = 1, #calls, WAVE do
    local threads = {}
    for i = first, math.min(first + WAVE - 1, #calls) do
      threads[i] = not refusals[i] and ngx.thread.spawn(function()
        local value, message, info = M.send(c, cfg.cosocket, wires[i], onces[i], calls[i][1], timeout)
        return value, message, info
      end)
    end
    for i = first, math.min(first + WAVE - 1, #calls) do
      local ok, value, message, info
      if refusals[i] then
        ok, value, message, info = true, nil, refusals[i][2], refusals[i][3]
      else
        ok, value, message, info = ngx.thread.wait(threads[i])
      end
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
