-- bksops-sim calls a task's callback_url back as bk-sops does: when it
-- finishes, when a node fails, when it is revoked; the v1 form or the v2
-- JSON; tried again on a failure; and faults that lose, delay or double it.
local h = require "helpers"
local cjson = require "cjson"

local sim, receiver, port

-- the next request the receiver got, decoded
local function received()
  local line = receiver.pipe:read("*l")
  assert(line, "the receiver ended")
  return cjson.decode(line)
end

local function callbacks()
  return sim:control("GET", "callbacks").callbacks
end

local function start_receiver(statuses)
  receiver = h.spawn(h.SIM_LUA .. " spec/support/receiver.lua " .. (statuses or ""))
  port = tonumber(receiver.pipe:read("*l"):match("^listening (%d+)$"))
end

local function create(fields)
  fields.name = fields.name or "cb"
  local _, body = sim:post(h.gw(fields.api or "create_task", fields.template or 1, 2), fields)
  assert(body.result, body.message)
  return body.data.task_id
end

describe("bksops-sim's completion callbacks", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)
  after_each(function()
    if receiver then
      os.execute("kill " .. receiver.pid)
      h.finish(receiver)
      receiver = nil
    end
  end)

  it("posts the v1 form when the task finishes", function()
    start_receiver()
    local id = create({callback_url = "http://127.0.0.1:" .. port .. "/done?x=1"})
    sim:post(h.gw("start_task", id, 2), {})
    sim:advance(20)
    local r = received()
    assert.same({method = "POST", path = "/done?x=1", content_type = "application/x-www-form-urlencoded",
      body = "task_id=" .. id .. "&task_success=True"}, r)
    h.wait_until(function() return callbacks()[1].status == "SUCCESS" end)
    local cb = callbacks()[1]
    assert.equal(id, cb.task_id)
    assert.equal("v1", cb.version)
    assert.equal(1, #cb.attempts)
  end)

  it("posts JSON with task_outputs for callback_version v2; create_and_start_task records no version", function()
    start_receiver()
    local id = create({callback_url = "http://127.0.0.1:" .. port .. "/v2", callback_version = "v2"})
    sim:post(h.gw("start_task", id, 2), {})
    sim:advance(20)
    local r = received()
    assert.equal("application/json", r.content_type)
    assert.same({task_id = id, callback_version = "v2", task_success = true, task_outputs = {}}, cjson.decode(r.body))
    -- (create_and_start_task.py creates the record without extra_info)
    local id2 = create({api = "create_and_start_task", callback_url = "http://127.0.0.1:" .. port .. "/cs",
      callback_version = "v2"})
    sim:advance(1)
    sim:advance(20)
    r = received()
    assert.equal("task_id=" .. id2 .. "&task_success=True", r.body)
  end)

  it("says task_success False for every failed node and for a revoke", function()
    start_receiver()
    local url = "http://127.0.0.1:" .. port .. "/f"
    local id = create({template = 2, callback_url = url})
    sim:post(h.gw("start_task", id, 2), {})
    sim:advance(10)
    assert.equal("task_id=" .. id .. "&task_success=False", received().body) -- deploy failed
    local _, status = sim:get(h.gw("get_task_status", id, 2))
    local deploy
    for nid, n in pairs(status.data.children) do if n.name == "deploy" then deploy = nid end end
    sim:post(h.gw("operate_node", 2, id), {action = "retry", node_id = deploy})
    sim:advance(10)
    assert.equal("task_id=" .. id .. "&task_success=True", received().body)
    local other = create({template = 1, callback_url = url})
    sim:post(h.gw("start_task", other, 2), {})
    sim:advance(0.5)
    sim:post(h.gw("operate_task", other, 2), {action = "revoke"})
    assert.equal("task_id=" .. other .. "&task_success=False", received().body)
  end)

  it("tries a failed callback again, 3 times at most, 1 s apart, then says FAIL", function()
    start_receiver("500,503")
    local id = create({callback_url = "http://127.0.0.1:" .. port .. "/r"})
    sim:post(h.gw("start_task", id, 2), {})
    sim:advance(20)
    for _ = 1, 3 do received() end -- 500, 503, then 200
    h.wait_until(function() return callbacks()[1].status == "SUCCESS" end, 10)
    local a = callbacks()[1].attempts
    assert.same({{ok = false, result = 500}, {ok = false, result = 503}, {ok = true, result = 200}}, a)
    -- nobody listening: four attempts, then FAIL
    local dead = create({callback_url = "http://127.0.0.1:" .. h.dead_port() .. "/x"})
    sim:post(h.gw("start_task", dead, 2), {})
    sim:advance(20)
    h.wait_until(function() return callbacks()[2] and callbacks()[2].status == "FAIL" end, 15)
    assert.equal(4, #callbacks()[2].attempts)
  end)

  it("faults: a callback lost, late or sent twice", function()
    start_receiver()
    local url = "http://127.0.0.1:" .. port .. "/faults"
    sim:fault({kind = "callback_lost", match = "/faults", count = 1})
    local lost = create({callback_url = url})
    sim:post(h.gw("start_task", lost, 2), {})
    sim:advance(20)
    h.wait_until(function() return callbacks()[1] and callbacks()[1].status == "LOST" end)
    sim:fault({kind = "callback_twice", match = "/faults"})
    local twice = create({callback_url = url})
    sim:post(h.gw("start_task", twice, 2), {})
    sim:advance(20)
    -- the lost one never came: the next two lines are the doubled callback
    assert.equal("task_id=" .. twice .. "&task_success=True", received().body)
    assert.equal("task_id=" .. twice .. "&task_success=True", received().body)
    sim:fault({kind = "callback_late", seconds = 0.2, match = "/faults"})
    local late = create({callback_url = url})
    sim:post(h.gw("start_task", late, 2), {})
    sim:advance(20)
    assert.equal("task_id=" .. late .. "&task_success=True", received().body)
    -- a bad callback fault is refused like any bad fault
    local status = sim:request("POST", "/_sim/faults", {body = {kind = "callback_late", seconds = -1}})
    assert.equal(400, status)
  end)
end)
