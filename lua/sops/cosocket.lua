-- The cosocket transport: inside nginx (OpenResty), where cosockets work,
-- a call's request goes out through ngx.socket.tcp instead of libcurl, so
-- that waiting for bk-sops never holds the worker. The request is the one
-- the core builds (core.request) and the answer is classified and decoded
-- by the core (core.answer), so both transports return the same values and
-- errors. HTTP/1.1: keep-alive through the cosocket pool, Content-Length and
-- chunked bodies, TLS verified by default.
local core = require "sops.core"

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

local function read_body(sock, headers, max_body, deadline)
  local te = headers["transfer-encoding"]
  if te and te:lower():find("chunked", 1, true) then
    local parts, total = {}, 0
    while true do
      local line, err = sock:receive("*l")
      if not line then return nil, err end
      local hex = line:match("^%s*(%x+)")
      local size = hex and #hex <= 12 and tonumber(hex, 16)
      if not size then return nil, "bad chunk size" end
      if size == 0 then
        -- trailers, up to the empty line
        repeat
          line, err = sock:receive("*l")
          if not line then return nil, err end
        until line == ""
        return table.concat(parts)
      end
      total = total + size
      if total > max_body then return nil, "too large" end
      local data
      data, err = sock:receive(size)
      if not data then return nil, err end
      parts[#parts + 1] = data
      line, err = sock:receive("*l")
      if not line then return nil, err end
      if ngx.now() > deadline then return nil, "timeout" end
    end
  end
  local length = headers["content-length"]
  if length then
    local n = tonumber(length)
    if not n or n < 0 or n ~= math.floor(n) then return nil, "bad Content-Length" end
    if n > max_body then return nil, "too large" end
    if n == 0 then return "" end
    return sock:receive(n)
  end
  -- until the server closes the connection
  local parts, total = {}, 0
  while true do
    local data, err = sock:receiveany(65536)
    if not data then
      if err == "closed" then return table.concat(parts), nil, true end
      return nil, err
    end
    total = total + #data
    if total > max_body then return nil, "too large" end
    parts[#parts + 1] = data
  end
end

local find, lower, sub, match = string.find, string.lower, string.sub, string.match

-- the answer's headers that matter (the others are skipped unread)
local WANTED = {
  ["content-length"] = true, ["transfer-encoding"] = true, connection = true, ["x-bkapi-request-id"] = true,
  ["x-bkapi-error-code"] = true, ["sops-trace-id"] = true, ["retry-after"] = true,
}

-- One exchange on a connection: sends req, reads the answer. Returns the
-- answer table for core.answer, and whether the connection may be reused.
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
  local _, err = sock:send(request)
  if err then return failure(kind_of(err), "send failed: " .. err, true), false, true end
  local status_line
  status_line, err = sock:receive("*l")
  if not status_line then return failure(kind_of(err), "receive failed: " .. err, true), false, true end
  local version, status = status_line:match("^HTTP/(%d%.%d) (%d%d%d)")
  if not status then return failure("transport", "not an HTTP answer", true), false end
  local headers = {}
  while true do
    local line
    line, err = sock:receive("*l")
    if not line then return failure(kind_of(err), "receive failed: " .. err, true), false end
    if line == "" then break end
    local colon = find(line, ":", 1, true)
    if colon then
      local name = lower(sub(line, 1, colon - 1))
      if WANTED[name] then
        local value, had = match(line, "^%s*(.-)%s*$", colon + 1), headers[name]
        headers[name] = had and (had .. ", " .. value) or value
      end
    end
  end
  local data, closed
  data, err, closed = read_body(sock, headers, req.max_body, deadline)
  if not data then
    if err == "too large" then return {status = tonumber(status), too_large = true, sent = true}, false end
    return failure(kind_of(err), "receive failed: " .. err, true), false
  end
  local conn = (headers.connection or ""):lower()
  local reusable = not closed and version == "1.1" and not conn:find("close", 1, true)
  return {
    status = tonumber(status), body = data, sent = true,
    request_id = headers["x-bkapi-request-id"], error_code = headers["x-bkapi-error-code"],
    trace_id = headers["sops-trace-id"], retry_after = headers["retry-after"],
  }, reusable
end

-- The request of one call (the core's, secrets included: it stays here);
-- raises argument errors at `level`, as core.call_at does.
function M.request(c, level, api, params, traceparent)
  return core.request(c, level + 1, api, params, traceparent)
end

-- Sends req (M.request's) for api on client c and returns what
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

-- Both: one call through a cosocket; `level` as for core.call_at, seen
-- from this function's caller.
function M.call(c, opts, level, api, params, timeout, traceparent)
  local req = core.request(c, level + 1, api, params, traceparent)
  local value, message, info = M.send(c, opts, req, api, timeout)
  return value, message, info
end

return M
