-- Shared spec helpers: start bksops-sim on a free loopback port, talk to it
-- over real HTTP, drive its control API.
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local M = {}

M.null = cjson.null
-- The Lua under test (`make test LUA=luajit` sets it) runs the library, the
-- sops command and the examples; the simulator needs 5.3 or later.
M.LUA = os.getenv("SOPS_SPEC_LUA") or "lua5.4"
M.SIM_LUA = os.getenv("SOPS_SIM_LUA") or "lua5.4"
M.BUILD = os.getenv("SOPS_SPEC_BUILD") or "build/lua5.4"
-- the environment words that run a script from this checkout on M.LUA
M.LUA_ENV = "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./" .. M.BUILD .. "/?.so;;'"
M.APP_CODE, M.APP_SECRET = "spec-app", "spec-secret-0123"
M.AUTH = string.format('{"bk_app_code":"%s","bk_app_secret":"%s","bk_username":"admin"}', M.APP_CODE, M.APP_SECRET)

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.shell_quote = shell_quote

-- cjson 2.1.0 under Lua 5.4 decodes every number as a float; specs compare
-- with integers, so integral floats are turned back.
local compat = require "sops.compat"

-- Whether v is an integer: a Lua integer on 5.3+, an integral number on
-- 5.1 and LuaJIT (one number type).
function M.is_integer(v) return compat.number_type(v) == "integer" end

local function ints(v)
  if type(v) == "number" and v == math.floor(v) and v - v == 0 then return math.floor(v) end
  if type(v) == "table" then
    for k, x in pairs(v) do v[k] = ints(x) end
  end
  return v
end

-- The whole content of a file (raises when it cannot be read).
function M.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function M.decode(s)
  local ok, v = pcall(cjson.decode, s)
  if not ok then return nil end
  return ints(v)
end

local Sim = {}
Sim.__index = Sim

-- Starts a command (shell words) with its stdout on a pipe: {pid, pipe}.
-- It runs in the foreground of a shell that reports its exit status, so
-- that M.finish works on every Lua (5.1's close() does not tell it) and
-- the command keeps SIGINT (background jobs of a script ignore it).
function M.spawn(cmd)
  local pipe = assert(io.popen("sh -c " .. shell_quote("echo $$; exec " .. cmd) .. '; echo "__exit $?"', "r"))
  return {pid = tonumber(pipe:read("*l")), pipe = pipe}
end

-- Reads the rest of a spawned command's output; returns its exit status
-- (128 + N when signal N ended it) and that output.
function M.finish(proc)
  local rest = proc.pipe:read("*a") or ""
  proc.pipe:close()
  proc.pipe = nil
  return tonumber(rest:match("__exit (%d+)%s*$")), (rest:gsub("__exit %d+%s*$", ""))
end

-- For a describe block: env.start starts a simulator (args as for
-- start_sim) and a client of it (opts as for Sim:client), env.sim and
-- env.c; env.stop ends both. `setup(env.start) teardown(env.stop)`.
function M.sim_env(args, client_opts)
  local env = {}
  function env.start()
    env.sim = M.start_sim(args)
    if client_opts ~= false then env.c = env.sim:client(client_opts) end
  end
  function env.stop()
    if env.c and env.c:is_open() then env.c:close() end
    env.sim:stop()
  end
  return env
end

-- For a describe block, the common set-up in one line: a simulator (args
-- as for start_sim) and a client of it (opts as for Sim:client) started
-- before its tests and stopped after, the simulator reset before each test
-- unless no_reset; bind(sim, client) is called once both are up
-- (client_opts false: no client).
--   local sim, c
--   h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)
function M.use_sim(args, client_opts, bind, no_reset)
  local busted = require "busted" -- (its block functions: not globals in a module)
  local env = M.sim_env(args, client_opts)
  busted.setup(function()
    env.start()
    bind(env.sim, env.c)
  end)
  busted.teardown(env.stop)
  if not no_reset then busted.before_each(function() env.sim:reset() end) end
  return env
end

-- The chunk of Lua source `code` with `env` as its globals, on every runtime.
function M.load_in(code, name, env)
  if setfenv then -- luacheck: ignore 113 (Lua 5.1 and LuaJIT)
    local chunk = assert(loadstring(code, name)) -- luacheck: ignore 113
    return setfenv(chunk, env) -- luacheck: ignore 113
  end
  return assert(load(code, name, "t", env))
end

-- Starts bin/bksops-sim. args: extra command-line words. Returns a Sim.
function M.start_sim(args)
  local words = {M.SIM_LUA, "bin/bksops-sim", "--port", "0", "--app-code", M.APP_CODE, "--app-secret", M.APP_SECRET}
  for _, a in ipairs(args or {}) do words[#words + 1] = a end
  local quoted = {}
  for i, w in ipairs(words) do quoted[i] = shell_quote(w) end
  -- SOPS_SIM_PREFIX: a command it runs under (the benches pin it to a CPU)
  local proc = M.spawn((os.getenv("SOPS_SIM_PREFIX") or "") .. table.concat(quoted, " "))
  local line = proc.pipe:read("*l") or ""
  local url = line:match("^listening on (http://[%d.]+:%d+)$")
  if not url then
    M.finish(proc)
    error("bksops-sim did not start: " .. line)
  end
  return setmetatable({pid = proc.pid, pipe = proc.pipe, url = url, port = tonumber(url:match(":(%d+)$"))}, Sim)
end

-- Stops the simulator with a signal (default TERM); returns its exit status.
function Sim:stop(signal)
  if not self.pipe then return end
  os.execute("kill -" .. (signal or "TERM") .. " " .. self.pid .. " 2>/dev/null")
  return (M.finish(self))
end

-- One HTTP request. opts: method, headers, body, auth (false for none).
-- Returns status, decoded JSON body (or nil), headers, raw body.
function Sim:request(method, path, opts)
  opts = opts or {}
  local headers = {}
  for k, v in pairs(opts.headers or {}) do headers[k:lower()] = v end
  if opts.auth ~= false and headers["x-bkapi-authorization"] == nil and not path:match("^/_sim") then
    headers["x-bkapi-authorization"] = opts.auth or M.AUTH
  end
  local body = opts.body
  if type(body) == "table" then body = cjson.encode(body) end
  if body then
    headers["content-length"] = tostring(#body)
    headers["content-type"] = headers["content-type"] or "application/json"
  end
  local chunks = {}
  local _, status, rheaders = http.request({
    url = self.url .. path, method = method, headers = headers,
    source = body and ltn12.source.string(body) or nil,
    sink = ltn12.sink.table(chunks),
  })
  local raw = table.concat(chunks)
  return status, M.decode(raw), rheaders, raw
end

function Sim:get(path, opts) return self:request("GET", path, opts) end
function Sim:post(path, body, opts)
  opts = opts or {}
  opts.body = body or ""
  return self:request("POST", path, opts)
end

-- Control API shortcuts.
function Sim:control(method, path, body)
  local status, value = self:request(method, "/_sim/" .. path, {body = body})
  assert(status == 200, "control " .. path .. " answered " .. tostring(status))
  return value
end
function Sim:time(t) return self:control("POST", "time", t) end
function Sim:advance(seconds) return self:time({advance = seconds}) end
function Sim:freeze() return self:time({freeze = true}) end
function Sim:fault(f) return self:control("POST", "faults", f) end
function Sim:config(c) return self:control("POST", "config", c) end
function Sim:reset() return self:control("POST", "reset", {}) end
function Sim:requests(since)
  return self:control("GET", "requests?since=" .. (since or 0)).requests
end
function Sim:clear_log() return self:control("DELETE", "requests") end
-- The logged requests whose path contains `fragment`.
function Sim:requests_to(fragment, since)
  local out = {}
  for _, r in ipairs(self:requests(since)) do
    if r.path:find(fragment, 1, true) then out[#out + 1] = r end
  end
  return out
end

-- A `sleep` for wait and wait_all that moves the simulator's clock instead
-- of sleeping: each delay is added to `delays`, and hook(n) runs before the
-- n-th advance.
function Sim:sleeper(delays, hook)
  delays = delays or {}
  return function(d)
    delays[#delays + 1] = d
    if hook then hook(#delays) end
    self:advance(d)
  end
end

function Sim:last_request()
  local list = self:requests()
  return list[#list]
end
-- Creates a task through the control API: {template_id, start, name, constants}
function Sim:task(t) return self:control("POST", "tasks", t) end

-- Gateway helpers: api(name, ids) builds /prod/name/ids.../
function M.gw(api, ...)
  local parts = {"/prod", api}
  for _, id in ipairs({...}) do parts[#parts + 1] = tostring(id) end
  return table.concat(parts, "/") .. "/"
end

-- The last line of an engine refusal's traceback.
function M.last_line(message)
  local last
  for line in message:gmatch("[^\n]+") do last = line end
  return last
end

-- Sends raw bytes and reads what comes back until the server closes or
-- `wait` seconds pass. Returns the text.
function M.raw(port, bytes, wait)
  local c = assert(socket.connect("127.0.0.1", port))
  c:settimeout(wait or 2)
  if bytes and #bytes > 0 then c:send(bytes) end
  local chunks = {}
  while true do
    local data, err, partial = c:receive(8192)
    local got = data or partial
    if got and #got > 0 then chunks[#chunks + 1] = got end
    if err then break end
  end
  c:close()
  return table.concat(chunks)
end

-- A lua-sops client for this simulator. route: "apigw" (default) or "esb".
function Sim:client(opts)
  local sops = require "sops"
  opts = opts or {}
  local route = opts.route or "apigw"
  local o = {
    url = route == "esb" and (self.url .. "/api/c/compapi/v2/sops") or (self.url .. "/prod"),
    app_code = M.APP_CODE, app_secret = M.APP_SECRET, bk_biz_id = 2, timeout = 5,
  }
  if not (opts.bk_token or opts.access_token or opts.username) then o.username = "admin" end
  for k, v in pairs(opts) do o[k] = v end
  return sops.new(o)
end

-- A TLS server (openssl s_server -www, which answers an HTML page) with a
-- self-signed certificate for 127.0.0.1: {port, dir, ca (the certificate,
-- to trust), stop()}.
function M.tls_server()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  assert(os.execute(string.format(
    "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/cert.pem -days 2 "
      .. "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:127.0.0.1 >/dev/null 2>&1", dir, dir)))
  local port = M.dead_port()
  local pipe = assert(io.popen(string.format(
    "echo $$; exec openssl s_server -accept %d -cert %s/cert.pem -key %s/key.pem -www 2>/dev/null", port, dir, dir)))
  local pid = pipe:read("*l")
  -- s_server prints ACCEPT once it listens
  repeat
    local line = pipe:read("*l")
  until line == nil or line:match("ACCEPT")
  local server = {port = port, dir = dir, ca = dir .. "/cert.pem"}
  function server.stop()
    os.execute("kill " .. pid)
    pipe:close()
    os.execute("rm -rf " .. dir)
  end
  return server
end

-- Calls fn until it returns true, at most `seconds` (default 10) of real
-- time; fails the spec when it never does. For what the specs cannot be
-- told about (another process's progress), never as a delay.
function M.wait_until(fn, seconds)
  local deadline = socket.gettime() + (seconds or 10)
  while not fn() do
    assert(socket.gettime() < deadline, "timed out waiting for a condition")
    socket.select(nil, nil, 0.005)
  end
end

-- A port nothing listens on (bound, then closed).
-- An environment for a process with none of the connection's variables,
-- its config file looked for under XDG_CONFIG_HOME = dir; extra wins.
function M.bare_env(dir, extra)
  local env = {BK_SOPS_URL = false, BK_APP_CODE = false, BK_APP_SECRET = false, BK_USERNAME = false,
    BK_BIZ_ID = false, BKSOPS_CONFIG = false, XDG_CONFIG_HOME = dir}
  for k, v in pairs(extra or {}) do env[k] = v end
  return env
end

function M.dead_port()
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return tonumber(port)
end

-- Runs a shell command; returns stdout, stderr, exit code.
function M.run(cmd)
  local errfile = os.tmpname()
  local p = assert(io.popen("(" .. cmd .. ") 2>" .. errfile .. '; echo "__exit $?"', "r"))
  local out = p:read("*a")
  p:close()
  local f = io.open(errfile, "r")
  local err = f and f:read("*a") or ""
  if f then f:close() end
  os.remove(errfile)
  local code = tonumber(out:match("__exit (%d+)%s*$"))
  return (out:gsub("__exit %d+%s*$", "")), err, code
end

-- The environment words that point the bksops command at this simulator.
function Sim:env(extra)
  local vars = {
    BK_SOPS_URL = self.url .. "/prod", BK_APP_CODE = M.APP_CODE, BK_APP_SECRET = M.APP_SECRET,
    BK_USERNAME = "admin", BK_BIZ_ID = "2",
    -- no profile of the machine's own: ~/.config/bksops/config stays out
    -- (and 0.2's names, which are still read)
    BKSOPS_CONFIG = "/dev/null", BKSOPS_PROFILE = false, SOPS_CONFIG = false, SOPS_PROFILE = false,
  }
  for k, v in pairs(extra or {}) do vars[k] = v end
  local unset, set = {"env", "-u", "BKPAAS_APP_SECRET", "-u", "BK_TOKEN", "-u", "BK_ACCESS_TOKEN",
    "-u", "BK_APP_TENANT_ID", "-u", "BKPAAS_APP_TENANT_ID"}, {}
  for k, v in pairs(vars) do
    if v == false then
      unset[#unset + 1] = "-u " .. k -- env takes its options before the assignments
    else
      set[#set + 1] = shell_quote(k .. "=" .. v)
    end
  end
  return table.concat(unset, " ") .. " " .. table.concat(set, " ")
end

M.socket = socket
return M
