-- make bench-openresty: lua-sops inside nginx (one worker, LuaJIT, the
-- cosocket transport) against bksops-sim, measured from outside:
--  a. how fast a trivial location answers while 20 slow lua-sops calls
--     (answers delayed 2 s) are in flight in the same worker;
--  b. the wall time of those 20 slow calls together;
--  c. a small get_task_status, c2. a get_task_detail (a larger body): the
--     worker's CPU per call through lua-sops against hand-written cosocket
--     code plus lua-cjson, and calls per second;
--  d. wait_all over 1,000 tasks in one request: get_tasks_status calls a round.
-- Runs on Lua 5.4 with luasocket; nginx runs spec/ngx/app.lua's cases.
local h = require "helpers"
local nginx = require "ngx.nginx"
local socket = require "socket"
local cjson = require "cjson"

-- BENCH_TRANSPORT=curl measures a and b through libcurl, which blocks the
-- worker (what lua-sops did inside nginx before the cosocket transport),
-- with 2 slow calls instead of 20
local TRANSPORT = os.getenv("BENCH_TRANSPORT") or "ngx"
local SLOW, DELAY = TRANSPORT == "curl" and 2 or 20, 2
local N = tonumber(os.getenv("BENCH_CALLS") or "") or 2000

-- the simulator on the first CPU (SOPS_SIM_PREFIX, see the Makefile), nginx
-- on the second
local sim = h.start_sim({"--speed", "1000", "--app-code", "nginx-app", "--app-secret", "nginx-secret"})
local server = nginx.start({prefix = "taskset -c 1 "})

local function get(path)
  local t0 = socket.gettime()
  local status, body = server.get(path)
  return status, body, socket.gettime() - t0
end

local function median(list)
  local sorted = {}
  for i, v in ipairs(list) do sorted[i] = v end
  table.sort(sorted)
  return sorted[math.floor((#sorted + 1) / 2)]
end

local ok, err = pcall(function()
  local t = sim:task({template_id = 1})
  -- a, b: 20 requests, each one lua-sops call answered after 2 s
  sim:fault({kind = "delay", seconds = DELAY, match = "/get_task_status/", count = SLOW})
  local started = socket.gettime()
  local conns = {}
  for i = 1, SLOW do
    conns[i] = assert(socket.connect("127.0.0.1", server.port))
    conns[i]:send(string.format("GET /case/read?transport=%s&timeout=60&task_id=%d&sim=%s HTTP/1.0\r\n\r\n",
      TRANSPORT, t.task_id, sim.url))
  end
  -- (through libcurl the worker takes one request at a time: the first is enough)
  h.wait_until(function() return #sim:requests_to("/get_task_status/") >= (TRANSPORT == "curl" and 1 or SLOW) end)
  local static, lua = {}, {}
  for _ = 1, TRANSPORT == "curl" and 3 or 20 do
    local _, _, s = get("/static")
    local _, _, l = get("/lua")
    static[#static + 1], lua[#lua + 1] = s, l
  end
  local in_flight = 0
  for _, c in ipairs(conns) do
    c:settimeout(0)
    local _, e = c:receive(1)
    if e == "timeout" then in_flight = in_flight + 1 end
  end
  for _, c in ipairs(conns) do
    c:settimeout(120)
    local answer = c:receive("*a") or ""
    assert(answer:find('"state"', 1, true), "a slow call failed: " .. answer)
    c:close()
  end
  local wall = socket.gettime() - started
  if TRANSPORT == "curl" then
    -- (the first sample waits behind the blocked worker; the later ones find it free)
    print(string.format("(through libcurl) a. trivial location while the calls wait: static %.0f ms, Lua %.0f ms; "
      .. "b. %d calls delayed %d s: %.2f s together", static[1] * 1000, lua[1] * 1000, SLOW, DELAY, wall))
    return
  end
  print(string.format("a. trivial location while %d slow calls wait (%d still in flight when sampled): "
    .. "static %.2f ms, Lua %.2f ms median (target < 10 ms) %s", SLOW, in_flight, median(static) * 1000,
    median(lua) * 1000, math.max(median(static), median(lua)) < 0.010 and "PASS" or "FAIL"))
  print(string.format("b. %d calls delayed %d s, together: %.2f s (target < 2.5 s) %s", SLOW, DELAY, wall,
    wall < 2.5 and "PASS" or "FAIL"))

  -- c: rounds of N reads each way, taking turns; the median ratio and its
  -- spread. c. a small get_task_status; c2. a get_task_detail, a larger body
  local function versus(label, api, target)
    local ratios, best_sops, best_hand = {}, math.huge, math.huge
    for _ = 1, 9 do
      local q = string.format("n=%d&task_id=%d&sim=%s&api=%s", N, t.task_id, sim.url, api)
      local _, a = get("/case/loop?transport=ngx&" .. q)
      local _, b = get("/case/handloop?" .. q)
      a, b = cjson.decode(a), cjson.decode(b)
      ratios[#ratios + 1] = a.cpu / b.cpu
      best_sops, best_hand = math.min(best_sops, a.cpu / N), math.min(best_hand, b.cpu / N)
    end
    local size = #select(4, sim:get(string.format("/prod/%s/%d/2/?scope=cmdb_biz", api, t.task_id), {auth =
      '{"bk_app_code":"nginx-app","bk_app_secret":"nginx-secret","bk_username":"admin"}'}))
    table.sort(ratios)
    local r = median(ratios)
    print(string.format("%s %s in the worker (%d-byte body): lua-sops %.1f us CPU/call (%.0f calls/s of CPU); "
      .. "floor: hand-written cosocket + lua-cjson %.1f us; ratio %.2f median, %.2f-%.2f over 9 rounds "
      .. "(target <= %.2f) %s", label, api, size, best_sops * 1e6, 1 / best_sops, best_hand * 1e6, r, ratios[1],
      ratios[#ratios], target, r <= target and "PASS" or "FAIL"))
  end
  versus("c.", "get_task_status", 1.05)
  versus("c2.", "get_task_detail", 1.00)

  -- d: 1,000 tasks, started, waited on together
  sim:reset()
  sim:control("POST", "time", {speed = 10}) -- (a task takes 0.5 s: several rounds)
  local first, last
  for i = 1, 1000 do
    local task = sim:task({template_id = 1, start = true})
    if i == 1 then first = task.task_id end
    last = task.task_id
  end
  sim:clear_log()
  local _, body = get(string.format("/case/wait_all?transport=ngx&from=%d&to=%d&sim=%s", first, last, sim.url))
  local out = cjson.decode(body)
  local calls = #sim:requests_to("/get_tasks_status/")
  local per_round = calls / out.rounds
  print(string.format("d. wait_all over 1000 tasks: %d finished, %d rounds, %d get_tasks_status calls, "
    .. "%.1f a round (target <= 20) %s", out.finished, out.rounds, calls, per_round,
    per_round <= 20 and "PASS" or "FAIL"))
end)
server.stop()
sim:stop()
if not ok then error(err, 0) end
