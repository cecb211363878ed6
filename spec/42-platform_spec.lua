-- What differs between Linux, macOS and the BSDs (csrc/platform.h): the
-- callback listener's guard against SIGPIPE, the simulator's signal watcher
-- (a signalfd on Linux, a kqueue elsewhere), the random source, and the
-- check that no Linux-only call is left on the macOS/BSD path. `make
-- portable` runs these specs again against that path's build, made on
-- Linux (SOPS_PORTABLE is set there).
local h = require "helpers"
local core = require "sops.core"

local PORTABLE = os.getenv("SOPS_PORTABLE") ~= nil

-- Lua code run as a child process on lua, with the core (or the
-- simulator's helpers) of build on its path; what h.spawn returns.
local function child(lua, build, code, prefix)
  return h.spawn(string.format("env %s LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./%s/?.so;;' %s -e %s",
    prefix or "", build, lua, h.shell_quote(code)))
end

describe("the callback listener", function()
  -- a listener in a process whose SIGPIPE has its default action (the
  -- specs' own processes ignore it: luasocket does, and children inherit
  -- that); it answers once the sender has gone
  local LISTEN = [[
local core = require "sops.core"
local l = assert(core.listen("127.0.0.1", 0))
io.write(l:port(), "\n") io.flush()
local requests = l:wait(10)
io.write(#requests, "\n") io.flush()
core.sleep(0.3)
local ok, err = l:answer(requests[1].id, 200, '{"result": true}')
io.write(tostring(ok), "|", tostring(err), "\n")
]]

  it("answers a sender that went away with an error, and its process lives on (no SIGPIPE)", function()
    if PORTABLE then
      return pending("SO_NOSIGPIPE is macOS's own: on Linux only MSG_NOSIGNAL guards, and make portable leaves it out")
    end
    if select(3, h.run("env --default-signal=PIPE true")) ~= 0 then
      return pending("this env(1) cannot give a child SIGPIPE's default action (coreutils 8.31 or later can)")
    end
    local socket = require "socket"
    local proc = child(h.LUA, h.BUILD, LISTEN, "--default-signal=PIPE")
    finally(function() if proc.pipe then os.execute("kill -KILL " .. proc.pid .. " 2>/dev/null") end end)
    local port = tonumber(proc.pipe:read("*l"))
    assert(port, "the listener did not start")
    local s = assert(socket.connect("127.0.0.1", port))
    assert(s:send("POST /cb HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"))
    assert.equal("1", proc.pipe:read("*l")) -- the listener holds the request
    -- gone: its end closed, then reset, so that the answer meets EPIPE
    s:shutdown("send")
    s:setoption("linger", {on = true, timeout = 0})
    s:close()
    local status, out = h.finish(proc)
    assert.equal(0, status, status == 141 and "SIGPIPE ended the listener's process" or out)
    assert.equal("nil|the sender went away before its answer\n", out)
  end)
end)

describe("the simulator's signal watcher (sops.sim.signals)", function()
  local WATCH = [[
local socket = require "socket"
local signals = require "sops.sim.signals"
local w = assert(signals.watch(), "no watcher on this system")
io.write(tostring(w:read()), "\n")
for _ = 1, 2 do
  io.write("ready\n") io.flush()
  socket.select({w}, nil, 5)
  io.write(tostring(w:read()), "\n") io.flush()
end
w:close()
w:close()
io.write("closed\n")
]]

  it("takes SIGTERM and SIGINT as readable events, and the process lives on", function()
    local helper = io.open("build/" .. h.SIM_LUA .. "/sops/sim/signals.so")
    if not helper then return pending("the simulator's helpers are not built (make sim)") end
    helper:close()
    local proc = child(h.SIM_LUA, "build/" .. h.SIM_LUA, WATCH)
    finally(function() if proc.pipe then os.execute("kill -KILL " .. proc.pid .. " 2>/dev/null") end end)
    assert.equal("nil", proc.pipe:read("*l")) -- none pending
    for _, sig in ipairs({"TERM", "INT"}) do
      assert.equal("ready", proc.pipe:read("*l"))
      os.execute("kill -" .. sig .. " " .. proc.pid)
      assert.equal(sig, proc.pipe:read("*l"))
    end
    local status, out = h.finish(proc)
    assert.equal("closed\n", out)
    assert.equal(0, status)
  end)
end)

describe("random_hex", function()
  it("gives n random bytes as 2n hex digits, new on each call", function()
    local a, b = assert(core.random_hex(32)), assert(core.random_hex(32))
    assert.matches("^%x+$", a)
    assert.equal(64, #a)
    assert.are_not.equal(a, b)
    assert.equal(2, #assert(core.random_hex(1)))
    assert.has_error(function() core.random_hex(65) end)
  end)
end)

describe("the Linux-only check (tools/portable.lua, make portable)", function()
  local has_gcc = h.run("command -v gcc") ~= "" and h.run("command -v pkg-config") ~= ""
  local CFLAGS = "-std=c99 -DSOPS_FORCE_PORTABLE -Itools/portable/include"
    .. " $(pkg-config --cflags " .. h.LUA .. " libcurl)"
  -- gcc's preprocessor, conditions decided and nothing expanded, read by
  -- the check: its output, errors and exit status (no sanitizer preloaded)
  local function check(file, prefix)
    return h.run("env -u LD_PRELOAD gcc -E -fdirectives-only " .. CFLAGS .. " " .. file .. " | "
      .. h.LUA .. " tools/portable.lua " .. (prefix or ""))
  end

  if not has_gcc then
    pending("the Linux-only check (skipped: no gcc or no pkg-config)")
    return
  end

  it("names a Linux-only header, call and constant by file and line, and not in comments or strings", function()
    local dir = h.run("mktemp -d"):gsub("%s+$", "")
    finally(function() os.execute("rm -rf '" .. dir .. "'") end)
    os.execute("mkdir '" .. dir .. "/csrc'")
    local f = assert(io.open(dir .. "/csrc/bad.c", "w"))
    f:write([[
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
static const char *why = "MSG_NOSIGNAL accept4";
/* accept4, in a comment
 * MSG_NOSIGNAL */
#ifdef MSG_NOSIGNAL
#define GUARDED 1
#endif
#if 0
int g(void) { return pipe2(0, 0); }
#endif
int f(int fd)
{
    (void)why;
    return (int)send(fd, "", 0, MSG_NOSIGNAL) + open("x", O_PATH);
}
]])
    f:close()
    local _, err, code = check(dir .. "/csrc/bad.c", dir .. "/csrc/")
    assert.equal(1, code)
    local found = {}
    for line in err:gmatch("[^\n]+") do
      local at, what = line:match("csrc/bad%.c:(%d+): (%S+)")
      if at then found[#found + 1] = at .. " " .. what end
    end
    assert.same({"3 includes", "16 MSG_NOSIGNAL:", "16 O_PATH:"}, found)
  end)

  it("finds none in lua-sops' C sources", function()
    local files = h.run("ls csrc/*.c csrc/sim/*.c")
    local n = 0
    for file in files:gmatch("%S+") do
      local _, err, code = check(file)
      assert.equal(0, code, file .. ": " .. err)
      n = n + 1
    end
    assert.is_true(n > 10)
  end)
end)
