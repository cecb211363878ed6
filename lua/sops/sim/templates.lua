-- The templates bksops-sim serves out of the box (business 2 / project 2).
-- The same format is accepted by `bksops-sim --templates FILE`; see README.

local function big_pipeline(groups, per_group)
  local steps = {}
  for g = 1, groups do
    local inner = {}
    for i = 1, per_group do
      inner[i] = {name = string.format("step %d.%d", g, i), duration = 0.01,
        inputs = {host = string.format("10.0.%d.%d", g, i)}}
    end
    steps[g] = {name = string.format("batch %d", g), subprocess = {steps = inner}}
  end
  return steps
end

return {
  {
    id = 1, name = "Deploy web app", category = "OpsTools",
    description = "precheck, deploy, then verify; every node succeeds",
    constants = {
      {key = "${app}", name = "application", value = "web"},
      {key = "${version}", name = "version", value = "1.0.0"},
    },
    steps = {
      {name = "precheck", duration = 1, inputs = {app = "${app}"}},
      {name = "deploy", duration = 3, component = "job_fast_execute_script",
        inputs = {app = "${app}", version = "${version}"}, outputs = {deployed = "${version}"}},
      {name = "verify", duration = 1},
    },
  },
  {
    id = 2, name = "Deploy with flaky step", category = "OpsTools",
    description = "the 'deploy' node fails on its first attempt; a retry succeeds",
    constants = {{key = "${version}", name = "version", value = "1.0.0"}},
    steps = {
      {name = "precheck", duration = 1},
      {name = "deploy", duration = 2, component = "job_fast_execute_script",
        inputs = {version = "${version}"},
        fail = {times = 1, ex_data = "job execution failed: step[1] exit code 1 on 10.0.0.12"}},
      {name = "notify", duration = 1},
    },
  },
  {
    id = 3, name = "Restart with approval", category = "OpsTools",
    description = "a subprocess whose 'approve' node waits for a callback",
    steps = {
      {name = "precheck", duration = 1},
      {name = "restart service", subprocess = {steps = {
        {name = "stop", duration = 1},
        {name = "approve", duration = 0, callback = true, component = "pause_node"},
        {name = "start", duration = 1},
      }}},
      {name = "report", duration = 1},
    },
  },
  {
    id = 4, name = "Branching release", category = "OpsTools",
    description = "an exclusive gateway that matches no branch: skip_exg picks one",
    steps = {
      {name = "prepare", duration = 1},
      {name = "choose route", gateway = {branches = {
        {name = "canary", steps = {{name = "canary deploy", duration = 2}}},
        {name = "full", steps = {{name = "full deploy", duration = 2}}},
      }}},
      {name = "finish", duration = 1},
    },
  },
  {
    id = 5, name = "Always failing", category = "Other",
    description = "fails every time, cannot be retried; an ignorable failure before it",
    steps = {
      {name = "optional cleanup", duration = 1, error_ignorable = true, fail = {ex_data = "cleanup failed"}},
      {name = "broken", duration = 1, fail = {ex_data = "permanent failure", retryable = false}},
      {name = "after", duration = 1},
    },
  },
  {
    id = 6, name = "Nested subprocesses", category = "Other",
    description = "subprocesses two levels deep, with a failing leaf at the bottom",
    steps = {
      {name = "outer", subprocess = {steps = {
        {name = "outer step", duration = 1},
        {name = "inner", subprocess = {steps = {
          {name = "inner step", duration = 1, fail = {times = 1, ex_data = "inner failure"}},
        }}},
      }}},
      {name = "done", duration = 1},
    },
  },
  {
    id = 7, name = "Load test (2,000 nodes)", category = "Other",
    description = "40 subprocesses of 50 short nodes each",
    steps = big_pipeline(40, 50),
  },
  {
    id = 8, name = "Deploy with automatic retry", category = "OpsTools",
    description = "the 'deploy' node fails on its first attempt; bk-sops retries it by itself 5 s later; "
      .. "the version deployed is the task's output",
    constants = {{key = "${version}", name = "version", value = "1.0.0"}},
    outputs = {"${version}"},
    steps = {
      {name = "precheck", duration = 1},
      {name = "deploy", duration = 2, component = "job_fast_execute_script", inputs = {version = "${version}"},
        fail = {times = 1, ex_data = "job execution failed: step[1] exit code 1 on 10.0.0.12"},
        auto_retry = {times = 2, interval = 5}},
      {name = "notify", duration = 1},
    },
  },
}
