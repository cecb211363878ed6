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
