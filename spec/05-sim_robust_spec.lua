-- bksops-sim against clients that misbehave: thousands of idle connections,
-- a huge upload, floods of tiny chunks and pipelined requests, broken chunked
-- bodies, bad fault specs, a long request log, huge logged bodies.
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

  it("answers others between the 1-byte chunks of an upload and between pipelined requests", function()
    sim = h.start_sim()
    -- a body of 1 MiB in chunks of one byte; 100 requests at once with a
    -- header 12,000 times each; 20,000 requests at once. Half-way through
    -- each, another client asks how many requests were logged: a simulator
    -- that works through all a connection has sent before it serves anyone
    -- else answers only once the flood is done, every request of it logged.
    local floods = {
      {"chunked 1048576 /prod/flood/", n = 1},
      {"pipelined 100 12000 /prod/flood/", n = 100},
      {"pipelined 20000 0 /prod/flood/", n = 20000},
    }
    for _, flood in ipairs(floods) do
      local _, before = sim:request("GET", "/_sim/requests?since=1e18")
      local _, out = h.finish(helper("flood.lua", sim.port, flood[1]))
      local probe, answers = out:match("^probe (%d+)\nanswers (%d+)\n$")
      assert.is_string(probe, out)
      assert.equal(flood.n, tonumber(answers), flood[1])
      local logged = tonumber(probe) - before.last
      assert.is_true(logged < flood.n, string.format("%s: answered with %d of %d logged", flood[1], logged, flood.n))
      local _, after = sim:request("GET", "/_sim/requests?since=1e18")
      assert.equal(before.last + flood.n, after.last)
    end
    assert.is_true(healthy(sim))
  end)

  it("answers broken chunked bodies with 400, 413 or 431 and closes, within the body limit", function()
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
    -- trailers past 64 KiB in all, however short each line
    answer = h.raw(sim.port, head .. "0\r\n" .. string.rep("a:b\r\n", 14000))
    assert.matches("^HTTP/1%.1 431", answer)
    -- leading zeros, extensions and trailers are fine
    answer = h.raw(sim.port, head .. "0002;name=value\r\n{}\r\n0\r\nx-sum: 1\r\n\r\n")
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

  it("takes a lone surrogate escape as lua-sops does, and writes it back the same in C and in Lua", function()
    if not math.type then -- luacheck: ignore 143
      return pending("bksops-sim's modules need Lua 5.3 or later")
    end
    local json = require "sops.sim.json"
    local sops = require "sops"
    -- (lua-cjson alone refuses "\ud800": valid JSON, and bk-sops takes it)
    for _, text in ipairs({'"\\ud800"', '"\\udc00\\ud800"', '"a\\uDBFF\\u0041"', '{"k\\ud800": ["\\udfff", 1]}',
        '"\\\\ud800 \\\\\\ud800"', '"\\ud83d\\ude00 \\ud800\\ud83d\\ude00"', '["\\udc00\\\\", "\\"\\ud800"]'}) do
      local v, err = json.decode(text)
      assert.is_nil(err, text)
      assert.same(sops.decode(text), v, text)
      assert.equal(sops.encode(v), json.encode(v), text)
      assert.equal(json.encode(v), json.lua_encode(v), text)
    end
    assert.equal('"\\ud800"', json.lua_encode("\237\160\128"))
    -- what is no JSON is still refused, with lua-cjson's message
    for _, text in ipairs({'"\\ud800', '"\\ud800" x', '["\\ud800",]', '"\\ud80"'}) do
      local v, err = json.decode(text)
      assert.is_nil(v, text)
      assert.is_string(err, text)
    end
    -- through the simulator: sent, kept, and answered as the same string
    sim = h.start_sim()
    local c = sim:client()
    local value = "\237\160\128 x \237\176\128"
    local created = assert(c:create_task{template_id = 1, name = "lone surrogates",
      constants = {["${version}"] = value}})
    local detail = assert(c:get_task_detail{task_id = created.task_id})
    assert.equal(value, detail.constants["${version}"].value)
    assert.same(detail, sops.decode(sops.encode(detail)))
    c:close()
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

  -- One POST of `size` bytes on a connection of its own; the status line.
  local function post(port, size)
    local socket = require "socket"
    local c = assert(socket.connect("127.0.0.1", port))
    c:settimeout(30)
    assert(c:send(string.format("POST /prod/big/ HTTP/1.1\r\nHost: sim\r\nContent-Length: %d\r\n"
      .. "Connection: close\r\n\r\n", size) .. string.rep("x", size)))
    local line = c:receive("*l")
    c:close()
    return line
  end

  it("keeps the first 64 KiB of a body in the request log, with its length", function()
    sim = h.start_sim()
    for _, size in ipairs({0, 10, 65536, 65537, 3 * 1024 * 1024}) do
      assert.matches("^HTTP/1%.1 %d+", post(sim.port, size))
    end
    local list = sim:requests()
    assert.equal(5, #list)
    local want = {{0, false}, {10, false}, {65536, false}, {65537, true}, {3 * 1024 * 1024, true}}
    for i, w in ipairs(want) do
      assert.equal(w[1], list[i].body_length)
      assert.equal(w[2], list[i].body_truncated)
      assert.equal(string.rep("x", math.min(w[1], 65536)), list[i].body)
    end
    -- text is cut between characters, never inside one
    local text = string.rep("x", 65535) .. string.rep("\226\130\172", 10) -- then ten euro signs
    sim:post("/prod/big/", text, {headers = {["Content-Type"] = "text/plain"}})
    local last = sim:last_request()
    assert.equal(#text, last.body_length)
    assert.is_true(last.body_truncated)
    assert.equal(string.rep("x", 65535), last.body)
  end)

  it("holds no more memory for a log of huge bodies than for one of small ones", function()
    sim = h.start_sim()
    local status = io.open("/proc/" .. sim.pid .. "/status")
    if not status then return pending("no /proc/PID/status to read the simulator's memory from") end
    status:close()
    local function rss_mib()
      return tonumber(h.read("/proc/" .. sim.pid .. "/status"):match("VmRSS:%s*(%d+) kB")) / 1024
    end
    -- a log that kept the bodies would grow by 160 MiB from the 6th to the
    -- 16th; one that does not stays where garbage collection keeps it
    local size = 16 * 1024 * 1024
    for _ = 1, 6 do post(sim.port, size) end
    local before = rss_mib()
    for _ = 7, 16 do post(sim.port, size) end
    local grown = rss_mib() - before
    -- (under valgrind or the sanitizers, whose allocators hold freed memory
    -- back on purpose, the resident size says nothing about the log)
    if (os.getenv("SPEC_WRAP") or "") == "" then
      assert.is_true(grown < 80, string.format("the simulator grew by %.0f MiB", grown))
    end
    local _, log = sim:request("GET", "/_sim/requests")
    assert.equal(16, #log.requests)
    assert.equal(size, log.requests[16].body_length)
  end)
end)
