-- make bench-memory: what a big answer costs in memory, as a multiple of
-- its JSON, once and over many calls (issue 27: at most 2.5x over 600).
-- A get_task_status of a 2,000-node task (about 1 MB of JSON) is asked
-- N times (1 and 600; BENCH_MEMORY_CALLS="1,600" to change), each result
-- dropped when the next call starts, as a loop's local is, the last kept.
-- Each line is one fresh child process, so that its peak is its own:
--  peak RSS: VmHWM minus a baseline taken after require, one small call,
--            a full collection and (glibc) malloc_trim, the high-water
--            mark then reset to it (/proc/self/clear_refs), so that no
--            memory freed while loading is reused unseen;
--  Lua heap: the most the Lua allocator held above that baseline, inside
--            the calls too (bench/memstat.c counts it; without that module,
--            collectgarbage("count") after each call);
--  the rest: what the C side adds: the received body, malloc's overhead
--            on the Lua heap's blocks, the allocator's holes;
--  floor:    what one call cannot do without: what one decode makes (the
--            tree, and what the decoder's string cache keeps of it: one
--            decode with the collector stopped) and the received body, both
--            whole when the decoding ends.
-- The configurations are the collector's settings, which the caller owns:
-- the runtime's default (lua5.4's lua.c picks generational; 5.1, 5.3 and
-- LuaJIT start incremental, pause 200), incremental at pause 200 (5.4),
-- 150, 120 and 100, and a full collection before each call. The same loop
-- on core.decode alone (no transport; and without its string cache, where
-- it has one) and on lua-cjson's decode tells the tree's share from the
-- transport's. CPU: the child's own, per call.
local N_LIST = {}
for n in (os.getenv("BENCH_MEMORY_CALLS") or "1,600"):gmatch("%d+") do N_LIST[#N_LIST + 1] = tonumber(n) end
-- at pause 100 Lua 5.4's incremental collector never rests: a call costs
-- about 300 ms of CPU. A configuration whose first loop took more than
-- 50 ms a call makes this many calls at most in its next loops.
local SLOW_CALLS = tonumber(os.getenv("BENCH_MEMORY_SLOW_CALLS") or "") or 20
local TARGET = 2.5
local APP, SECRET = "bench-app", "bench-secret"
local LUA = arg[-1] or "lua5.4"

local function status(field)
  local f = io.open("/proc/self/status", "r")
  if not f then return nil end
  local text = f:read("*a")
  f:close()
  return tonumber(text:match(field .. ":%s*(%d+)"))
end

-- the collector's settings, by name: how a child sets them, and what a
-- line calls them. Lua 5.4's lua.c runs the generational collector (the
-- library's own default, what a host embedding Lua gets, is incremental);
-- there setpause alone changes nothing, the pause goes with a switch to
-- incremental.
local V54 = _VERSION == "Lua 5.4"
local function pause_of(p)
  return {"pause" .. p, V54 and string.format('collectgarbage("incremental", %d)', p)
    or string.format('collectgarbage("setpause", %d)', p)}
end
local CONFIGS = {{"default", "default collector"}}
if V54 then CONFIGS[#CONFIGS + 1] = {"pause200", 'collectgarbage("incremental") (pause 200)'} end
for _, p in ipairs{150, 120, 100} do CONFIGS[#CONFIGS + 1] = pause_of(p) end
CONFIGS[#CONFIGS + 1] = {"full1", "collectgarbage() before each call"}
local function configure(name)
  local p = tonumber(name:match("^pause(%d+)$"))
  if p and V54 then
    collectgarbage("incremental", p)
  elseif p then
    collectgarbage("setpause", p)
  end
  return name == "full1" and 1 or nil
end

-- the collector a runtime starts with: "generational" or "incremental/PAUSE"
local function default_collector()
  if V54 and collectgarbage("incremental") == "generational" then
    collectgarbage("generational")
    return "generational"
  end
  local pause = collectgarbage("setpause", 200)
  collectgarbage("setpause", pause)
  return "incremental/" .. pause
end

-- the child: one measured loop (or, for "tree", what the loops need to
-- know), its numbers on one line
if arg[1] == "--child" then
  local what, config, n = arg[2], arg[3], tonumber(arg[4])
  local collector = default_collector()
  local ok_ms, memstat = pcall(require, "bench.memstat")
  if not ok_ms then memstat = nil end
  local call
  if what == "call" then
    local sops = require "sops"
    local c = sops.new{url = arg[5], app_code = APP, app_secret = SECRET, username = "admin", bk_biz_id = 2}
    assert(c:get_task_status{task_id = tonumber(arg[7])}) -- the connection and libcurl's buffers, made
    local big = {task_id = tonumber(arg[6])}
    call = function() return assert(c:get_task_status(big)) end
  else
    local f = assert(io.open(arg[5], "rb"))
    local text = f:read("*a")
    f:close()
    local core = require "sops.core"
    local decode = (what == "cjson" or config == "cjson") and require("cjson").decode or core.decode
    -- "nocache": core.decode without the decoder's string cache (where it has one)
    if config == "nocache" and core.decode_cache then
      local plain, opts = decode, {cache = false}
      decode = function(t) return plain(t, opts) end
    end
    assert(decode('{"a": [1, "b"]}'))
    call = function() return decode(text) end
  end
  if what == "tree" then
    -- what one decode allocates, with the collector stopped; then what
    -- stays with the tree, and without it (a cache's)
    collectgarbage()
    collectgarbage()
    collectgarbage("stop")
    local before = collectgarbage("count")
    local hold = {assert(call())}
    local made = (collectgarbage("count") - before) * 1024
    collectgarbage("restart")
    collectgarbage()
    collectgarbage()
    local live = (collectgarbage("count") - before) * 1024
    assert(hold[1])
    hold[1] = nil
    collectgarbage()
    collectgarbage()
    local kept = (collectgarbage("count") - before) * 1024
    local f = io.open("/proc/self/clear_refs", "w")
    print(string.format("tree=%.0f live=%.0f kept=%.0f tracked=%s trimmed=%s reset=%s collector=%s", made, live, kept,
      tostring(memstat ~= nil), tostring(memstat and memstat.trim() or false),
      tostring(f and f:write("5") and f:close() and true or false), collector))
    os.exit(0)
  end
  local every = configure(config)
  collectgarbage()
  collectgarbage()
  if memstat then memstat.trim() end
  local f = io.open("/proc/self/clear_refs", "w")
  if f then f:write("5") f:close() end
  local base = assert(status("VmHWM"), "no /proc/self/status: bench-memory needs Linux")
  local heap0 = collectgarbage("count") * 1024
  if memstat then
    memstat.track()
    local _, now = memstat.peak()
    heap0 = now
  end
  local sampled, kept = heap0, {}
  local t0 = os.clock()
  for i = 1, n do
    kept[1] = nil -- the last result is garbage once the next call starts, as a loop's local is
    if every and i % every == 0 then collectgarbage() end
    kept[1] = call()
    local h = collectgarbage("count") * 1024
    if h > sampled then sampled = h end
  end
  local cpu = os.clock() - t0
  local heap = memstat and memstat.peak() or sampled
  assert(kept[1])
  print(string.format("rss=%.0f heap=%.0f cpu=%.6f", (status("VmHWM") - base) * 1024, heap - heap0, cpu / n))
  os.exit(0)
end

-- the parent
local sops = require "sops"
local core = require "sops.core"
local http = require "socket.http"
local ltn12 = require "ltn12"

local PIN = os.getenv("BENCH_SIM_CPU") and ("taskset -c " .. os.getenv("BENCH_SIM_CPU") .. " ") or ""
local sim = assert(io.popen("echo $$; exec " .. PIN .. "lua5.4 bin/bksops-sim --port 0 --speed 1000 --app-code " .. APP
  .. " --app-secret " .. SECRET, "r"))
local pid = sim:read("*l")
local url = assert((sim:read("*l") or ""):match("^listening on (.+)$"), "bksops-sim did not start")
local file = os.tmpname()

local function child(what, config, n, a, b, c)
  local cmd = table.concat({LUA, "bench/memory.lua", "--child", what, config, n, a, b or "", c or ""}, " ")
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  local r = {}
  for k, v in out:gmatch("(%w+)=(%S+)") do r[k] = tonumber(v) or v end
  assert(r.rss or r.tree, "child failed: " .. cmd .. "\n" .. out)
  return r
end

local function mb(bytes) return bytes / 1048576 end

local ok, err = pcall(function()
  local c = sops.new{url = url .. "/prod", app_code = APP, app_secret = SECRET, username = "admin", bk_biz_id = 2}
  local small = assert(c:create_task{template_id = 1, name = "bench"}).task_id
  local big = assert(c:create_task{template_id = 7, name = "bench big"}).task_id
  assert(c:start_task{task_id = big})
  core.sleep(1) -- 1,000 simulated seconds: the 2,000-node task has run to the end
  local _, _, resp = c:get_task_status{task_id = big}
  local nodes = 0
  sops.walk(resp.data, function() nodes = nodes + 1 end)
  c:close()
  -- the answer's bytes as the client receives them
  local parts = {}
  local _, code = http.request{
    url = string.format("%s/prod/get_task_status/%d/2/?scope=cmdb_biz", url, big),
    headers = {["X-Bkapi-Authorization"] = string.format(
      '{"bk_app_code":"%s","bk_app_secret":"%s","bk_username":"admin"}', APP, SECRET)},
    sink = ltn12.sink.table(parts)}
  assert(code == 200, "the big answer: HTTP " .. tostring(code))
  local text = table.concat(parts)
  local f = assert(io.open(file, "wb"))
  f:write(text)
  f:close()
  local size = #text

  local probe = child("tree", "sops", 1, file)
  local bare = child("tree", "nocache", 1, file)
  local tree = probe.tree
  local sops_floor = (tree + size) / size
  local cached = probe.kept > size / 20
  print(string.format("memory: get_task_status of a %d-node task, %d bytes of JSON, on %s; its tree holds %.2fx that "
    .. "in the Lua heap%s; floor of a call: what a decode makes and the received body, %.2fx. Peak RSS over a "
    .. "baseline taken %s, in a fresh process a line; the Lua heap's peak %s.", nodes, size, LUA, bare.tree / size,
    cached and string.format(", %.2fx as a call decodes it, the decoder's string cache filling (%.2fx kept after)",
      tree / size, probe.kept / size) or "", sops_floor,
    (probe.trimmed == "true" and "after malloc_trim" or "without malloc_trim (not glibc)")
      .. (probe.reset == "true" and "" or " (VmHWM could not be reset: the loading peak is in it)"),
    probe.tracked == "true" and "counted by the allocator" or "sampled after each call (no bench/memstat.so)"))

  local big_n = N_LIST[#N_LIST]
  local default = probe.collector == "generational" and "generational, as lua.c sets it"
    or "incremental, pause " .. probe.collector:match("%d+")
  for _, cfg in ipairs(CONFIGS) do
    local name, label = cfg[1], cfg[2]
    if name == "default" then label = label .. " (" .. default .. ")" end
    local slow = false
    for _, n in ipairs(N_LIST) do
      local calls = slow and math.min(n, SLOW_CALLS) or n
      local r = child("call", name, calls, url .. "/prod", big, small)
      slow = slow or r.cpu > 0.05 -- (incremental at pause 100, on Lua 5.4)
      local ratio = r.rss / size
      local verdict = ""
      if n > 1 and n == big_n then
        verdict = calls < n and string.format("; %d calls not run (target <= %.1f at %d)", n, TARGET, n)
          or string.format("; target <= %.1f %s", TARGET, ratio <= TARGET and "PASS" or "FAIL")
      end
      print(string.format("calls:  %3d x, %s: peak RSS +%.2f MB, %.2fx the JSON (Lua heap %.2fx, the rest %.2fx); "
        .. "floor %.2fx%s; %.2f ms CPU a call", calls, label, mb(r.rss), ratio, r.heap / size, (r.rss - r.heap) / size,
        sops_floor, verdict, r.cpu * 1e3))
    end
  end

  local cjson_tree = child("tree", "cjson", 1, file).tree
  local decoders = {{"default", "core.decode", tree}}
  if cached then decoders[2] = {"nocache", "core.decode{cache = false}", bare.tree} end
  for _, n in ipairs(N_LIST) do
    local theirs = child("cjson", "default", n, file)
    for _, d in ipairs(decoders) do
      local mine = child("decode", d[1], n, file)
      print(string.format("decode: %3d x, %s alone on the text, default collector: peak RSS %.2fx the JSON (Lua heap "
        .. "%.2fx); floor: what it makes %.2fx; reference: lua-cjson's decode, the same loop, %.2fx (Lua heap %.2fx; "
        .. "its tree %.2fx); %.2f ms CPU a decode, lua-cjson %.2f ms", n, d[2], mine.rss / size, mine.heap / size,
        d[3] / size, theirs.rss / size, theirs.heap / size, cjson_tree / size, mine.cpu * 1e3, theirs.cpu * 1e3))
    end
  end
end)
os.remove(file)
os.execute("kill " .. pid)
sim:close()
assert(ok, err)
