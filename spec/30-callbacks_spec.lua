-- Completion callbacks in a plain Lua process: sops.callbacks.listen, the
-- per-task URLs create_task gives out, and wait{callback = receiver}, which
-- polls slowly and at once on its task's callback, trusting only the API.
-- Simulated time stands still (--speed 0); a spec moves it from on_poll,
-- after the wait's first poll, and the simulator calls the receiver back.
local h = require "helpers"
local core = require "sops.core"
local callbacks = require "sops.callbacks"

local sim, c, r
-- under valgrind or the sanitizers everything is many times slower: the
-- bounds of time below are loosened there, and only there
local INSTRUMENTED = (os.getenv("SPEC_WRAP") or "") ~= ""
local PROMPT = INSTRUMENTED and 2 or 0.1 -- seconds from a callback to the wait's return

-- the request log's last sequence number, for the `since` of a later look
local function mark()
  local list = sim:requests()
  return list[#list] and list[#list].seq or 0
end

local function polls(since)
  return #sim:requests_to("/get_task_status/", since)
end

-- a task of template 1 (done 5 simulated seconds after its start), created
-- with the receiver and started
local function started(fields)
  fields = fields or {}
  fields.template_id, fields.name = fields.template_id or 1, fields.name or "cb"
  fields.callback = fields.callback or r
  local task = assert(c:create_task(fields))
  assert(c:start_task{task_id = task.task_id})
  return task.task_id
end

-- on_poll that moves the simulator's clock on after the first poll (the task
-- ends and bk-sops calls back while the wait sleeps), and counts the polls
local function ends_after_first(count)
  return function(_, info)
    count[1] = info.attempt
    if info.attempt == 1 then sim:advance(20) end
  end
end

describe("sops.callbacks.listen with client:wait", function()
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)
  before_each(function() r = assert(callbacks.listen{host = "127.0.0.1", port = 0}) end)
  after_each(function() r:close() end)

  it("gives each task a callback URL of its own, with a 128-bit token, v2 where recorded", function()
    local a = assert(c:create_task{template_id = 1, name = "a", callback = r})
    local b = assert(c:create_and_start_task{template_id = 1, name = "b", callback = r})
    local bodies = {}
    for _, req in ipairs(sim:requests_to("create")) do bodies[#bodies + 1] = h.decode(req.body) end
    local pattern = "^http://127%.0%.0%.1:" .. r:port() .. "/(" .. string.rep("%x", 48) .. ")$"
    local ka, kb = bodies[1].callback_url:match(pattern), bodies[2].callback_url:match(pattern)
    assert.truthy(ka and kb, bodies[1].callback_url)
    assert.are_not.equal(ka, kb)
    assert.equal("v2", bodies[1].callback_version)
    assert.is_nil(bodies[2].callback_version) -- create_and_start_task records none
    assert.equal(2, r:pending())
    assert.truthy(r:slot_of(a.task_id) and r:slot_of(b.task_id))
    -- a creation that fails leaves no token behind
    local none, _, err = c:create_task{template_id = 999, name = "x", callback = r}
    assert.is_nil(none)
    assert.equal("api", err.kind)
    assert.equal(2, r:pending())
  end)

  it("returns within 100 ms of the task's end while polling 60 s apart: one poll after the callback", function()
    local id = started()
    local count, since = {}, mark()
    local t0 = core.monotime()
    local status = assert(c:wait{task_id = id, callback = r, on_poll = ends_after_first(count)})
    local returned = core.time()
    assert.equal("FINISHED", status.state)
    assert.equal(2, count[1])
    assert.equal(2, polls(since)) -- the first, and one after the callback
    assert.truthy(status.callback, "the callback is exposed")
    assert.is_true(status.callback.unverified)
    assert.is_true(status.callback.task_success)
    assert.equal(id, status.callback.task_id)
    assert.equal("v2", status.callback.version)
    assert.is_true(returned - status.callback.received_at < PROMPT, returned - status.callback.received_at)
    assert.is_true(core.monotime() - t0 < 5)
    assert.equal(0, r:pending()) -- forgotten when the wait returned
    assert.equal("SUCCESS", sim:control("GET", "callbacks").callbacks[1].status)
  end)

  it("ignores forged, malformed and flooding callbacks: no early end, no other result, bounded memory", function()
    local id = started()
    local url = h.decode(sim:requests_to("create_task")[1].body).callback_url
    local path = url:match("^http://[^/]+(/.*)$")
    local forger
    collectgarbage()
    local before = collectgarbage("count")
    local count, since, states = {}, mark(), {}
    local status = assert(c:wait{task_id = id, callback = r, on_poll = function(st, info)
      count[1] = info.attempt
      states[#states + 1] = st.state
      if info.attempt == 1 then
        forger = h.spawn(h.SIM_LUA .. " spec/support/forge.lua " .. r:port() .. " " .. path .. " " .. id
          .. " 10000 " .. sim.port)
      end
    end})
    local rc, out = h.finish(forger)
    assert.equal(0, rc)
    local got = {}
    for name, st in out:gmatch("(%S+) (%d+)\n") do got[name] = tonumber(st) end
    assert.same({wrong_token = 404, unknown_slot = 404, short_key = 404, upper_case = 404, get = 405,
      bad_json = 400, json_array = 400, no_task_id = 400, bad_success = 400, other_task = 400, too_large = 413,
      chunked = 411, huge_head = 431, true_claim = 200, bare_lf = 400, space_colon = 400, folded = 400,
      no_colon = 400, bad_version = 400, flood_404 = 10000, advanced = 1}, got)
    -- the API's word: not ended, whatever the right-token claim said, then
    -- FINISHED once the task had ended
    assert.equal("FINISHED", status.state)
    for i = 1, #states - 1 do assert.are_not.equal("FINISHED", states[i]) end
    assert.is_true(status.callback.task_success)
    -- the first poll, one for the claim (and one 10.5 s later, past
    -- bk-sops' status cache, if the flood took that long), one after the
    -- real callback
    assert.equal(count[1], polls(since))
    assert.is_true(count[1] == 3 or count[1] == 4, count[1])
    assert.equal(0, r:pending())
    collectgarbage()
    assert.is_true(collectgarbage("count") - before < 1024, "Lua memory grew by KiB: " .. collectgarbage("count") - before)
    assert.is_true(r:stats().accepted >= 10000 + 19)
  end)

  it("a lost callback still ends the wait within one slow interval", function()
    sim:fault({kind = "callback_lost"})
    local id = started()
    local count, since = {}, mark()
    local t0 = core.monotime()
    local status = assert(c:wait{task_id = id, callback = r, max_interval = 1, jitter = 0,
      on_poll = ends_after_first(count)})
    local took = core.monotime() - t0
    assert.equal("FINISHED", status.state)
    assert.equal(2, polls(since))
    assert.is_nil(status.callback)
    assert.is_true(took >= 1 and took < 1 + 5 * PROMPT, took)
    assert.equal("LOST", sim:control("GET", "callbacks").callbacks[1].status)
  end)

  it("a callback sent twice or late changes nothing; one after the wait finds its token gone", function()
    sim:fault({kind = "callback_twice"})
    local id = started()
    local count, since = {}, mark()
    local status = assert(c:wait{task_id = id, callback = r, on_poll = ends_after_first(count)})
    assert.equal("FINISHED", status.state)
    assert.equal(2, polls(since))
    -- the second copy comes after the wait returned: 404, tried again, FAIL
    assert.is_false(r:sleep(0.3, nil))
    local cb = sim:control("GET", "callbacks").callbacks[1]
    assert.same({ok = true, result = 200}, cb.attempts[1])
    assert.same({ok = false, result = 404}, cb.attempts[2])
    -- late: the wait still returns on it
    sim:fault({kind = "callback_late", seconds = 0.3})
    local late = started()
    count, since = {}, mark()
    status = assert(c:wait{task_id = late, callback = r, on_poll = ends_after_first(count)})
    assert.equal("FINISHED", status.state)
    assert.equal(2, polls(since))
  end)

  it("polls at once for a node's failure callback and returns FAILED, as get_task_status says", function()
    local id = started({template_id = 2})
    local count, since = {}, mark()
    local status = assert(c:wait{task_id = id, callback = r, on_poll = ends_after_first(count)})
    assert.equal("FAILED", status.state)
    assert.is_false(status.callback.task_success)
    assert.equal(2, polls(since))
  end)

  it("wait_all wakes on any of its tasks' callbacks, in batches of 50", function()
    local ids = {}
    for i = 1, 3 do ids[i] = started({name = "all" .. i}) end
    local since = mark()
    local rounds = 0
    local results = c:wait_all{task_ids = ids, callback = r, on_poll = function(_, info)
      rounds = info.attempt
      if info.attempt == 1 then sim:advance(20) end
    end}
    local heard = 0
    for _, id in ipairs(ids) do
      assert.equal("FINISHED", results[id][1].state)
      if results[id][1].callback then
        assert.is_true(results[id][1].callback.unverified)
        heard = heard + 1
      end
    end
    assert.is_true(heard >= 1) -- (the others' may come after the poll that saw them end)
    assert.is_true(rounds <= 3, rounds) -- the first, then one per wake (the three may come in one)
    assert.equal(rounds, #sim:requests_to("/get_tasks_status/", since))
    assert.equal(0, r:pending())
  end)

  it("a receiver closed during a wait leaves the wait polling on its schedule", function()
    local id = started()
    local since = mark()
    local status = assert(c:wait{task_id = id, callback = r, max_interval = 0.2, interval = 0.1,
      on_poll = function(_, info)
        if info.attempt == 1 then
          r:close()
          sim:advance(20)
        end
      end})
    assert.equal("FINISHED", status.state)
    assert.is_nil(status.callback)
    assert.equal(2, polls(since))
  end)

  it("keeps a callback that came in while it was busy, however many idle connections crowd in after it", function()
    local id = started()
    local url = h.decode(sim:requests_to("create_task")[1].body).callback_url
    -- 40 idle connections behind it, more than the receiver's 32, while
    -- nobody reads (this process is not in the receiver)
    local crowd = h.spawn(h.SIM_LUA .. " spec/support/crowd.lua " .. r:port() .. " " .. url:match("^http://[^/]+(/.*)$")
      .. " 40")
    assert.equal("sent", crowd.pipe:read("*l"))
    assert.is_true(r:sleep(5, {r:slot_of(id)}))
    local _, out = h.finish(crowd)
    assert.equal("answer 200\n", out)
    assert.is_true(r:stats().refused >= 40 - 32)
  end)

  it("refuses a body over its bound with a 413 the sender can read, however much it still sends", function()
    local up = h.spawn(h.SIM_LUA .. " spec/support/upload.lua " .. r:port() .. " " .. 8 * 1024 * 1024 .. " /cb/x")
    -- (the receiver reads, refuses and lingers while this process is in it)
    h.wait_until(function()
      r:sleep(0.05)
      return select(3, h.run("kill -0 " .. up.pid .. " 2>/dev/null")) ~= 0
    end, 30)
    local _, out = h.finish(up)
    assert.is_nil(out:find("send failed", 1, true), out)
    assert.matches("HTTP/1.1 413 ", out, 1, true)
  end)

  it("out of descriptors, it neither spins nor loses the callback", function()
    local server = h.spawn("sh -c " .. h.shell_quote("ulimit -n 64; exec env " .. h.LUA_ENV .. " " .. h.LUA
      .. " spec/support/listen_until.lua 3 100"))
    local port = tonumber(server.pipe:read("*l"):match("^port (%d+)$"))
    local crowd = h.spawn(h.SIM_LUA .. " spec/support/crowd.lua " .. port .. " /x 80 behind")
    local _, out = h.finish(crowd)
    assert.equal("sent\nanswer 200\n", out)
    local _, done = h.finish(server)
    local cpu = tonumber(done:match("cpu ([%d.]+)"))
    assert.is_true(cpu < 1, done) -- not a busy loop over a listening socket it cannot accept from
  end)

  it("waits on a task it holds no URL for by plain polling, not a minute apart", function()
    local plain = assert(c:create_task{template_id = 1, name = "plain"})
    assert(c:start_task{task_id = plain.task_id})
    local t0 = core.monotime()
    local status = assert(c:wait{task_id = plain.task_id, callback = r, interval = 0.05, jitter = 0,
      on_poll = ends_after_first({})})
    assert.equal("FINISHED", status.state)
    assert.is_nil(status.callback)
    local results = c:wait_all{task_ids = {plain.task_id, started()}, callback = r, interval = 0.05,
      on_poll = function(_, info) if info.attempt == 1 then sim:advance(20) end end}
    for _, result in pairs(results) do assert.equal("FINISHED", result[1].state) end
    assert.is_true(core.monotime() - t0 < 5 * (1 + 10 * PROMPT))
  end)

  it("refuses mistakes before anything is sent", function()
    local plain = assert(c:create_task{template_id = 1, name = "plain"})
    sim:clear_log()
    local cases = {
      {function() c:wait{task_id = plain.task_id, callback = {}} end, "field 'callback': callback receiver expected"},
      {function() c:wait{task_id = plain.task_id, callback = r, sleep = function() end} end, "field 'sleep'"},
      {function() c:create_task{template_id = 1, name = "x", callback = r, callback_url = "http://a/b"} end,
        "give callback or callback_url, not both"},
      {function() c:create_task{template_id = 1, name = "x", callback = "http://x"} end, "callback receiver expected"},
      {function() callbacks.listen{host = "0.0.0.0", port = 0} end, "field 'public_url'"},
      {function() callbacks.listen{host = "127.0.0.1", port = 0, public_url = "ftp://x"} end, "field 'public_url'"},
      {function() callbacks.listen{host = "127.0.0.1", port = 70000} end, "field 'port'"},
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(case[1])
      assert.is_false(ok)
      assert.truthy(err:find("bad argument #1 to '", 1, true), err)
      assert.truthy(err:find(case[2], 1, true), err)
      assert.truthy(err:find("30%-callbacks_spec%.lua:%d+:"), err) -- at the caller's line
    end
    assert.same({}, sim:requests())
  end)

  it("bounds the pending tokens, and reports a port it cannot take", function()
    local small = assert(callbacks.listen{host = "127.0.0.1", port = 0, max_pending = 2})
    assert(c:create_task{template_id = 1, name = "1", callback = small})
    assert(c:create_task{template_id = 1, name = "2", callback = small})
    local since = mark()
    local none, _, err = c:create_task{template_id = 1, name = "3", callback = small}
    assert.is_nil(none)
    assert.equal("callback", err.kind)
    assert.truthy(tostring(err):find("max_pending", 1, true))
    assert.equal(0, #sim:requests(since))
    local taken, message, terr = callbacks.listen{host = "127.0.0.1", port = small:port()}
    assert.is_nil(taken)
    assert.equal("transport", terr.kind)
    assert.equal(tostring(terr), message)
    small:close()
    small:close() -- twice is fine
    none, _, err = c:create_task{template_id = 1, name = "4", callback = small}
    assert.is_nil(none)
    assert.equal("callback", err.kind)
    local slept, why, serr = small:sleep(0.01, nil)
    assert.is_nil(slept)
    assert.equal("sops: callbacks: callback error: the receiver is closed", why)
    assert.equal("callback", serr.kind)
  end)
end)

describe("sops run --wait --callback-listen", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  local function sops_cmd(args)
    return sim:env() .. " " .. h.LUA .. " bin/bksops " .. args
  end

  it("waits on the task's callback, polling once after it, and prints the status with the callback", function()
    local t0 = core.monotime()
    local proc = h.spawn(sops_cmd("run 1 --wait --json --callback-listen 127.0.0.1:0 2>/dev/null"))
    -- the first poll has been answered: the task ends in simulated time
    h.wait_until(function() return #sim:requests_to("/get_task_status/") >= 1 end, 10)
    sim:advance(20)
    local rc, out = h.finish(proc)
    assert.equal(0, rc)
    local doc = h.decode(out)
    assert.equal("FINISHED", doc.status.state)
    assert.is_true(doc.status.callback.unverified)
    assert.equal(2, #sim:requests_to("/get_task_status/"))
    local create = h.decode(sim:requests_to("/create_task/")[1].body)
    assert.truthy(create.callback_url:find("^http://127%.0%.0%.1:%d+/" .. string.rep("%x", 48) .. "$"))
    assert.is_true(core.monotime() - t0 < 30) -- not a 60 s poll
  end)

  it("refuses a callback option it cannot use, before anything is sent", function()
    for _, args in ipairs({"run 1 --callback-listen 127.0.0.1:0", "run 1 --wait --callback-listen nonsense",
      "run 1 --wait --callback-listen 0.0.0.0:0", "run 1 --callback-url http://x/y",
      "run 1 --wait --callback-listen 127.0.0.1:0 --callback-url ftp://x"}) do
      local _, err, code = h.run(sops_cmd(args))
      assert.equal(2, code, args)
      assert.truthy(err:find("callback", 1, true), err)
    end
    assert.same({}, sim:requests())
  end)
end)

describe("sops.callbacks", function()
  it("is reachable from the sops module, and tells a receiver from anything else", function()
    local sops = require "sops"
    assert.equal(callbacks, sops.callbacks)
    local rcv = assert(callbacks.listen{host = "127.0.0.1", port = 0})
    assert.is_true(callbacks.is_receiver(rcv))
    assert.is_false(callbacks.is_receiver({}))
    assert.is_false(callbacks.is_receiver(setmetatable({}, {__index = rcv})))
    assert.truthy(tostring(rcv):find("^sops.callbacks receiver %(http://127%.0%.0%.1:%d+, 0 pending%)$"))
    rcv:close()
  end)

  it("compares tokens whole, and reads both of bk-sops' bodies", function()
    local protocol = require "sops.callbacks.protocol"
    local t = string.rep("a", 32)
    assert.is_true(core.secret_equal(t, t))
    assert.is_false(core.secret_equal("b" .. t:sub(2), t))
    assert.is_false(core.secret_equal(t:sub(1, 31) .. "b", t))
    assert.is_false(core.secret_equal(t:sub(1, 31), t))
    assert.is_false(core.secret_equal(t .. "a", t))
    assert.is_false(core.secret_equal("", t))
    local a, b = core.random_hex(16), core.random_hex(16)
    assert.truthy(a:find("^" .. string.rep("%x", 32) .. "$"))
    assert.are_not.equal(a, b)
    assert.same({task_id = 7, task_success = false, version = "v1"},
      protocol.parse_body("application/x-www-form-urlencoded", "task_id=7&task_success=False"))
    assert.same({task_id = 7, task_success = true, version = "v2", task_outputs = {{key = "x", value = 1}}},
      protocol.parse_body("application/json", '{"task_id": 7, "callback_version": "v2", "task_success": true, '
        .. '"task_outputs": [{"key": "x", "value": 1}]}'))
    assert.is_nil(protocol.parse_body("application/json", '{"task_id": "seven", "task_success": true}'))
    assert.is_nil(protocol.parse_body(nil, "task_id=7&task_id=8&task_success=True"))
  end)

  it("refuses OpenResty's receiver outside nginx, saying why", function()
    local ok, err = pcall(callbacks.shared, {public_url = "http://127.0.0.1/cb"})
    assert.is_false(ok)
    assert.truthy(err:find("needs OpenResty", 1, true), err)
  end)
end)
