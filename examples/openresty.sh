#!/usr/bin/env bash
# The nginx.conf files of docs/, run as printed, with only their paths, port
# and bk-sops URL pointed at this checkout and a bksops-sim, served by
# Debian's nginx with the Lua module (LuaJIT):
#   deploy     docs/openresty.md's nginx.conf: a request to /deploy creates
#              and starts a task and waits for it on cosockets (ngx.sleep)
#   rock       the same, with its path lines those docs/openresty.md gives
#              for the LuaRocks-installed rock, built here into a tree
#   callbacks  docs/callbacks.md's nginx.conf: /deploy waits on the task's
#              completion callback, which bksops-sim sends to /sops-callback/
# With no argument, all three.
# Needs: nginx libnginx-mod-http-lua lua-resty-core luajit2 libluajit2-5.1-dev
# (`make openresty` installs them and runs this), and luarocks for `rock`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# = 0 ]; then
  for mode in deploy rock callbacks; do bash "$0" "$mode"; done
  exit 0
fi
mode=$1
root=$(pwd)
work=$(mktemp -d)
mkdir -p "$work/logs"
sim_pid=
trap '[ -n "$sim_pid" ] && kill $sim_pid 2>/dev/null; [ -f "$work/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

# the n-th ```nginx block of a page (1: the first)
block() {
  awk -v want="$2" '/^```nginx/ {n++; if (n == want) {on = 1; next}} on && /^```/ {exit} on' "$1"
}

case "$mode" in
  deploy) page=docs/openresty.md; block docs/openresty.md 1 > "$work/nginx.conf" ;;
  rock)
    page=docs/openresty.md
    # the rock, built for nginx's LuaJIT into a tree of its own, as the page says
    cmd=$(awk '/^## With the LuaRocks-installed rock/ {s = 1} s && /^```sh/ {on = 1; next} on && /^```/ {exit} on' "$page" \
      | sed -e 's/^sudo //' -e 's/\\$//' | tr '\n' ' ' | sed -e "s|/opt/lua-sops-rocks|$work/tree|g")
    case "$cmd" in luarocks*) ;; *) echo "no luarocks command under the rock's heading of $page"; exit 1 ;; esac
    (eval "$cmd") > "$work/luarocks.log" 2>&1 || { cat "$work/luarocks.log"; exit 1; }
    paths=$(block "$page" 2 | sed -e "s|/opt/lua-sops-rocks|$work/tree|g")
    grep -q lua_package_cpath <<< "$paths" || { echo "no path lines for the rock in $page"; exit 1; }
    # the first nginx.conf, its two path lines replaced by the rock's
    block "$page" 1 | awk -v paths="$paths" '/lua_package_path/ {print paths; next} /lua_package_cpath/ {next} {print}' \
      > "$work/nginx.conf"
    grep -q "$work/tree" "$work/nginx.conf" || { echo "the rock's path lines were not taken"; exit 1; }
    ;;
  callbacks) page=docs/callbacks.md; block docs/callbacks.md 1 > "$work/nginx.conf" ;;
  *) echo "usage: $0 [deploy|rock|callbacks]"; exit 2 ;;
esac

make --no-print-directory all LUA=luajit   # build/luajit/sops/core.so

exec 3< <(exec lua5.4 bin/bksops-sim --port 0 --speed 20 --app-code my-app --app-secret walk-through-secret)
sim_pid=$!
read -r line <&3
sim_url=${line#listening on }
port=$(lua5.4 -e 'local s = require("socket").bind("127.0.0.1", 0); local _, p = s:getsockname(); print(p); s:close()')

# the block, as printed; then only these things change
sed -i -e "s|/opt/lua-sops|$root|g" -e "s|127.0.0.1:8080|127.0.0.1:$port|" -e "s|listen 8080;|listen 127.0.0.1:$port;|" \
  -e "s|10.0.0.5:8080|127.0.0.1:$port|g" -e "s|http://127.0.0.1:8000|$sim_url|" "$work/nginx.conf"
grep -q content_by_lua_block "$work/nginx.conf" || { echo "no nginx.conf in $page"; exit 1; }

# the pid file here (Debian's default is /run/nginx.pid), so that it is
# stopped at the end; as root the workers stay root, to read a checkout in a
# private directory
globals="pid $work/nginx.pid;"
[ "$(id -u)" = 0 ] && globals="$globals user root;"
BK_APP_SECRET=walk-through-secret nginx -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log" -g "$globals"
answer=$(lua5.4 -e "io.write((require('socket.http').request('http://127.0.0.1:$port/deploy')))")
echo "$answer"
case "$answer" in
  *" FINISHED"*) echo "openresty $mode: ok" ;;
  *) echo "openresty $mode: FAILED"; cat "$work/logs/error.log"; exit 1 ;;
esac
if [ "$mode" = callbacks ]; then
  # the task's callback came, and the wait took it
  lua5.4 -e "
    local http, ltn12 = require 'socket.http', require 'ltn12'
    local out = {}
    http.request{url = '$sim_url/_sim/callbacks', sink = ltn12.sink.table(out)}
    local body = table.concat(out)
    if not body:find('\"status\": *\"SUCCESS\"') then io.stderr:write('no callback delivered: ', body, '\n') os.exit(1) end"
  echo "openresty callbacks: the callback was delivered"
fi
