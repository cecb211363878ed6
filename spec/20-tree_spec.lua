-- sops.states, is_terminal, walk, failed_nodes and change events, on the
-- protocol's fixture trees.
local h = require "helpers"
local sops = require "sops"
local events = require "sops.events"

local function fixture(name)
  return sops.decode(h.read("spec/fixtures/" .. name)).data
end

describe("sops.states and sops.is_terminal", function()
  it("names every state an API client can see", function()
    for _, s in ipairs({"CREATED", "READY", "RUNNING", "SUSPENDED", "NODE_SUSPENDED", "FAILED", "FINISHED",
        "REVOKED", "EXPIRED"}) do
      assert.equal(s, sops.states[s])
    end
  end)

  it("treats FINISHED, REVOKED and EXPIRED as terminal; FAILED waits for a human", function()
    assert.is_true(sops.is_terminal("FINISHED"))
    assert.is_true(sops.is_terminal("REVOKED"))
    assert.is_true(sops.is_terminal("EXPIRED"))
    for _, s in ipairs({"FAILED", "RUNNING", "SUSPENDED", "NODE_SUSPENDED", "CREATED", "READY"}) do
      assert.is_false(sops.is_terminal(s))
    end
    assert.is_false(sops.is_terminal(nil))
  end)
end)

describe("sops.walk", function()
  it("visits the root then every node, parents first, with depth and parent", function()
    local status = fixture("get_task_status_subprocess_v2.json")
    local seen = {}
    sops.walk(status, function(node, id, depth, parent)
      seen[#seen + 1] = {id = id, depth = depth, parent = parent, node = node}
    end)
    assert.equal(6, #seen)
    assert.equal(status.id, seen[1].id)
    assert.equal(0, seen[1].depth)
    assert.is_nil(seen[1].parent)
    local sub = status.children["n7d6c5b4a3f2e4d1c0b9a8f7e6d5c4b3a"]
    local index = {}
    for i, s in ipairs(seen) do index[s.id] = i end
    -- the subprocess comes before its children, which are at depth 2
    local inner = "n6a5b4c3d2e1f4a0b9c8d7e6f5a4b3c2"
    assert.is_true(index["n7d6c5b4a3f2e4d1c0b9a8f7e6d5c4b3a"] < index[inner])
    assert.equal(2, seen[index[inner]].depth)
    assert.equal(sub, seen[index[inner]].parent)
    -- siblings by start time: the unstarted SUSPENDED node comes last
    assert.equal(inner, seen[#seen].id)
  end)

  it("visits a CREATED placeholder (no id) alone", function()
    local n = 0
    sops.walk(fixture("get_task_status_created.json"), function(node, id, depth)
      n = n + 1
      assert.is_nil(id)
      assert.equal(0, depth)
      assert.equal("CREATED", node.state)
    end)
    assert.equal(1, n)
  end)
end)

describe("sops.failed_nodes", function()
  it("lists the failed leaves with their path and status", function()
    local status = fixture("get_task_status_failed_v2_with_ex_data.json")
    local failed = sops.failed_nodes(status)
    assert.equal(1, #failed)
    assert.equal("n9c8b7a6f5e4d4c3b2a1f0e9d8c7b6a5", failed[1].id)
    assert.same({"n9c8b7a6f5e4d4c3b2a1f0e9d8c7b6a5"}, failed[1].path)
    assert.equal("job: run script", failed[1].node.name)
  end)

  it("walks into failed subprocesses down to the leaf", function()
    local status = {state = "FAILED", children = {
      s1 = {state = "FAILED", name = "sub", start_time = "a", children = {
        s2 = {state = "FAILED", name = "inner sub", start_time = "a", children = {
          leaf = {state = "FAILED", name = "leaf", start_time = "a", children = {}},
          ok = {state = "FINISHED", name = "ok", start_time = "a", children = {}},
        }},
      }},
      other = {state = "FAILED", name = "other", start_time = "b", children = {}},
    }}
    local failed = sops.failed_nodes(status)
    assert.equal(2, #failed)
    assert.same({"s1", "s2", "leaf"}, failed[1].path)
    assert.equal("leaf", failed[1].id)
    assert.same({"other"}, failed[2].path)
    assert.same({}, sops.failed_nodes(fixture("get_task_status_running_v2.json")))
  end)
end)

describe("change events", function()
  it("report every node once on first sight, parents first, then only changes", function()
    local running = fixture("get_task_status_running_v2.json")
    local evs, snap = events.diff(10, nil, running, 1)
    assert.equal(4, #evs)
    assert.is_nil(evs[1].node_id)
    assert.equal("deploy_app_20240512103000", evs[1].name)
    assert.same({}, evs[1].path)
    assert.is_nil(evs[1].from)
    assert.equal("RUNNING", evs[1].to)
    assert.equal(10, evs[1].task_id)
    assert.equal(1, evs[1].at)
    for i = 2, 4 do assert.equal(1, #evs[i].path) end
    -- the same tree again: nothing
    local again = events.diff(10, snap, running, 2)
    assert.same({}, again)
    -- the running node fails and the root is reported FAILED
    local failed = fixture("get_task_status_failed_v2_with_ex_data.json")
    evs = events.diff(10, snap, failed, 3)
    assert.equal(2, #evs)
    assert.is_nil(evs[1].node_id)
    assert.equal("RUNNING", evs[1].from)
    assert.equal("FAILED", evs[1].to)
    assert.equal("n9c8b7a6f5e4d4c3b2a1f0e9d8c7b6a5", evs[2].node_id)
    assert.equal("RUNNING", evs[2].from)
    assert.equal("FAILED", evs[2].to)
    assert.equal(evs[2].node, failed.children["n9c8b7a6f5e4d4c3b2a1f0e9d8c7b6a5"])
  end)

  it("report a retried node even when its state reads the same", function()
    local a = {state = "RUNNING", name = "t", children = {n = {state = "FAILED", retry = 0, version = "v1", children = {}}}}
    local b = {state = "RUNNING", name = "t", children = {n = {state = "FAILED", retry = 1, version = "v2", children = {}}}}
    local _, snap = events.diff(1, nil, a, 0)
    local evs = events.diff(1, snap, b, 1)
    assert.equal(1, #evs)
    assert.equal("FAILED", evs[1].from)
    assert.equal("FAILED", evs[1].to)
    assert.equal(1, evs[1].node.retry)
  end)

  it("give nested nodes their full path", function()
    local evs = events.diff(1, nil, fixture("get_task_status_subprocess_v2.json"), 0)
    local inner
    for _, e in ipairs(evs) do
      if e.node_id == "n6a5b4c3d2e1f4a0b9c8d7e6f5a4b3c2" then inner = e end
    end
    assert.same({"n7d6c5b4a3f2e4d1c0b9a8f7e6d5c4b3a", "n6a5b4c3d2e1f4a0b9c8d7e6f5a4b3c2"}, inner.path)
    assert.equal("confirm before restart", inner.name)
    assert.equal("SUSPENDED", inner.to)
  end)
end)

describe("sops.progress", function()
  it("counts the activities a status shows, leaving out events, gateways and the subprocess itself", function()
    -- (engine v2 names events and gateways ""; the subprocess is counted by its own activities)
    local p = sops.progress(fixture("get_task_status_subprocess_v2.json"))
    assert.same({finished = 1, running = 0, failed = 0, total = 2}, p)
    local status = {id = "root", state = "FAILED", children = {
      start = {state = "FINISHED", name = "", start_time = "a", children = {}},
      a = {state = "FINISHED", name = "build", start_time = "b", children = {}},
      b = {state = "RUNNING", name = "test", start_time = "c", children = {}},
      c = {state = "READY", name = "lint", start_time = "c", children = {}},
      d = {state = "FAILED", name = "deploy", start_time = "d", children = {}},
      gw = {state = "FINISHED", name = "", start_time = "b", children = {}},
      -- engine v1 names them by their class
      v1 = {state = "FINISHED", name = "<class 'pipeline.core.flow.gateway.ParallelGateway'>", start_time = "b"},
    }}
    assert.same({finished = 1, running = 2, failed = 1, total = 4}, sops.progress(status))
    assert.same({finished = 0, running = 0, failed = 0, total = 0}, sops.progress(fixture("get_task_status_created.json")))
  end)

  it("takes the total from the pipeline tree, activities of subprocesses included", function()
    local tree = {activities = {
      a = {type = "ServiceActivity", name = "build"},
      b = {type = "ServiceActivity", name = "test"},
      sub = {type = "SubProcess", name = "release", pipeline = {activities = {
        s1 = {type = "ServiceActivity", name = "push"}, s2 = {type = "ServiceActivity", name = "tag"}}}},
    }}
    local status = {id = "root", state = "RUNNING", children = {
      a = {state = "FINISHED", name = "build", start_time = "a", children = {}},
      b = {state = "FINISHED", name = "test", start_time = "b", children = {}},
      sub = {state = "RUNNING", name = "release", start_time = "c", children = {
        s1 = {state = "RUNNING", name = "push", start_time = "c", children = {}}}},
      e = {state = "FINISHED", name = "", start_time = "a", children = {}},
    }}
    assert.same({finished = 2, running = 1, failed = 0, total = 4}, sops.progress(status, tree))
    assert.same({finished = 2, running = 1, failed = 0, total = 3}, sops.progress(status))
    assert.same({finished = 0, running = 0, failed = 0, total = 4}, sops.progress({state = "CREATED"}, tree))
    -- a tree bk-sops sent as null counts as none
    assert.same(sops.progress(status), sops.progress(status, sops.null))
  end)

  it("refuses what is not a status or a tree as a bad argument", function()
    assert.has_error(function() sops.progress(nil) end,
      "bad argument #1 to 'sops.progress' (a task status (table) expected, got nil)")
    assert.has_error(function() sops.progress({}, "tree") end,
      "bad argument #2 to 'sops.progress' (a pipeline_tree (table) expected, got string)")
  end)
end)

describe("sops.progress on bk-sops' answers", function()
  local sim, c
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  it("counts a task's steps by its pipeline tree: one branch of a gateway run, a subprocess waiting", function()
    -- template 4: prepare, an exclusive gateway with two branches of one step each, finish
    local t = sim:task({template_id = 4, start = true})
    sim:advance(3)
    local status = assert(c:get_task_status{task_id = t.task_id})
    local tree = assert(c:get_task_detail{task_id = t.task_id}).pipeline_tree
    -- the gateway failed (no branch matched): the task is FAILED, no activity is
    assert.equal("FAILED", status.state)
    assert.same({finished = 1, running = 0, failed = 0, total = 4}, sops.progress(status, tree))
    local gid, flow = t.node_ids["choose route"], nil
    for _, n in ipairs(t.nodes) do
      if n.id == gid then flow = n.flows[2].id end
    end
    assert(c:skip_exg{task_id = t.task_id, node_id = gid, flow_id = flow})
    sim:advance(10)
    status = assert(c:get_task_status{task_id = t.task_id})
    assert.equal("FINISHED", status.state)
    -- one branch ran: 3 of the tree's 4 activities, all the status shows
    assert.same({finished = 3, running = 0, failed = 0, total = 4}, sops.progress(status, tree))
    assert.same({finished = 3, running = 0, failed = 0, total = 3}, sops.progress(status))
    -- template 3: precheck, a subprocess (stop, approve: waits, start), report
    t = sim:task({template_id = 3, start = true})
    sim:advance(100)
    status = assert(c:get_task_status{task_id = t.task_id})
    tree = assert(c:get_task_detail{task_id = t.task_id}).pipeline_tree
    local p = sops.progress(status, tree)
    assert.equal(5, p.total)
    assert.equal(2, p.finished)
    assert.equal(0, p.failed)
  end)
end)
