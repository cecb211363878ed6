-- bksops-sim --demo: a business with an hour of history, so that the
-- documentation's examples (README, docs/command.md, `bksops CMD --help` and
-- the man page) run as printed: a template of its own, "Release web app",
-- and tasks 41 to 48 in the states those examples need. Their node and flow
-- ids are made from the task's id (compile's seed), so an example can name
-- a flow. spec/47-cli_examples_spec.lua runs every example against it.
local M = {}

-- How long ago the first task was created: the tasks lie within `--since 24h`.
M.AGO = 3600

-- deploy fails while the version is 1.4.2, as a bad release does; a retry
-- with other inputs, or a rerun with another version, gets through
M.TEMPLATE = {
  id = 9, name = "Release web app", category = "OpsTools",
  description = "precheck, deploy (fails for version 1.4.2), then a health check and a sync per region",
  constants = {
    {key = "${version}", name = "version", value = "1.0.0"},
    {key = "${hosts}", name = "hosts", value = "10.0.0.11,10.0.0.12"},
  },
  outputs = {"${version}"},
  steps = {
    {name = "precheck", duration = 1, inputs = {hosts = "${hosts}"}},
    {name = "deploy", duration = 3, component = "job_fast_execute_script",
      inputs = {version = "${version}", hosts = "${hosts}"}, outputs = {deployed = "${version}"},
      fail = {when = {version = "1.4.2"}, ex_data = "job execution failed: step[1] exit code 1 on 10.0.0.12"}},
    {name = "per region", subprocess = {steps = {
      {name = "health check", duration = 1},
      {name = "sync", duration = 2},
    }}},
    {name = "notify", duration = 1},
  },
}

-- The tasks, oldest first: {template, name, creator, constants, how}, at
-- `after` seconds after the one before. how: "run" (started: it runs as far
-- as the clock lets it), "create" (not started), "pause" (started, then
-- paused a second in); the last one starts 2 s before now, so that its
-- deploy node is RUNNING.
M.TASKS = {
  {id = 41, template = 9, name = "release 1.4.1", creator = "alice", constants = {["${version}"] = "1.4.1"}},
  {id = 42, template = 9, name = "release 1.4.2", creator = "alice", constants = {["${version}"] = "1.4.2"},
    after = 900},
  {id = 43, template = 3, name = "restart web", after = 300},
  {id = 44, template = 4, name = "branching release", after = 300},
  {id = 45, template = 5, name = "nightly cleanup", after = 300},
  {id = 46, template = 9, name = "release 1.4.3", constants = {["${version}"] = "1.4.3"}, how = "create",
    after = 300},
  {id = 47, template = 3, name = "restart api", how = "pause", after = 300},
  {id = 48, template = 9, name = "release 1.4.3 canary", constants = {["${version}"] = "1.4.3"}},
}

-- Makes the demo in a freshly reset simulator whose clock reads M.AGO
-- seconds before now; leaves the clock at now.
function M.load(sim)
  local engine, clock = sim.engine, sim.clock
  engine:add_template(M.TEMPLATE)
  engine.next_task_id = M.TASKS[1].id
  local elapsed = 0
  local function advance(seconds)
    clock:advance(seconds)
    elapsed = elapsed + seconds
  end
  for i, t in ipairs(M.TASKS) do
    if i == #M.TASKS then advance(M.AGO - 2 - elapsed) elseif t.after then advance(t.after) end
    local task = engine:create_task(sim.projects[1], engine.templates[t.template], {
      name = t.name, creator = t.creator or "admin", constants = t.constants, id_seed = "demo:" .. t.id})
    assert(task.id == t.id, "demo task ids are 41 and on")
    if t.how ~= "create" then engine:queue_start(task) end
    if t.how == "pause" then
      advance(1)
      assert(engine:pause_task(task))
    end
  end
  advance(M.AGO - elapsed)
  engine:advance_all()
end

return M
