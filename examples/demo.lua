-- make demo: the whole job on the bundled simulator, no configuration.
-- Starts bksops-sim on a free loopback port, creates a task whose "deploy"
-- node fails on its first attempt, starts it and watches it live, retries
-- the failed node with new inputs, waits until FINISHED, prints a summary,
-- then runs a second task and waits on its completion callback (polling a
-- minute apart otherwise), a third whose node bk-sops retries by itself
-- (the wait goes on through it and returns the outputs), and stops the
-- simulator.
local sops = require "sops"
local callbacks = require "sops.callbacks"
local core = require "sops.core"
local render = require "sops.cli.render"
local live = require "sops.cli.live"

local SPEED = tonumber(os.getenv("DEMO_SPEED") or "") or 4
local SIM_LUA = os.getenv("SOPS_SIM_LUA") or "lua5.4" -- the simulator needs Lua 5.3+

-- 1. the simulator, on a port of its choosing
local sim = assert(io.popen("echo $$; exec " .. SIM_LUA .. " bin/bksops-sim --port 0 --speed " .. SPEED
  .. " --app-code demo-app --app-secret demo-secret", "r"))
local sim_pid = sim:read("*l")
local url = (sim:read("*l") or ""):match("^listening on (.+)$")
assert(url, "bksops-sim did not start")
local function stop_sim()
  os.execute("kill " .. sim_pid)
  sim:close()
end

local tty = core.isatty(1)
local paint = render.painter(render.want_color(tty, os.getenv))
local function say(...) io.stdout:write(...); io.stdout:write("\n"); io.stdout:flush() end

-- (closed below; under Lua 5.4, `local client <close> = ...` does it too)
local client = sops.new{
  url = url .. "/prod", app_code = "demo-app", app_secret = "demo-secret", username = "admin", bk_biz_id = 2,
}

local ok, err = pcall(function()
  say(paint("bold", "lua-sops demo"), "  (bksops-sim at ", url, ", ", SPEED, "x speed)")

  -- 2. find the template and create a task from it
  local templates = assert(client:get_template_list{name_keyword = "flaky"})
  local template = templates[1]
  local task = assert(client:create_task{template_id = template.id, name = "demo deploy",
    constants = {["${version}"] = "1.0.0"}})
  say("created task ", task.task_id, " from template ", template.id, " (", template.name, ")")
  assert(client:start_task{task_id = task.task_id})

  -- 3. watch it live until it needs a human
  local detail = client:get_task_detail{task_id = task.task_id}
  local view = tty and live.new(io.stdout, paint, {tree = detail.pipeline_tree}) or nil
  local shown = {} -- each wait reports from scratch: print only what is new
  local function on_change(ev)
    local key = table.concat({ev.node_id or "task", ev.to, ev.node.retry or 0}, "|")
    if not shown[key] then
      shown[key] = true
      say(render.event_line(ev, paint))
    end
  end
  local function watch()
    local status, werr = client:wait{
      task_id = task.task_id, timeout = 60, interval = 0.2, max_interval = 0.5,
      on_change = (not view) and on_change or nil,
      on_poll = view and function(st) if st then view:draw(view:lines(task.task_id, st)) end end or nil,
    }
    return assert(status, werr)
  end
  local status = watch()
  say("task is ", paint(status.state, status.state))

  -- 4. repair: retry every failed node with new inputs
  for _, failed in ipairs(sops.failed_nodes(status)) do
    say(string.format("retrying %s (%s): %s", failed.node.name, failed.id, render.one_line(status.ex_data[failed.id])))
    assert(client:retry_node{task_id = task.task_id, node_id = failed.id, inputs = {version = "1.0.1"}})
  end
  if view then view.drawn = 0 end
  status = watch()

  -- 5. summary
  say("")
  for _, line in ipairs(render.tree_lines(status, {paint = paint})) do say(line) end
  local finished, total, retried = 0, 0, 0
  sops.walk(status, function(node, _, depth)
    if depth > 0 and node.name ~= "" then
      total = total + 1
      if node.state == "FINISHED" then finished = finished + 1 end
      if (node.retry or 0) > 0 then retried = retried + 1 end
    end
  end)
  say(string.format("\ntask %d %s: %d of %d nodes finished, %d retried, %s of simulated time",
    task.task_id, status.state, finished, total, retried, render.duration(status.elapsed_time)))
  assert(status.state == "FINISHED", "the demo task did not finish")

  -- 6. without polling: bk-sops calls a receiver back when the task ends,
  -- and the wait asks get_task_status once then (else once a minute)
  local receiver = assert(callbacks.listen{host = "127.0.0.1", port = 0})
  local quick = assert(client:create_task{template_id = 1, name = "demo with a callback", callback = receiver})
  assert(client:start_task{task_id = quick.task_id})
  say(string.format("\ntask %d waits on its completion callback at %s", quick.task_id, receiver:url()))
  local polls, t0 = 0, core.monotime()
  local done = assert(client:wait{task_id = quick.task_id, callback = receiver,
    on_poll = function() polls = polls + 1 end})
  receiver:close()
  say(string.format("task %d %s after %.1f s: %d status polls, the callback said task_success %s (checked against "
    .. "get_task_status)", quick.task_id, done.state, core.monotime() - t0, polls,
    tostring(done.callback and done.callback.task_success)))
  assert(done.state == "FINISHED" and polls == 2, "the callback wait did not end on its callback")

  -- 7. a node bk-sops retries by itself: it reads FAILED until the retry,
  -- and the wait goes on through it, then returns the task's outputs
  local auto = assert(client:create_and_start_task{template_id = 8, name = "demo automatic retry",
    constants = {["${version}"] = "1.0.1"}})
  say(string.format("\ntask %d: its deploy node has an automatic-retry strategy", auto.task_id))
  local retried_status = assert(client:wait{task_id = auto.task_id, timeout = 60, interval = 0.2, max_interval = 0.5,
    outputs = true, on_change = function(ev) say(render.event_line(ev, paint)) end})
  for _, out in ipairs(retried_status.outputs) do say(string.format("output %s = %s", out.key, tostring(out.value))) end
  say(string.format("task %d %s, without a line of retry code", auto.task_id, retried_status.state))
  assert(retried_status.state == "FINISHED", "the automatic retry was not waited through")
end)
client:close()
stop_sim()
if not ok then
  io.stderr:write("demo failed: ", tostring(err), "\n")
  os.exit(1)
end
