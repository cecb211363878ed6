-- The Linux-only check of `make portable`: reads a C file as gcc's
-- preprocessor gives it with its conditions decided the way macOS and the
-- BSDs decide them (-DSOPS_FORCE_PORTABLE) but no macro expanded
-- (-fdirectives-only, so that a constant such as O_PATH is still seen by
-- its name), and fails, naming file and line, where the project's own code
-- still includes a Linux-only header or names a Linux-only call, flag or
-- constant. What the system's headers declare is not looked at, only what
-- lua-sops writes; comments and string literals are not code.
--   gcc -E -fdirectives-only ... csrc/x.c | lua tools/portable.lua [PREFIX]
-- PREFIX: the path the project's files start with (default csrc/).
local prefix = arg[1] or "csrc/"

-- Headers that exist on Linux only (a path ending so, or under linux/ or asm/).
local HEADERS = {
  "sys/signalfd.h", "sys/epoll.h", "sys/eventfd.h", "sys/timerfd.h", "sys/inotify.h", "sys/prctl.h",
  "sys/sendfile.h", "sys/sysinfo.h", "sys/vfs.h", "sys/statfs.h", "sys/personality.h", "sys/fsuid.h",
  "sys/sysmacros.h", "sys/auxv.h", "sys/xattr.h", "mntent.h", "features.h", "endian.h", "byteswap.h",
  "malloc.h", "error.h", "gnu/libc-version.h",
}
local HEADER_DIRS = {"linux/", "asm/", "asm-generic/"}

-- Calls, flags and constants that are Linux's own (or glibc's), with what
-- macOS and the BSDs have instead.
local NAMES = {
  signalfd = "kqueue EVFILT_SIGNAL", signalfd_siginfo = "kqueue EVFILT_SIGNAL",
  SFD_NONBLOCK = "kqueue", SFD_CLOEXEC = "kqueue",
  MSG_NOSIGNAL = "SO_NOSIGPIPE on macOS (MSG_NOSIGNAL only under #ifdef)",
  MSG_MORE = "nothing", MSG_CMSG_CLOEXEC = "fcntl FD_CLOEXEC",
  prctl = "nothing (only under SOPS_LINUX)", PR_SET_DUMPABLE = "setrlimit RLIMIT_CORE",
  epoll_create = "kqueue or poll", epoll_create1 = "kqueue or poll", epoll_ctl = "kqueue or poll",
  epoll_wait = "kqueue or poll", epoll_pwait = "kqueue or poll",
  eventfd = "a pipe", timerfd_create = "kqueue EVFILT_TIMER", timerfd_settime = "kqueue EVFILT_TIMER",
  inotify_init = "kqueue EVFILT_VNODE", inotify_init1 = "kqueue EVFILT_VNODE",
  accept4 = "accept, then fcntl", pipe2 = "pipe, then fcntl", dup3 = "dup2, then fcntl",
  SOCK_CLOEXEC = "fcntl FD_CLOEXEC", SOCK_NONBLOCK = "fcntl O_NONBLOCK",
  getrandom = "arc4random_buf", GRND_NONBLOCK = "arc4random_buf", getauxval = "nothing",
  memfd_create = "mkstemp", sendfile = "read and write", splice = "read and write",
  mremap = "mmap", memrchr = "a loop", strchrnul = "strchr", rawmemchr = "memchr",
  secure_getenv = "getenv", explicit_bzero = "a volatile loop", get_current_dir_name = "getcwd",
  sigtimedwait = "kqueue (macOS and OpenBSD have no sigtimedwait)", sigwaitinfo = "kqueue",
  ppoll = "poll", sched_getcpu = "nothing", gettid = "nothing",
  CLOCK_MONOTONIC_RAW = "CLOCK_MONOTONIC", CLOCK_BOOTTIME = "CLOCK_MONOTONIC",
  CLOCK_MONOTONIC_COARSE = "CLOCK_MONOTONIC", CLOCK_REALTIME_COARSE = "CLOCK_REALTIME",
  O_PATH = "O_RDONLY", O_TMPFILE = "mkstemp", O_DIRECT = "nothing", O_NOATIME = "nothing",
  TCP_KEEPIDLE = "TCP_KEEPALIVE on macOS", TCP_USER_TIMEOUT = "nothing", TCP_CORK = "TCP_NOPUSH",
  TCP_QUICKACK = "nothing", TCP_DEFER_ACCEPT = "SO_ACCEPTFILTER", SO_PEERCRED = "getpeereid",
  SO_REUSEPORT_LB = "SO_REUSEPORT", SOL_TCP = "IPPROTO_TCP", SIOCOUTQ = "nothing",
  program_invocation_name = "getprogname", program_invocation_short_name = "getprogname",
}

local function ends_with(s, tail) return tail == "" or s:sub(-#tail) == tail end

local function header_problem(path)
  for _, h in ipairs(HEADERS) do
    if ends_with(path, "/" .. h) or path == h then return h end
  end
  for _, d in ipairs(HEADER_DIRS) do
    local at = path:find("/" .. d, 1, true) or (path:sub(1, #d) == d and 0)
    if at then return path:sub(at + 1) end
  end
end

-- The code of a line: its comments and string and character literals
-- blanked. in_comment: whether a /* comment is open at its start. Returns
-- the code, and whether a comment is still open at its end.
local function code_of(text, in_comment)
  local out, i, n = {}, 1, #text
  while i <= n do
    local c, two = text:sub(i, i), text:sub(i, i + 1)
    if in_comment then
      if two == "*/" then in_comment, i = false, i + 2 else i = i + 1 end
    elseif two == "/*" then
      in_comment, i = true, i + 2
      out[#out + 1] = " "
    elseif two == "//" then
      break
    elseif c == '"' or c == "'" then
      local j = i + 1
      while j <= n and text:sub(j, j) ~= c do
        j = j + (text:sub(j, j) == "\\" and 2 or 1)
      end
      out[#out + 1] = " "
      i = j + 1
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return table.concat(out), in_comment
end

local problems = {}
local function problem(file, line, what)
  problems[#problems + 1] = string.format("%s:%d: %s", file, line, what)
end

local file, line, in_comment = "?", 0, false
for text in io.lines() do
  local n, name, flags = text:match('^# (%d+) "(.-)"(.*)$')
  if n then
    if flags:match("%f[%d]1%f[%D]") then -- entering an include: who included it?
      if file:sub(1, #prefix) == prefix then
        local h = header_problem(name)
        if h then problem(file, line, "includes <" .. h .. ">, a Linux-only header") end
      end
    end
    file, line, in_comment = name, tonumber(n), false
  else
    if file:sub(1, #prefix) == prefix and text:find("%S") then
      local code
      code, in_comment = code_of(text, in_comment)
      for word in code:gmatch("[%a_][%w_]*") do
        if NAMES[word] then
          problem(file, line, word .. ": Linux's, missing on macOS or a BSD (there: " .. NAMES[word] .. ")")
        end
      end
    end
    line = line + 1
  end
end

if #problems > 0 then
  io.stderr:write("Linux-only code on the macOS/BSD path:\n")
  for _, p in ipairs(problems) do io.stderr:write("  ", p, "\n") end
  os.exit(1)
end
