-- make bench-callbacks: how quickly a wait on a completion callback
-- returns, and what it costs bk-sops.
--  1. from the receiver's taking the task's callback to wait's return: at
--     most 100 ms, over RUNS tasks (median and worst reported);
--  2. the status polls of such a wait: 2 (the first, one after the
--     callback), where plain polling with the defaults asks every 2 to 15 s;
--  3. a flood of forged callbacks (wrong tokens) answered while a wait
--     sleeps: the receiver's rate, and the Lua memory it leaves behind.
-- bksops-sim's time is frozen and moved through its control API after each
-- wait's first poll, so the task ends while the wait sleeps.
local sops = require "sops"
local core = require "sops.core"
local cjson = require "cjson"
local http = require "socket.http"
local ltn12 = require "ltn12"

local APP, SECRET, RUNS, FLOOD = "bench-app", "bench-secret", 40, 20000

local proc = assert(io.popen("echo $$; exec lua5.4 bin/bksops-sim --port 0 --speed 0 --app-code " .. APP
  .. " --app-secret " .. SECRET, "r"))
local pid = proc:read("*l")
local url = assert((proc:read("*l") or ""):match("^listening on (.+)$"), "bksops-sim did not start")

local function control(method, path, body)
  local chunks = {}
  local src = body and cjson.encode(body)
  http.request({url = url .. "/_sim/" .. path, method = method, sink = ltn12.sink.table(chunks),
    source = src and ltn12.source.string(src), headers = src and {["content-length"] = #src,
      ["content-type"] = "application/json"} or nil})
  return cjson.decode(table.concat(chunks))
end

local c = sops.new{url = url .. "/prod", app_code = APP, app_secret = SECRET, username = "admin", bk_biz_id = 2}
local r = assert(sops.callbacks.listen{host = "127.0.0.1", port = 0})

local function polls_of(id)
  local n = 0
  for _, req in ipairs(control("GET", "requests").requests) do
    if req.path:find("/get_task_status/" .. id .. "/", 1, true) then n = n + 1 end
  end
  return n
end

local lags, polls = {}, {}
for i = 1, RUNS do
  local task = assert(c:create_task{template_id = 1, name = "bench " .. i, callback = r})
  assert(c:start_task{task_id = task.task_id})
  local st = assert(c:wait{task_id = task.task_id, callback = r, on_poll = function(_, info)
    if info.attempt == 1 then control("POST", "time", {advance = 20}) end
  end})
  lags[i] = core.time() - st.callback.received_at
  polls[#polls + 1] = polls_of(task.task_id)
end
table.sort(lags)
local worst_polls = 0
for _, n in ipairs(polls) do worst_polls = math.max(worst_polls, n) end
local ok1 = lags[#lags] <= 0.1
print(string.format("callback to return: median %.1f ms, worst %.1f ms over %d waits (target <= 100 ms) %s",
  lags[math.ceil(#lags / 2)] * 1000, lags[#lags] * 1000, RUNS, ok1 and "PASS" or "FAIL"))
local ok2 = worst_polls <= 2
print(string.format("status polls per wait: at most %d (target 2) %s", worst_polls, ok2 and "PASS" or "FAIL"))

-- the flood: a child process sends FLOOD forged callbacks while a wait sleeps
local task = assert(c:create_task{template_id = 1, name = "flood", callback = r})
assert(c:start_task{task_id = task.task_id})
local good
for _, req in ipairs(control("GET", "requests").requests) do
  if req.path:find("/create_task/", 1, true) then good = cjson.decode(req.body).callback_url end
end
local path = good:match("^http://[^/]+(/.*)$")
collectgarbage()
local before = collectgarbage("count")
local forger, t0, flood_end
local st = assert(c:wait{task_id = task.task_id, callback = r, on_poll = function(_, info)
  if info.attempt == 1 then
    t0 = core.monotime()
    forger = io.popen("lua5.4 spec/support/forge.lua " .. r:port() .. " " .. path .. " " .. task.task_id .. " "
      .. FLOOD .. " " .. url:match(":(%d+)$"))
  end
end})
flood_end = core.monotime() -- (the forger ends the task after its last request)
forger:read("*a")
forger:close()
collectgarbage()
local grown = collectgarbage("count") - before
print(string.format("forged flood: %d requests and 54 others answered in %.2f s (%.0f/s) during one wait, which ended %s; "
  .. "Lua memory %+.0f KiB after", FLOOD, flood_end - t0, FLOOD / (flood_end - t0), st.state, grown))
r:close()
c:close()
os.execute("kill " .. pid)
proc:close()
os.exit((ok1 and ok2) and 0 or 1)
