-- bksops-sim as an HTTP server: keep-alive, concurrency, 100-continue, and
-- bad input that must never kill it.
local h = require "helpers"
local socket = h.socket

local function request_bytes(method, path, body, extra)
  local lines = {method .. " " .. path .. " HTTP/1.1", "Host: 127.0.0.1", "X-Bkapi-Authorization: " .. h.AUTH}
  for _, l in ipairs(extra or {}) do lines[#lines + 1] = l end
  if body then lines[#lines + 1] = "Content-Length: " .. #body end
  return table.concat(lines, "\r\n") .. "\r\n\r\n" .. (body or "")
end

-- Reads one response from a connected socket: status, headers, body.
local function read_response(c)
  local status_line = assert(c:receive("*l"))
  local status = tonumber(status_line:match("^HTTP/1%.1 (%d+)"))
  local headers = {}
  while true do
    local line = assert(c:receive("*l"))
    if line == "" then break end
    local k, v = line:match("^([^:]+):%s*(.*)$")
    headers[k:lower()] = v
  end
  local body = ""
  local n = tonumber(headers["content-length"] or "0")
  if n > 0 then body = assert(c:receive(n)) end
  return status, headers, body
end

describe("bksops-sim HTTP", function()
  local sim
  h.use_sim({"--speed", "100"}, false, function(s) sim = s end, true)

  it("prints where it listens and answers on that port", function()
    assert.matches("^http://127%.0%.0%.1:%d+$", sim.url)
    local status, body = sim:get("/_sim/health")
    assert.equal(200, status)
    assert.is_true(body.ok)
  end)

  it("keeps a connection alive across requests", function()
    local c = assert(socket.connect("127.0.0.1", sim.port))
    c:settimeout(5)
    for _ = 1, 3 do
      c:send(request_bytes("GET", h.gw("get_template_list", 2)))
      local status, headers, body = read_response(c)
      assert.equal(200, status)
      assert.equal("keep-alive", headers.connection)
      assert.is_true(h.decode(body).result)
    end
    c:close()
  end)

  it("closes after Connection: close", function()
    local text = h.raw(sim.port, request_bytes("GET", h.gw("get_template_list", 2), nil, {"Connection: close"}))
    assert.matches("^HTTP/1%.1 200", text)
    assert.matches("Connection: close", text)
  end)

  it("serves many connections at once", function()
    -- open 20 connections, send a partial request on each, then finish them in reverse
    local conns = {}
    local req = request_bytes("GET", h.gw("get_template_list", 2))
    for i = 1, 20 do
      conns[i] = assert(socket.connect("127.0.0.1", sim.port))
      conns[i]:settimeout(5)
      conns[i]:send(req:sub(1, 10))
    end
    for i = 20, 1, -1 do
      conns[i]:send(req:sub(11))
      local status = read_response(conns[i])
      assert.equal(200, status)
    end
    for _, c in ipairs(conns) do c:close() end
  end)

  it("a slow client does not block others", function()
    local slow = assert(socket.connect("127.0.0.1", sim.port))
    slow:send("GET /prod/get_template_list/2/ HTTP/1.1\r\nHost: x\r\n") -- never finishes
    local status = sim:get(h.gw("get_template_list", 2))
    assert.equal(200, status)
    slow:close()
  end)

  it("answers Expect: 100-continue before reading the body", function()
    local c = assert(socket.connect("127.0.0.1", sim.port))
    c:settimeout(5)
    local body = '{"task_id_list": [], "pad": "' .. string.rep("x", 2000) .. '"}'
    c:send(request_bytes("POST", h.gw("get_tasks_status", 2), nil,
      {"Expect: 100-continue", "Content-Length: " .. #body, "Content-Type: application/json"}))
    local line = assert(c:receive("*l"))
    assert.equal("HTTP/1.1 100 Continue", line)
    assert.equal("", c:receive("*l"))
    c:send(body)
    local status, _, rbody = read_response(c)
    assert.equal(200, status)
    assert.is_true(h.decode(rbody).result)
    c:close()
  end)

  it("reads chunked request bodies", function()
    local body = '{"action": "pause"}'
    local chunked = string.format("%x\r\n%s\r\n0\r\n\r\n", #body, body)
    local task = sim:task({template_id = 1})
    local text = h.raw(sim.port, request_bytes("POST", h.gw("operate_task", task.task_id, 2), nil,
      {"Transfer-Encoding: chunked", "Connection: close"}) .. chunked)
    assert.matches("task not started", text)
  end)

  it("answers 400 to a malformed request line and keeps serving", function()
    local text = h.raw(sim.port, "this is not http\r\n\r\n")
    assert.matches("^HTTP/1%.1 400", text)
    assert.equal(200, (sim:get("/_sim/health")))
  end)

  it("answers 400 to a malformed header line", function()
    local text = h.raw(sim.port, "GET / HTTP/1.1\r\nno colon here\r\n\r\n")
    assert.matches("^HTTP/1%.1 400", text)
  end)

  it("answers 400 to a bad Content-Length", function()
    local text = h.raw(sim.port, "POST /prod/start_task/1/2/ HTTP/1.1\r\nContent-Length: -5\r\n\r\n")
    assert.matches("^HTTP/1%.1 400", text)
  end)

  it("answers 431 to huge headers", function()
    local text = h.raw(sim.port, "GET / HTTP/1.1\r\nX-Big: " .. string.rep("a", 70000) .. "\r\n\r\n")
    assert.matches("^HTTP/1%.1 431", text)
    assert.equal(200, (sim:get("/_sim/health")))
  end)

  it("answers 413 to a body over the limit without reading it", function()
    local text = h.raw(sim.port, "POST /prod/start_task/1/2/ HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n")
    assert.matches("^HTTP/1%.1 413", text)
  end)

  it("survives a client that disconnects mid-request", function()
    local c = assert(socket.connect("127.0.0.1", sim.port))
    c:send("POST /prod/start_task/1/2/ HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"a\":")
    c:close()
    local c2 = assert(socket.connect("127.0.0.1", sim.port))
    c2:send("GET /prod/get_template_list/2/ HTT")
    c2:close()
    assert.equal(200, (sim:get(h.gw("get_template_list", 2))))
  end)

  it("answers 404 to unknown paths", function()
    assert.equal(404, (sim:get("/nothing/here")))
    assert.equal(404, (sim:get("/")))
  end)
end)

describe("bksops-sim process", function()
  it("stops cleanly on SIGTERM and SIGINT, exit status 0, port freed", function()
    local sims = {}
    finally(function() -- a failed assertion must not leave one running
      for _, sim in ipairs(sims) do sim:stop() end
    end)
    for _, sig in ipairs({"TERM", "INT"}) do
      local sim = h.start_sim()
      sims[#sims + 1] = sim
      assert.equal(200, (sim:get("/_sim/health")))
      assert.equal(0, sim:stop(sig))
      assert.is_nil(socket.connect("127.0.0.1", sim.port))
    end
  end)

  it("rejects unknown options with exit code 2", function()
    local _, err, code = h.run(h.SIM_LUA .. " bin/bksops-sim --bogus")
    assert.equal(2, code)
    assert.matches("unknown option --bogus", err, 1, true)
  end)

  it("refuses a --speed it cannot keep with exit code 2", function()
    for _, speed in ipairs({"-1", "1e400", "1e7"}) do
      local _, err, code = h.run(h.SIM_LUA .. " bin/bksops-sim --speed " .. speed)
      assert.equal(2, code, speed)
      assert.matches("--speed must be a number from 0 to 1000000", err, 1, true)
    end
  end)

  -- on a Lua older than 5.3 it says what it needs instead of failing to parse
  local old = {}
  for _, lua in ipairs({"lua5.1", "luajit"}) do
    if h.run("command -v " .. lua) ~= "" then old[#old + 1] = lua end
  end
  if #old > 0 then
    it("refuses Lua older than 5.3 with a clear message, exit code 2 (" .. table.concat(old, ", ") .. ")", function()
      for _, lua in ipairs(old) do
        local out, err, code = h.run(lua .. " bin/bksops-sim --port 0")
        assert.equal(2, code, lua)
        assert.equal("", out)
        assert.matches("^bksops%-sim: needs Lua 5%.3 or later; this is Lua", err)
      end
    end)
  else
    pending("refuses Lua older than 5.3 (skipped: neither lua5.1 nor luajit is installed)")
  end

  it("rejects a broken templates file with a clear message", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("return { { id = 'x', name = 'bad', steps = {} } }")
    f:close()
    local _, out, code = h.run(h.SIM_LUA .. " bin/bksops-sim --templates " .. path)
    os.remove(path)
    assert.equal(2, code)
    assert.matches("template%[1%]%.id: must be a positive integer", out)
  end)

  it("serves templates from --templates", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write([[return { { id = 42, name = "custom", steps = { { name = "only", duration = 1 } } } }]])
    f:close()
    local sim = h.start_sim({"--templates", path})
    finally(function() sim:stop() end)
    local status, body = sim:get(h.gw("get_template_list", 2))
    sim:stop()
    os.remove(path)
    assert.equal(200, status)
    assert.equal(1, #body.data)
    assert.equal(42, body.data[1].id)
    assert.equal("custom", body.data[1].name)
  end)

  it("prints help", function()
    local p = io.popen(h.SIM_LUA .. " bin/bksops-sim --help")
    local out = p:read("*a")
    p:close()
    assert.matches("%-%-speed", out)
    assert.matches("%-%-templates", out)
  end)
end)
