#!/usr/bin/env bash
# Runs lua-sops inside OpenResty-style nginx (Debian's nginx with the Lua
# module and LuaJIT) against sops-sim: the core built for LuaJIT, a request
# that creates, starts and waits for a task, waiting with ngx.sleep.
# Needs: nginx libnginx-mod-http-lua lua-resty-core luajit2 libluajit2-5.1-dev
# (`make openresty` installs them, as `make deps` does). The nginx.conf it
# writes shows what an OpenResty service needs: lua_package_path and
# lua_package_cpath pointing at lua-sops and a core built for LuaJIT.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'kill $sim_pid 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

make --no-print-directory all LUA=luajit   # build/luajit/sops/core.so

exec 3< <(exec lua5.4 bin/sops-sim --port 0 --speed 20 --app-code nginx-app --app-secret nginx-secret)
sim_pid=$!
read -r line <&3
sim_url=${line#listening on }

port=$(lua5.4 -e 'local s = require("socket").bind("127.0.0.1", 0); local _, p = s:getsockname(); print(p); s:close()')
cat > "$work/nginx.conf" <<CONF
include /etc/nginx/modules-enabled/*.conf;
daemon on;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work;
  uwsgi_temp_path $work; scgi_temp_path $work;
  lua_package_path "$root/lua/?.lua;$root/lua/?/init.lua;/usr/share/lua/5.1/?.lua;;";
  lua_package_cpath "$root/build/luajit/?.so;;";
  server {
    listen 127.0.0.1:$port;
    location /t {
      content_by_lua_block {
        local sops = require "sops"
        local c = sops.new{url = "$sim_url/prod", app_code = "nginx-app", app_secret = "nginx-secret",
          username = "admin", bk_biz_id = 2}
        local task = assert(c:create_task{template_id = 1, name = "from nginx"})
        assert(c:start_task{task_id = task.task_id})
        local real, slept = ngx.sleep, 0
        ngx.sleep = function(d) slept = slept + 1; return real(d) end
        local status, err = c:wait{task_id = task.task_id, interval = 0.05, timeout = 30}
        ngx.sleep = real
        c:close()
        ngx.say(status and status.state or tostring(err), " ", slept > 0 and "ngx.sleep" or "no ngx.sleep",
          " ", jit and jit.version or _VERSION)
      }
    }
  }
}
CONF
# the module lines of modules-enabled are relative to the default prefix
nginx -p /usr/share/nginx -c "$work/nginx.conf"
answer=$(lua5.4 -e "io.write((require('socket.http').request('http://127.0.0.1:$port/t')))")
echo "$answer"
case "$answer" in
  "FINISHED ngx.sleep "*) echo "openresty check: ok" ;;
  *) echo "openresty check: FAILED"; cat "$work/error.log"; exit 1 ;;
esac
