-- make bench-ir: instruction counts (valgrind's callgrind), deterministic,
-- so that a change of a few percent shows on a noisy machine where the
-- timings of make bench cannot tell it:
--  call.   a small get_task_status through lua-sops against the floor
--          issue 27 sets, bench/curl_loop (one reused libcurl handle,
--          CURLOPT_NOSIGNAL, the URL given once as a string, the same
--          request and answer), and against libcurl's own least work for
--          it, the loop driving libcurl as lua-sops does (curl_loop ...
--          handle: the URL as a URL handle parsed once): what lua-sops
--          itself adds;
--  decode. the 2,000-node status tree and a small status answer, decoded by
--          lua-sops (a first decode, then the same text again: every poll
--          of wait) against lua-cjson.
-- Each figure is the difference of two runs that differ only in how many
-- times the measured thing is done, so start-up and set-up cancel out. The
-- windows are long: a cycle of the collector is a lump of some 600k
-- instructions, and over a short window whether one falls inside depended
-- on where the allocator put things (a different working directory moved
-- the small answer's figure from 0.42 to 0.58). The
-- client runs under valgrind; bksops-sim runs apart. The targets are those
-- of make bench, in instructions.
local sops = require "sops"

local APP, SECRET = "bench-app", "bench-secret"
local AUTH = string.format('{"bk_app_code":"%s","bk_app_secret":"%s","bk_username":"admin"}', APP, SECRET)
local LUA = arg[-1] or "lua5.4"
local ENV = 'LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="' .. (os.getenv("BENCH_CPATH") or "./build/lua5.4/?.so;;")
  .. '" '

-- the child: one measured run (see below)
if arg[1] == "--child" then
  local what, n = arg[2], tonumber(arg[4])
  if what == "call" then
    local c = sops.new{url = arg[3], app_code = APP, app_secret = SECRET, username = "admin", bk_biz_id = 2}
    local id = tonumber(arg[5])
    assert(c:get_task_status{task_id = id}) -- the connection, warm
    for _ = 1, n do assert(c:get_task_status{task_id = id}) end
    c:close()
  else
    local f = assert(io.open(arg[3], "rb"))
    local text = f:read("a")
    f:close()
    local decode = what == "cjson" and require("cjson").decode or require("sops.core").decode
    for _ = 1, n do decode(text) end
  end
  os.exit(0)
end

-- instructions a command ran (callgrind's total), the child's own only
local function ir(cmd, env)
  local p = assert(io.popen((env or "") .. "valgrind --tool=callgrind --callgrind-out-file=/dev/null " .. cmd .. " 2>&1"))
  local out = p:read("a")
  p:close()
  return assert(tonumber(out:match("Collected : (%d+)")), "callgrind failed: " .. out)
end
local function child(what, a, n, b)
  return ir(LUA .. " bench/ir.lua --child " .. what .. " " .. a .. " " .. n .. " " .. (b or ""), ENV)
end

local sim = assert(io.popen("echo $$; exec lua5.4 bin/bksops-sim --port 0 --speed 1000 --app-code " .. APP
  .. " --app-secret " .. SECRET, "r"))
local pid = sim:read("l")
local url = assert((sim:read("l") or ""):match("^listening on (.+)$"), "bksops-sim did not start")
local files = {}

local ok, err = pcall(function()
  local c <close> = sops.new{url = url .. "/prod", app_code = APP, app_secret = SECRET, username = "admin",
    bk_biz_id = 2}
  local small = assert(c:create_task{template_id = 1, name = "bench"}).task_id
  local big = assert(c:create_task{template_id = 7, name = "bench big"}).task_id
  assert(c:start_task{task_id = big})
  require("sops.core").sleep(1) -- 1,000 simulated seconds: the 2,000-node task has run to the end

  -- call: per call, from N1 and N2 calls
  local N1, N2 = 20, 1020
  local mine = (child("call", url .. "/prod", N2, small) - child("call", url .. "/prod", N1, small)) / (N2 - N1)
  local path = string.format("%s/prod/get_task_status/%d/2/?scope=cmdb_biz", url, small)
  local function floor_of(n, how)
    return ir(string.format("bench/curl_loop '%s' %d '%s' '%s' %s", path, n, AUTH, "lua-sops/0.1 (" .. _VERSION .. ")",
      how or ""))
  end
  local bare = (floor_of(N2) - floor_of(N1)) / (N2 - N1)
  local least = (floor_of(N2, "handle") - floor_of(N1, "handle")) / (N2 - N1)
  print(string.format("call:   lua-sops %.1fk instructions/call; floor: bare libcurl loop (NOSIGNAL, reused handle) "
    .. "%.1fk; ratio %.2f (target <= 1.15) %s; libcurl's least work, driven as lua-sops drives it (the URL as a URL "
    .. "handle) %.1fk: lua-sops adds %.1fk (x%.2f)", mine / 1e3, bare / 1e3, mine / bare,
    mine / bare <= 1.15 and "PASS" or "FAIL", least / 1e3, (mine - least) / 1e3, mine / least))

  -- decode: the answers as bk-sops sends them
  local function save(resp_of)
    local name = os.tmpname()
    files[#files + 1] = name
    local f = assert(io.open(name, "wb"))
    f:write(sops.encode(resp_of))
    f:close()
    return name
  end
  local _, _, big_resp = c:get_task_status{task_id = big}
  local _, _, small_resp = c:get_task_status{task_id = small}
  local cases = {{"status tree", save(big_resp), 10, 0.55, 0.45}, {"small status", save(small_resp), 3000, nil, 0.5}}
  for _, case in ipairs(cases) do
    local label, file, again, first_target, again_target = case[1], case[2], case[3], case[4], case[5]
    local function per(lib)
      local zero, one, many = child(lib, file, 0), child(lib, file, 1), child(lib, file, 1 + again)
      return one - zero, (many - one) / again
    end
    local first, repeated = per("sops")
    local cj_first, cj_repeated = per("cjson")
    local size = assert(io.open(file, "rb")):seek("end")
    local parts = {}
    if first_target then
      parts[#parts + 1] = string.format("first %.2f (target <= %.2f) %s", first / cj_first, first_target,
        first / cj_first <= first_target and "PASS" or "FAIL")
    end
    parts[#parts + 1] = string.format("again %.2f (target <= %.2f) %s", repeated / cj_repeated, again_target,
      repeated / cj_repeated <= again_target and "PASS" or "FAIL")
    print(string.format("decode: %s, %d bytes: lua-sops %.0fk instructions first, %.0fk again; floor: lua-cjson "
      .. "%.0fk, %.0fk; ratios: %s", label, size, first / 1e3, repeated / 1e3, cj_first / 1e3, cj_repeated / 1e3,
      table.concat(parts, ", ")))
  end
end)
for _, f in ipairs(files) do os.remove(f) end
os.execute("kill " .. pid)
sim:close()
assert(ok, err)
