-- make bench-ir, inside nginx: make bench-openresty's c. and c2. in
-- instructions (callgrind), the worker's own, for a change of a few percent
-- to show where the worker's CPU time cannot tell it:
--  c.  a small get_task_status through lua-sops (LuaJIT, the cosocket
--      transport) against hand-written cosocket code plus lua-cjson (the
--      lua-resty-http way: spec/ngx/app.lua's handloop), target at most 1.05;
--  c2. the same for a get_task_detail, a larger body, target at most 1.00.
-- Each figure is the difference of two runs of a worker under callgrind
-- (nginx without a master process) that differ only in how many calls one
-- request makes, so that start-up, the request and the exit cancel out.
-- Runs on Lua 5.4 with luasocket; bksops-sim runs apart.
local h = require "helpers"
local nginx = require "ngx.nginx"

local N1, N2 = 20, 1020
local VALGRIND = "valgrind --tool=callgrind --log-file=/dev/null --smc-check=all-non-file "

local sim = h.start_sim({"--speed", "1000", "--app-code", "nginx-app", "--app-secret", "nginx-secret"})

-- the instructions of one worker that served one request of `case`
-- making n calls of api
local function worker(case, api, n, task_id)
  local out = os.tmpname()
  -- (LuaJIT's code is made at run time: callgrind looks for it everywhere;
  -- a signal reaches a worker under valgrind when its wait ends, which a
  -- timer of a tenth of a second makes soon)
  local server = nginx.start({main = "master_process off;", prefix = VALGRIND .. "--callgrind-out-file=" .. out .. ".%p ",
    http = "init_worker_by_lua_block { ngx.timer.every(0.1, function() end) }"})
  local status, body = server.get(string.format("/case/%s?transport=ngx&n=%d&task_id=%d&sim=%s&api=%s", case, n,
    task_id, sim.url, api))
  local pid = server.stop("TERM", 30) -- (callgrind writes its count as the worker ends)
  local text = h.read(out .. "." .. pid) or ""
  os.execute("rm -f " .. out .. " " .. out .. ".*")
  assert(status == 200, "the worker's request failed: " .. tostring(body))
  return assert(tonumber(text:match("\nsummary: (%d+)")), "callgrind wrote no count for the worker")
end

local function per_call(case, api, task_id)
  return (worker(case, api, N2, task_id) - worker(case, api, N1, task_id)) / (N2 - N1)
end

local ok, err = pcall(function()
  local t = sim:task({template_id = 1})
  for _, c in ipairs({{"c.", "get_task_status", 1.05}, {"c2.", "get_task_detail", 1.00}}) do
    local label, api, target = c[1], c[2], c[3]
    local mine, hand = per_call("loop", api, t.task_id), per_call("handloop", api, t.task_id)
    print(string.format("%s %s in the worker: lua-sops %.1fk instructions/call; floor: hand-written cosocket + "
      .. "lua-cjson %.1fk; ratio %.2f (target <= %.2f) %s", label, api, mine / 1e3, hand / 1e3, mine / hand, target,
      mine / hand <= target and "PASS" or "FAIL"))
  end
end)
sim:stop()
if not ok then error(err, 0) end
