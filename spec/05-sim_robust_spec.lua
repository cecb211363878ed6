-- bksops-sim against clients that misbehave: thousands of idle connections,
-- a huge upload, broken chunked bodies, bad fault specs, a long request log.
local h = require "helpers"

local HEALTH = "GET /_sim/health HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n"

local function healthy(sim)
  return h.raw(sim.port, HEALTH, 5):match("^HTTP/1%.1 (%d+)") == "200"
end

-- a helper process of spec/support, with room for many descriptors
local function helper(script, ...)
  local args = table.concat({...}, " ")
  return h.spawn("sh -c " .. h.shell_quote("ulimit -n 8192 2>/dev/null; exec " .. h.SIM_LUA
    .. " spec/support/" .. script .. " " .. args))
end

describe("bksops-sim under load and abuse", function()
  local sim
  after_each(function()
    if sim then sim:stop() end
    sim = nil
  end)

  it("holds 2,000 open connections and still answers", function()
    sim = h.start_sim()
    local holder = helper("hold.lua", sim.port, 2000)
    assert.equal("held 2000", holder.pipe:read("*l"))
    for _ = 1, 5 do assert.is_true(healthy(sim)) end
    local c = sim:client()
    assert.truthy(c:get_template_list{})
    c:close()
    os.execute("kill " .. holder.pid)
    h.finish(holder)
    assert.is_true(healthy(sim))
  end)

  it("makes room by closing the longest idle connection, and refuses with 503 when all are busy", function()
    sim = h.start_sim({"--max-connections", "20"})
    local socket = require "socket"
    -- twenty kept-alive connections, each idle after one request
    local idle = {}
    for i = 1, 20 do
      idle[i] = assert(socket.connect("127.0.0.1", sim.port))
      idle[i]:settimeout(5)
      idle[i]:send("GET /_sim/health HTTP/1.1\r\nHost: sim\r\nContent-Length: 0\r\n\r\n")
      assert.equal("HTTP/1.1 200 OK", idle[i]:receive("*l"))
      repeat local line = idle[i]:receive("*l") until line == ""
      idle[i]:receive(#'{"ok":true}')
    end
    -- the oldest made way: a request is still served, and it was closed
    assert.is_true(healthy(sim))
    local _, err = idle[1]:receive(1)
    assert.equal("closed", err)
    for _, c in ipairs(idle) do c:close() end
    -- twenty requests held by the server (a delay) leave no idle connection
    sim:fault({kind = "delay", seconds = 30, match = "/slow", count = 20})
    local busy = {}
    for i = 1, 20 do
      busy[i] = assert(socket.connect("127.0.0.1", sim.port))
      busy[i]:send("GET /slow HTTP/1.1\r\nHost: sim\r\n\r\n")
    end
    -- served until all twenty are in, then refused: never dropped
    local answer
    h.wait_until(function()
      answer = h.raw(sim.port, HEALTH)
      assert.matches("^HTTP/1%.1 [25]0[03]", answer)
      return answer:find("^HTTP/1%.1 503") ~= nil
    end)
    assert.matches("\r\nRetry%-After: 1\r\n", answer)
    assert.matches("too many open connections", answer, 1, true)
    for _, c in ipairs(busy) do c:close() end
  end)

  it("closes a connection that sends nothing for --idle-timeout", function()
    sim = h.start_sim({"--idle-timeout", "0.2"})
    local socket = require "socket"
    local c = assert(socket.connect("127.0.0.1", sim.port))
    c:send("GET /_sim/hea") -- half a request line, then nothing
    c:settimeout(10)
    local data, err, partial = c:receive("*a")
    assert.equal("", data or partial) -- closed without an answer
    assert.is_true(err == nil or err == "closed", err)
    c:close()
    assert.is_true(healthy(sim))
  end)

  it("serves others while a 60 MB upload comes in", function()
    sim = h.start_sim()
    local socket = require "socket"
    local up = helper("upload.lua", sim.port, 60 * 1024 * 1024)
    assert.equal("half", up.pipe:read("*l"))
    -- a health check answered while the body still streams in: before the
    -- uploader's last byte went out (a simulator that reads a whole body
    -- before anything else answers it only after)
    assert.is_true(healthy(sim))
    local answered = socket.gettime()
    local _, out = h.finish(up)
    local sent = tonumber(out:match("^sent ([%d.]+)\n"))
    assert.is_number(sent, out)
    assert.is_true(answered < sent, string.format("answered at %.3f, upload sent at %.3f", answered, sent))
    -- (the whole body was read, then answered: it is not JSON)
    assert.matches("\nHTTP/1%.1 400 Bad Request\n$", out)
  end)

  it("answers broken chunked bodies with 400 or 413 and closes, within the body limit", function()
    sim = h.start_sim()
    local head = "POST /_sim/health HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: chunked\r\n\r\n"
    -- sizes that overflow 64 bits, or add up past the limit
    local answer = h.raw(sim.port, head .. "C000000000000000\r\n" .. string.rep("x", 64) .. "\r\n")
    assert.matches("^HTTP/1%.1 413", answer)
    answer = h.raw(sim.port, head .. "4000001\r\n" .. string.rep("x", 10) .. "\r\n")
    assert.matches("^HTTP/1%.1 413", answer) -- 64 MiB in one chunk: past the limit at once
    answer = h.raw(sim.port, head .. "zz\r\nabc\r\n0\r\n\r\n")
    assert.matches("^HTTP/1%.1 400 Bad Request\r\n.*malformed chunk size", answer)
    answer = h.raw(sim.port, head .. "0x10\r\n")
    assert.matches("^HTTP/1%.1 400", answer)
    -- leading zeros and extensions are fine
    answer = h.raw(sim.port, head .. "0002;name=value\r\n{}\r\n0\r\n\r\n")
    assert.matches("^HTTP/1%.1 200", answer)
    assert.is_true(healthy(sim))
  end)

  it("refuses a bad fault spec with 400 and changes nothing", function()
    sim = h.start_sim()
    local bad = {
      {kind = "status", status = "500"}, {kind = "status", status = 99999}, {kind = "status", status = 502.5},
      {kind = "garbage", content_type = "text/html\r\nX-Evil: 1"}, {kind = "reset", match = {"a"}},
      {kind = "reset", match = ""}, {kind = "delay", seconds = -1}, {kind = "delay", seconds = "1"},
      {kind = "size", bytes = 1e12}, {kind = "reset", count = 0}, {kind = "reset", bogus = 1},
      {kind = "nonsense"}, {},
    }
    for _, f in ipairs(bad) do
      local status, value = sim:request("POST", "/_sim/faults", {body = f})
      assert.equal(400, status, require("cjson").encode(f))
      assert.is_string(value.error)
    end
    local _, list = sim:request("GET", "/_sim/faults")
    assert.equal(0, #list.faults)
    -- and every request after them is served as before
    local c = sim:client()
    assert.truthy(c:get_template_list{})
    c:close()
  end)

  it("writes the same JSON through lua-sops' C encoder as through its own Lua one", function()
    if not math.type then -- luacheck: ignore 143
      return pending("bksops-sim's modules need Lua 5.3 or later")
    end
    local json = require "sops.sim.json"
    assert.is_true(json.fast, "lua-sops' core is built for this Lua: the C encoder is in use")
    local simmod = require "sops.sim"
    local status = require "sops.sim.status"
    local s = simmod.new({speed = 0, app_code = "a", app_secret = "s"})
    local eng, project = s.engine, s.projects[1]
    local tasks = {}
    for id = 1, 6 do
      local tpl = eng.templates[id]
      local t = eng:create_task(project, tpl, {name = "任务 " .. id, creator = "admin", constants = {}})
      eng:queue_start(t)
      tasks[#tasks + 1] = t
    end
    s.clock:advance(1)
    eng:advance_all()
    s.clock:advance(5)
    eng:advance_all()
    local now = eng:now()
    local compared = 0
    for _, t in ipairs(tasks) do
      for _, opts in ipairs({{}, {shallow = true}, {with_ex_data = true, with_failed_node_info = true}}) do
        local tree = status.tree(t, now, opts)
        if tree then
          local doc = json.obj("result", true, "data", tree, "list", json.array(), "code", 0)
          assert.equal(json.lua_encode(doc), json.encode(doc))
          compared = compared + 1
        end
      end
      for _, node in pairs(t.compiled.nodes) do
        assert.equal(json.lua_encode(status.node_detail(t, node, now)), json.encode(status.node_detail(t, node, now)))
        compared = compared + 1
      end
    end
    assert.is_true(compared > 50)
    -- what the C encoder refuses, the Lua one still writes
    assert.equal('{"a":"\255"}', json.encode(json.obj("a", "\255")))
  end)

  it("keeps the last --log-limit requests and says how many it dropped", function()
    sim = h.start_sim({"--log-limit", "5"})
    local c = sim:client()
    for _ = 1, 8 do assert.truthy(c:get_template_list{}) end
    c:close()
    local _, log = sim:request("GET", "/_sim/requests")
    assert.equal(5, #log.requests)
    assert.equal(3, log.dropped)
    assert.equal(5, log.limit)
    assert.equal(8, log.last)
    assert.equal(4, log.requests[1].seq)
    sim:clear_log()
    _, log = sim:request("GET", "/_sim/requests")
    assert.equal(0, #log.requests)
    assert.equal(0, log.dropped)
  end)
end)
