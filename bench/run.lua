-- make bench: the two speed targets of lua-sops, measured.
--  1. a call costs at most 1.3x the CPU of a bare libcurl loop doing the same
--     requests (bench/curl_loop.c), on loopback against bksops-sim;
--  2. a 2,000-node status tree decodes faster than lua-cjson decodes it.
-- CPU time is the client process's own; the simulator runs apart.
local sops = require "sops"
local core = require "sops.core"
local cjson = require "cjson"

local N = tonumber(os.getenv("BENCH_CALLS") or "") or 1000
local ROUNDS = 9 -- the two sides take turns; the median of the rounds' ratios counts
local APP, SECRET = "bench-app", "bench-secret"
local AUTH = string.format('{"bk_app_code":"%s","bk_app_secret":"%s","bk_username":"admin"}', APP, SECRET)

-- the simulator on the first CPU, this process (see the Makefile) on the second
local PIN = os.getenv("BENCH_SIM_CPU") and ("taskset -c " .. os.getenv("BENCH_SIM_CPU") .. " ") or ""
local sim = assert(io.popen("echo $$; exec " .. PIN .. "lua5.4 bin/bksops-sim --port 0 --speed 1000 --app-code " .. APP
  .. " --app-secret " .. SECRET, "r"))
local pid = sim:read("l")
local url = assert((sim:read("l") or ""):match("^listening on (.+)$"), "bksops-sim did not start")

local function cpu() return os.clock() end

local ok, err = pcall(function()
  local c <close> = sops.new{url = url .. "/prod", app_code = APP, app_secret = SECRET, username = "admin",
    bk_biz_id = 2}
  local small = assert(c:create_task{template_id = 1, name = "bench"}).task_id
  local big = assert(c:create_task{template_id = 7, name = "bench big"}).task_id
  assert(c:start_task{task_id = big})
  core.sleep(1) -- 1,000 simulated seconds: the 2,000-node task has run to the end

  -- 1. per-call CPU against the bare libcurl loop, same URL and answer
  local path = string.format("%s/prod/get_task_status/%d/2/?scope=cmdb_biz", url, small)
  for _ = 1, 50 do c:get_task_status{task_id = small} end -- warm up
  local ratios, ours, bare = {}, math.huge, math.huge
  for r = 1, ROUNDS do
    local t0 = cpu()
    for _ = 1, N do assert(c:get_task_status{task_id = small}) end
    local mine = (cpu() - t0) / N * 1e6
    local p = assert(io.popen(string.format("bench/curl_loop '%s' %d '%s' '%s'", path, N, AUTH,
      "lua-sops/0.1 (" .. _VERSION .. ")")))
    local theirs = assert(tonumber(p:read("a")), "curl_loop failed")
    p:close()
    ratios[r] = mine / theirs
    ours, bare = math.min(ours, mine), math.min(bare, theirs)
  end
  table.sort(ratios)
  local ratio = ratios[(ROUNDS + 1) // 2]
  print(string.format("call:   lua-sops %.1f us CPU/call; floor: bare libcurl loop (NOSIGNAL, reused handle) %.1f us "
    .. "(best rounds); ratio %.2f median, %.2f-%.2f over %d rounds (target <= 1.15) %s",
    ours, bare, ratio, ratios[1], ratios[ROUNDS], ROUNDS, ratio <= 1.15 and "PASS" or "FAIL"))

  -- 2. decoding a 2,000-node status tree
  local _, _, resp = c:get_task_status{task_id = big}
  local nodes = 0
  sops.walk(resp.data, function() nodes = nodes + 1 end)
  local text = sops.encode(resp)
  local function best(fn)
    local t = math.huge
    for _ = 1, ROUNDS do
      local t0 = cpu()
      for _ = 1, 20 do fn(text) end
      t = math.min(t, (cpu() - t0) / 20 * 1e3)
    end
    return t
  end
  local mine, theirs = best(core.decode), best(cjson.decode)
  print(string.format("decode: %d nodes, %d bytes: lua-sops %.2f ms, lua-cjson %.2f ms; ratio %.2f (target < 1) %s",
    nodes, #text, mine, theirs, mine / theirs, mine < theirs and "PASS" or "FAIL"))
  -- the same, each decode a first one: the string cache dropped before it
  -- (the next decode makes a new one, as in a new Lua state)
  local cold = best(function(s)
    core.decode_cache("clear")
    return core.decode(s)
  end)
  print(string.format("decode: first, cold cache: lua-sops %.2f ms, lua-cjson %.2f ms; ratio %.2f", cold, theirs,
    cold / theirs))
end)
os.execute("kill " .. pid)
sim:close()
assert(ok, err)
