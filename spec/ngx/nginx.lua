-- For the nginx specs: starts Debian's nginx with the Lua module (one
-- worker unless told, LuaJIT) on a free loopback port, lua-sops on its
-- package paths, the locations of spec/ngx/app.lua and a completion-callback
-- receiver at /sops-callback/ (lua_shared_dict sops_callbacks), and stops it.
-- /phase/<phase> runs app.in_phase() in that phase (header_filter,
-- body_filter or log), which leaves what its calls returned in
-- lua_shared_dict sops_phases for /case/phase_result to read.
local h = require "helpers"
local socket = require "socket"

local M = {}

local ROOT = assert(io.popen("pwd")):read("*l")
local MODULES = "/usr/lib/nginx/modules"

local CONF = [[
load_module %s/ndk_http_module.so;
load_module %s/ngx_http_lua_module.so;
%s
%s
worker_processes %d;
daemon on;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;
  lua_package_path "%s/lua/?.lua;%s/lua/?/init.lua;%s/spec/ngx/?.lua;%s/spec/?.lua;/usr/share/lua/5.1/?.lua;;";
  lua_package_cpath "%s/build/luajit/?.so;/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;;";
  lua_shared_dict sops_callbacks 1m;
  lua_shared_dict sops_phases 1m;
  %s
  server {
    listen 127.0.0.1:%d;
    location = /static { return 200 "ok\n"; }
    location = /lua { content_by_lua_block { ngx.say("ok") } }
    location /case/ { content_by_lua_block { require("app").run() } }
    location = /idioms { content_by_lua_block { require("app").idioms() } }
    location /sops-callback/ { content_by_lua_block { require("sops.callbacks").handler() } }
    location /phase/ {
      content_by_lua_block { ngx.say("ok") }
      header_filter_by_lua_block { require("app").in_phase() }
      body_filter_by_lua_block { require("app").in_phase() }
      log_by_lua_block { require("app").in_phase() }
    }
    location = /setphase {
      set_by_lua_block $result { return require("app").set_phase(ngx.var.arg_sim, ngx.var.arg_transport) }
      return 200 $result;
    }
  }
}
]]

-- opts.ca: a CA file for lua_ssl_trusted_certificate; opts.workers: how
-- many worker processes (default 1); opts.http: more directives for the
-- http block (init_by_lua_block, init_worker_by_lua_block); opts.main: more
-- for the main context; opts.prefix: a command nginx runs under (the bench
-- pins it to a CPU, or counts its instructions). Returns
-- {url, port, dir, get(path) -> status, body, stop()}.
function M.start(opts)
  opts = opts or {}
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local port = h.dead_port()
  local extra = opts.ca and ("lua_ssl_trusted_certificate " .. opts.ca .. "; lua_ssl_verify_depth 3;") or ""
  if opts.http then extra = extra .. "\n  " .. opts.http end
  local f = assert(io.open(dir .. "/nginx.conf", "w"))
  -- as root, the worker stays root: it reads lua-sops where the checkout is
  -- (a clone in a private temporary directory, in CI)
  local user = h.run("id -u"):match("^0%s*$") and "user root;" or ""
  f:write(CONF:format(MODULES, MODULES, user, opts.main or "", opts.workers or 1, dir, dir, dir, dir, dir, dir, dir,
    ROOT, ROOT, ROOT, ROOT, ROOT, extra, port))
  f:close()
  local _, err, code = h.run((opts.prefix or "") .. "nginx -p " .. dir .. " -c " .. dir .. "/nginx.conf")
  assert(code == 0, "nginx did not start: " .. err)
  -- (the master listens before the command returns)
  local n = {url = "http://127.0.0.1:" .. port, port = port, dir = dir}
  function n.get(path)
    local http = require "socket.http"
    local chunks = {}
    local _, status = http.request({url = n.url .. path, sink = require("ltn12").sink.table(chunks)})
    return status, table.concat(chunks)
  end
  function n.log()
    return h.read(dir .. "/error.log")
  end
  -- signal: "QUIT" (a graceful stop) unless told; seconds: how long to
  -- wait for the process to end (2). Returns its pid.
  function n.stop(signal, seconds)
    local pid = h.read(dir .. "/nginx.pid"):match("%d+")
    if pid then os.execute("kill -" .. (signal or "QUIT") .. " " .. pid .. " 2>/dev/null") end
    for _ = 1, (seconds or 2) * 100 do
      local _, _, c = h.run("kill -0 " .. pid .. " 2>/dev/null")
      if c ~= 0 then break end
      socket.select(nil, nil, 0.01)
    end
    os.execute("rm -rf " .. dir)
    return pid
  end
  return n
end

-- For a describe block: env.start() starts a simulator (sim_args) and an
-- nginx (opts as for M.start), env.sim and env.nginx; env.stop() ends both;
-- env.case(name, query) runs /case/<name> of spec/ngx/app.lua against the
-- simulator and returns its JSON document, decoded.
function M.env(sim_args, opts)
  local env = {}
  function env.start()
    env.sim = h.start_sim(sim_args)
    env.nginx = M.start(opts)
  end
  function env.stop()
    env.nginx.stop()
    env.sim:stop()
  end
  function env.case(name, query)
    local parts = {"sim=" .. env.sim.url}
    for k, v in pairs(query or {}) do parts[#parts + 1] = k .. "=" .. tostring(v) end
    local status, body = env.nginx.get("/case/" .. name .. "?" .. table.concat(parts, "&"))
    assert(status == 200, tostring(status) .. " " .. body .. "\n" .. env.nginx.log())
    return require("cjson").decode(body)
  end
  return env
end

return M
