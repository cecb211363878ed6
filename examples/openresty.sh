#!/usr/bin/env bash
# README's OpenResty walk-through, run as printed: the nginx.conf under
# "## OpenResty" in README.md, with only its paths, port and bk-sops URL
# pointed at this checkout and a bksops-sim, served by Debian's nginx with the
# Lua module (LuaJIT). A request to /deploy creates and starts a task and
# waits for it on cosockets, sleeping with ngx.sleep.
# Needs: nginx libnginx-mod-http-lua lua-resty-core luajit2 libluajit2-5.1-dev
# (`make openresty` installs them and runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
mkdir -p "$work/logs"
sim_pid=
trap '[ -n "$sim_pid" ] && kill $sim_pid 2>/dev/null; [ -f "$work/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

make --no-print-directory all LUA=luajit   # build/luajit/sops/core.so

exec 3< <(exec lua5.4 bin/bksops-sim --port 0 --speed 20 --app-code my-app --app-secret walk-through-secret)
sim_pid=$!
read -r line <&3
sim_url=${line#listening on }
port=$(lua5.4 -e 'local s = require("socket").bind("127.0.0.1", 0); local _, p = s:getsockname(); print(p); s:close()')

# the block, as printed; then only these three things change
awk '/^## OpenResty/ {in_section = 1} in_section && /^```nginx/ {on = 1; next} on && /^```/ {exit} on' README.md \
  | sed -e "s|/opt/lua-sops|$root|g" -e "s|127.0.0.1:8080|127.0.0.1:$port|" -e "s|http://127.0.0.1:8000|$sim_url|" \
  > "$work/nginx.conf"
grep -q content_by_lua_block "$work/nginx.conf" || { echo "no nginx.conf in README's OpenResty section"; exit 1; }

# the pid file here (Debian's default is /run/nginx.pid), so that it is
# stopped at the end; as root the workers stay root, to read a checkout in a
# private directory
globals="pid $work/nginx.pid;"
[ "$(id -u)" = 0 ] && globals="$globals user root;"
BK_APP_SECRET=walk-through-secret nginx -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log" -g "$globals"
answer=$(lua5.4 -e "io.write((require('socket.http').request('http://127.0.0.1:$port/deploy')))")
echo "$answer"
case "$answer" in
  *" FINISHED"*) echo "openresty walk-through: ok" ;;
  *) echo "openresty walk-through: FAILED"; cat "$work/logs/error.log"; exit 1 ;;
esac
