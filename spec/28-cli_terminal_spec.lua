-- The bksops command on a real terminal (a tmux pane): the live view, a
-- resize, Ctrl-C and several tasks, read back as the screen's text. The
-- simulator's clock stands still (--speed 0) and the spec moves it once the
-- view is up: what the screen shows does not depend on the machine's speed.
local h = require "helpers"
local tmux = require "support.tmux"
local render = require "sops.cli.render"

local sim, pane

local function sops_line(args, env)
  return sim:env(env) .. " " .. h.LUA .. " bin/bksops " .. args
end

local function long_template()
  sim:control("POST", "templates", {id = 80, name = "long", steps = {{name = "forever", duration = 1e6}}})
end

-- how many screen lines match pattern
local function count(lines, pattern)
  local n = 0
  for _, l in ipairs(lines) do
    if l:find(pattern) then n = n + 1 end
  end
  return n
end

local function widest(lines)
  local w = 0
  for _, l in ipairs(lines) do w = math.max(w, render.width(l)) end
  return w
end

describe("bksops on a terminal", function()
  setup(function() assert(tmux.available(), "tmux is missing: make deps installs it") end)
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)
  after_each(function()
    if pane then pane:close() end
    pane = nil
  end)

  it("wait draws the live view in place and leaves the final one", function()
    local t = sim:task({template_id = 1, start = true})
    sim:advance(0.5) -- started: precheck runs
    pane = tmux.start(sops_line("wait " .. t.task_id .. " --interval 0.05"), 100, 20)
    pane:wait_for("running: precheck")
    sim:advance(60) -- the next frames, to the end
    assert.equal(0, pane:exit_status())
    local screen = pane:screen()
    -- the screenshot: the view drawn once, then the outcome
    local want = {
      "^task " .. t.task_id .. "  Deploy web app  FINISHED  %d+s$",
      "^%[##############################%] 3/3 nodes finished$",
      "^running: %-$",
      "^failed:  %-$",
      "^task " .. t.task_id .. " ended FINISHED$",
    }
    assert.equal(#want, #screen, table.concat(screen, "\n"))
    for i, p in ipairs(want) do assert.matches(p, screen[i]) end
    assert.equal("1", pane:format("#{cursor_flag}")) -- the cursor shown again
  end)

  it("a resize redraws at the new width: no wrapped or stale lines", function()
    long_template()
    sim:control("POST", "templates", {id = 82, name = "a task whose name is long enough to need cutting "
      .. "on a narrow terminal", steps = {{name = "forever", duration = 1e6}}})
    local t = sim:task({template_id = 82, start = true})
    sim:advance(0.5) -- started: its one node runs
    pane = tmux.start(sops_line("wait " .. t.task_id .. " --interval 0.05"), 120, 20)
    pane:wait_for("running: forever")
    local function redrawn()
      -- two more polls: the view was drawn again after the change
      local seen = #sim:requests_to("/get_task_status/")
      h.wait_until(function() return #sim:requests_to("/get_task_status/") >= seen + 2 end)
    end
    for _, columns in ipairs({40, 70, 25, 120}) do
      pane:resize(columns, 20)
      redrawn()
      -- (the screen: what a resize pushed into the history is out of reach)
      local screen = pane:screen({history = false})
      assert.equal(1, count(screen, "^task " .. t.task_id .. " "), table.concat(screen, "\n"))
      assert.equal(1, count(screen, "^%[%-%-"), table.concat(screen, "\n"))
      assert.equal(4, #screen, table.concat(screen, "\n"))
      assert.is_true(widest(screen) < columns, table.concat(screen, "\n"))
      if columns < 60 then assert.matches("…", screen[1], 1, true) end
      -- the name is cut, the state stays in view (from 40 columns: 25 hold too little)
      if columns >= 40 and columns < 60 then assert.matches("…  RUNNING  %d+[smh]", screen[1]) end
    end
    pane:keys("C-c")
    assert.equal(130, pane:exit_status())
  end)

  it("a resize is redrawn at once (SIGWINCH), not at the next poll", function()
    sim:control("POST", "templates", {id = 83, name = "a task whose name is long enough to need cutting "
      .. "on a narrow terminal", steps = {{name = "forever", duration = 1e6}}})
    local t = sim:task({template_id = 83, start = true})
    sim:advance(0.5) -- started: its one node runs
    -- the polls 60 s apart: a redraw within the spec can only be the resize's
    pane = tmux.start(sops_line("wait " .. t.task_id .. " --interval 60 --timeout 600"), 120, 20)
    pane:wait_for("running: forever")
    local polls = #sim:requests_to("/get_task_status/")
    for _, columns in ipairs({45, 100, 50}) do
      pane:resize(columns, 20)
      local ok = pcall(h.wait_until, function()
        local screen = pane:screen({history = false})
        return #screen == 4 and widest(screen) < columns and count(screen, "^task " .. t.task_id .. " ") == 1
          and (columns >= 100 or screen[1]:find("…  RUNNING", 1, true) ~= nil)
      end)
      assert.is_true(ok, table.concat(pane:screen({history = false}), "\n"))
    end
    assert.equal(polls, #sim:requests_to("/get_task_status/"))
    pane:keys("C-c")
    assert.equal(130, pane:exit_status())
  end)

  it("estimates the time left from bk-sops' record of past runs, and says nothing without one", function()
    sim:freeze()
    -- two runs of template 1 (precheck 1 s, deploy 3 s, verify 1 s) make its record
    for _ = 1, 2 do
      sim:task({template_id = 1, start = true})
      sim:advance(10)
    end
    local t = sim:task({template_id = 1, start = true})
    sim:advance(0.1) -- (started: precheck running for a tenth of a second)
    pane = tmux.start(sops_line("wait " .. t.task_id .. " --interval 60 --timeout 600"), 100, 20)
    pane:wait_for("running: precheck")
    local screen = pane:screen()
    assert.matches("^%[%-+%] 0/3 nodes finished, about 5s left$", screen[2], nil, table.concat(screen, "\n"))
    pane:keys("C-c")
    assert.equal(130, pane:exit_status())
    pane:close()
    -- a bk-sops without get_node_execution_record: no estimate, nothing said
    sim:config({missing = {"get_node_execution_record"}})
    t = sim:task({template_id = 1, start = true})
    sim:advance(0.1)
    pane = tmux.start(sops_line("wait " .. t.task_id .. " --interval 60 --timeout 600"), 100, 20)
    pane:wait_for("running: precheck")
    screen = pane:screen()
    assert.matches("^%[%-+%] 0/3 nodes finished$", screen[2], nil, table.concat(screen, "\n"))
    pane:keys("C-c")
    assert.equal(130, pane:exit_status())
  end)

  it("Ctrl-C ends the wait with 130 and one line, the terminal restored", function()
    long_template()
    local t = sim:task({template_id = 80, start = true})
    sim:advance(0.5) -- started: its one node runs
    -- a 60 s interval: only a sleep that wakes on the signal ends in time
    pane = tmux.start(sops_line("wait " .. t.task_id .. " --interval 60"), 100, 20)
    pane:wait_for("running: forever")
    assert.equal("0", pane:format("#{cursor_flag}")) -- hidden while the view is drawn
    pane:keys("C-c")
    assert.equal(130, pane:exit_status(30))
    local screen = pane:screen()
    local text = table.concat(screen, "\n")
    assert.equal(1, count(screen, "^bksops: interrupted; stopped waiting: task " .. t.task_id
      .. " goes on in bk%-sops %(bksops status " .. t.task_id .. "%)$"), text)
    assert.is_nil(text:find("traceback", 1, true))
    assert.is_nil(text:find("interrupted!", 1, true))
    assert.equal("1", pane:format("#{cursor_flag}"))
    -- colours reset: the last line is written without any
    local coloured = pane:screen({escapes = true})
    assert.is_nil(coloured[#coloured]:find("\27[", 1, true), coloured[#coloured])
  end)

  it("shows the task at once, before a slow server answers", function()
    long_template()
    local t = sim:task({template_id = 80, start = true})
    sim:advance(0.5) -- started: its one node runs
    -- (an answer 60 s away: whatever the machine's speed, the screen read
    -- is the one before it; Ctrl-C ends the wait with the request in flight)
    sim:fault({kind = "delay", seconds = 60, match = "/get_task_detail/", count = 1})
    pane = tmux.start(sops_line("wait " .. t.task_id .. " --interval 0.05"), 100, 20)
    pane:wait_for("^task " .. t.task_id .. "  asking bk%-sops for its status$", 30)
    pane:keys("C-c")
    assert.equal(130, pane:exit_status())
  end)

  it("several tasks: a line each with its bar, and why a failed one failed", function()
    local ok = sim:task({template_id = 1, start = true})
    local bad = sim:task({template_id = 2, start = true})
    sim:advance(0.5)
    pane = tmux.start(sops_line("wait " .. ok.task_id .. " " .. bad.task_id .. " --interval 0.05"), 150, 20)
    pane:wait_for("task " .. bad.task_id .. " +%[")
    sim:advance(10) -- (a FAILED task's time goes on: under a minute, it reads in seconds)
    assert.equal(1, pane:exit_status())
    local screen = pane:screen()
    local text = table.concat(screen, "\n")
    assert.equal(1, count(screen, "^task " .. ok.task_id .. " +%[############%]   3/3   FINISHED +%d+s  Deploy web app$"),
      text)
    assert.equal(1, count(screen, "^task " .. bad.task_id .. " +%[####%-%-%-%-%-%-%-%-%]   1/3   FAILED +%d+s  Deploy "
      .. "with flaky step  deploy: job execution failed: step%[1%] exit code 1 on 10%.0%.0%.12$"), text)
    assert.equal(1, count(screen, "^task " .. ok.task_id .. " ended FINISHED$"), text)
    assert.equal(1, count(screen, "^task " .. bad.task_id .. " ended FAILED$"), text)
  end)

  it("a long view on a short terminal keeps to its rows", function()
    local ids = {}
    for i = 1, 12 do ids[i] = sim:task({template_id = 1, start = true}).task_id end
    sim:advance(0.5)
    pane = tmux.start(sops_line("wait " .. table.concat(ids, " ") .. " --interval 0.05"), 100, 8)
    pane:wait_for("… %d+ more")
    sim:advance(60)
    assert.equal(0, pane:exit_status())
    local text = pane:text()
    assert.matches("… %d+ more", text)
    for _, id in ipairs(ids) do assert.matches("task " .. id .. " ended FINISHED", text, 1, true) end
  end)
end)
