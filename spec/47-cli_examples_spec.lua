-- The bksops command's examples, run as printed against `bksops-sim --demo`
-- (issue 23): every `bksops` line of README's "A first command" and of
-- docs/command.md's first block, in order, as a user pastes them; and every
-- example of sops.cli.commands (each command's --help and the man page's
-- EXAMPLES), each from the demo afresh. Each must end with the exit code
-- expected of it: 0, or what EXPECT says.
--
-- The simulator's clock is frozen: a line that waits for a task (--wait,
-- --follow, `bksops wait`) runs in the background until the simulator has
-- seen it start or poll, then the clock jumps ten minutes, and the task ends
-- at the command's next poll. Nothing waits on the machine's speed.
local h = require "helpers"

local sim, dir

-- Exit codes other than 0, by the line as printed, with why.
local EXPECT = {
  -- version 1.4.2 is the demo's bad release: deploy fails again
  ["bksops run 'Release web app' -c version=1.4.2 --wait"] = 1,
  -- 42 is the demo's failed task (docs/command.md's `wait 42` comes after
  -- its retry: 0, said where it runs)
  ["bksops wait 41 42 48 --timeout 1h"] = 1,
}

-- Lines that are run other than as printed, with why: the example's fixed
-- port may be taken on the machine that runs the specs.
local function adapt(line)
  return (line:gsub("127%.0%.0%.1:8765", "127.0.0.1:" .. h.dead_port()))
end

-- The requests that show a waiting command has started or polled its task:
-- after one of them, moving the clock lets the task end.
local POLLS = {"/start_task/", "/get_task_status/", "/get_tasks_status/", "/get_task_node_log/",
  "/get_node_job_executed_log/"}

local function waits(line)
  return line:find("%-%-wait") or line:find("%-%-follow") or line:find("^bksops wait ")
end

-- The code block right after `after` in a file, its `bksops` lines (the
-- comment at a line's end kept: the shell ignores it). A line ending in a
-- backslash goes on: such lines (the export) are not `bksops` lines.
local function fence_lines(path, after)
  local text = h.read(path)
  local start = assert(text:find(after, 1, true), path .. ": no " .. after)
  local block = assert(text:match("```sh\n(.-)```", start), path .. ": no sh block after " .. after)
  local lines, all = {}, {}
  for line in block:gmatch("[^\n]+") do
    all[#all + 1] = line
    if line:match("^bksops ") then lines[#lines + 1] = line end
  end
  return lines, table.concat(all, "\n")
end

-- Runs one line in bash (pipes fail as their first failing command does,
-- `source <(...)` works), bksops on PATH, HOME and the config file in a
-- directory of the spec's own. Returns the exit code and the output.
local function run_line(line)
  local env = sim:env({HOME = dir, PATH = dir .. "/bin:" .. os.getenv("PATH"), BKSOPS_CONFIG = dir .. "/config"})
  -- (timeout: a line that never ends is a failure, not a stuck spec file)
  local cmd = env .. " timeout 60 bash -o pipefail -c " .. h.shell_quote(adapt(line)) .. " 2>&1"
  if not waits(line) then
    local out, _, code = h.run(cmd)
    return code, out
  end
  sim:clear_log()
  local proc = h.spawn(cmd)
  h.wait_until(function()
    for _, r in ipairs(sim:requests()) do
      for _, p in ipairs(POLLS) do
        if r.path:find(p, 1, true) then return true end
      end
    end
    return false
  end, 30)
  sim:advance(600)
  local code, out = h.finish(proc)
  return code, out
end

local function check(line, want)
  local code, out = run_line(line)
  -- (looked up without the comment at its end)
  assert.equal(want or EXPECT[(line:gsub("%s+#.*$", ""))] or 0, code, line .. "\n" .. out)
  return out
end

describe("the bksops command's examples, against bksops-sim --demo", function()
  h.use_sim({"--speed", "0", "--demo"}, false, function(s) sim = s end)

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/bin " .. dir .. "/.config/fish/completions"))
    -- `bksops`, as an installed one is found: on PATH
    local f = assert(io.open(dir .. "/bin/bksops", "w"))
    f:write("#!/bin/sh\nexec " .. h.LUA .. " " .. h.shell_quote(os.getenv("PWD") .. "/bin/bksops") .. ' "$@"\n')
    f:close()
    assert(os.execute("chmod 755 " .. dir .. "/bin/bksops"))
  end)
  teardown(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)

  before_each(function()
    -- the user's config file: two profiles of the simulator, for the
    -- examples of --profile and `bksops config` (the secret stays in the
    -- environment, as the command wants it)
    local f = assert(io.open(dir .. "/config", "w"))
    for _, name in ipairs({"default", "staging"}) do
      f:write("[", name, "]\nurl = ", sim.url, "/prod\napp_code = ", h.APP_CODE, "\nusername = admin\nbiz = 2\n\n")
    end
    f:close()
    assert(os.execute("chmod 600 " .. dir .. "/config"))
  end)

  it("has the demo the examples name", function()
    local out = check("bksops tasks --no-headers")
    for id = 41, 48 do assert.matches("\n?" .. id .. " ", out) end
    assert.matches("42%s+FAILED%s+alice%s+release 1%.4%.2\n", out)
    assert.matches("48%s+RUNNING", out)
    -- the ids are the same on every run: the skip-exg example names a flow
    local _, task = sim:get("/_sim/tasks/44")
    local gateway
    for _, n in ipairs(task.nodes) do if n.name == "choose route" then gateway = n end end
    assert.matches("^nca12254", gateway.id)
    assert.equal("l186f1b2b196f1cbe1a6f1e511b6f1fe", gateway.flows[1].id)
  end)

  it("README's 'A first command' runs as printed, in order", function()
    local lines, block = fence_lines("README.md", "\n## A first command\n")
    assert.is_true(#lines >= 6)
    -- what it needs first: the simulator the line before it starts, and
    -- the five variables for its credentials
    local readme = h.read("README.md")
    assert.matches("`bin/bksops-sim --port 8080 --demo &`", readme, 1, true)
    assert.matches("export BK_SOPS_URL=http://127.0.0.1:8080/prod BK_APP_CODE=sim-app BK_APP_SECRET=sim-secret",
      block, 1, true)
    local seen = {}
    for _, line in ipairs(lines) do
      seen[line:match("^bksops (%S+)")] = true
      check(line)
    end
    -- the operator's day: find, why, logs, rerun with a constant and --wait,
    -- -o name into another command
    for _, c in ipairs({"doctor", "tasks", "why", "logs", "rerun"}) do assert.is_true(seen[c], c) end
    assert.matches("bksops rerun 42 -c version=1.4.3 --wait", block, 1, true)
    assert.matches("-o name | xargs", block, 1, true)
    -- the rerun ran 1.4.3, which deploys
    local create = sim:requests_to("/create_task/")
    assert.equal(1, #create)
    assert.matches('"1.4.3"', create[1].body, 1, true)
  end)

  it("docs/command.md's first block runs as printed, in order", function()
    local lines, block = fence_lines("docs/command.md", "# The `bksops` command")
    assert.is_true(#lines >= 10)
    assert.matches("bin/bksops-sim --port 8080 --demo &", block, 1, true)
    for _, line in ipairs(lines) do
      -- in this order 42 is retried with a version that deploys before the wait
      check(line, line:match("^bksops wait 42 ") and 0 or nil)
    end
  end)

  it("every example of every command (its --help, the man page) runs as printed, each from the demo", function()
    local commands = require "sops.cli.commands"
    local count = 0
    for _, c in ipairs(commands.LIST) do
      assert.is_true(#(c.examples or {}) > 0, c.name .. " has no example")
      for _, line in ipairs(c.examples) do
        assert.matches("bksops " .. c.name:gsub("%-", "%%-") .. "[ >]", line:gsub("^source <%(", "") .. " ")
        sim:reset()
        check(line)
        count = count + 1
      end
    end
    assert.is_true(count >= 40, count)
    -- the man page's EXAMPLES are these, and say where they run
    local man = h.read("share/man/man1/bksops.1")
    assert.matches("bksops\\-sim \\-\\-port 8080 \\-\\-demo", man, 1, true)
    assert.matches("bksops skip\\-exg 44 nca12254", man, 1, true)
  end)
end)
