-- What a trusted client cannot do: read freed memory, let a header smuggle
-- a request, send a state-changing request twice, raise where it promised
-- nil, err, convert numbers out of range, hold a large answer's memory, or
-- leave a secret in an error. Each block reproduces a defect found by an
-- outside attack.
local h = require "helpers"
local sops = require "sops"

local HERE = "15%-safety_spec%.lua:%d+: "

-- Makes an object with finalizer fn and drops it (before 5.2 only a
-- userdata can have a __gc: newproxy makes one).
local function garbage_with_finalizer(fn)
  local proxy = rawget(_G, "newproxy")
  if proxy then
    local u = proxy(true)
    getmetatable(u).__gc = fn
  else
    setmetatable({}, {__gc = fn})
  end
end

-- raises, at this file's line, an error holding `want`
local function raises_here(fn, want)
  local ok, err = pcall(fn)
  assert.is_false(ok, want)
  assert.matches(HERE, err)
  assert.matches(want, err, 1, true)
  return err
end

describe("safety", function()
  local sim, c
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  describe("a client closed while a call is inside the core", function()
    it("by a metamethod of the params: the call returns a 'closed' error and sends nothing", function()
      local victim = sim:client()
      local params = setmetatable({task_id = 1}, {__index = function() victim:close() end})
      sim:clear_log()
      local v, _, err = victim:call("get_task_status", params)
      assert.is_nil(v)
      assert.equal("closed", err.kind)
      assert.is_false(err.sent)
      assert.is_false(victim:is_open())
      assert.equal("sops.client (closed)", tostring(victim))
      assert.same({}, sim:requests())
      victim:close() -- and again, harmlessly
    end)

    it("by a finalizer while a large answer is decoded: the buffer outlives the decoding", function()
      local t = sim:task({template_id = 7, start = true}) -- 2,123 nodes
      sim:advance(1000)
      -- whether a cycle ends inside a given call depends on the heap the
      -- runner left; tries until two calls were caught (the odds of missing
      -- twenty times in a row are nil, but no single try is counted on)
      local closed_inside, tries = 0, 0
      while closed_inside < 2 and tries < 20 do
        tries = tries + 1
        local victim = sim:client()
        local armed = false
        for _ = 1, 100 do
          garbage_with_finalizer(function() if armed then victim:close() end end)
        end
        -- collect often and in big steps, so that a cycle ends (and its
        -- finalizers run) inside the decoding
        local pause, stepmul = collectgarbage("setpause", 0), collectgarbage("setstepmul", 1000)
        armed = true
        local v, _, err = victim:call("get_task_status", {task_id = t.task_id, with_ex_data = true})
        armed = false
        collectgarbage("setpause", pause)
        collectgarbage("setstepmul", stepmul)
        if not victim:is_open() then
          assert.is_nil(v)
          assert.equal("closed", err.kind)
          -- (a cycle may also end before the request goes out: closed, and
          -- said to have sent nothing)
          if err.sent then closed_inside = closed_inside + 1 end
        end
        victim:close()
      end
      assert.is_true(closed_inside > 0, "no finalizer ran inside a call")
      collectgarbage()
      assert.is_table((c:get_template_list{})) -- the others still work
    end)

    it("and a call of its own from inside a call is refused, leaving the client usable", function()
      local victim = sim:client()
      local inner
      local params = setmetatable({task_id = 1}, {__index = function(_, k)
        if k == "scope" then inner = {pcall(victim.call, victim, "get_template_list", {})} end
      end})
      victim:call("get_task_status", params)
      assert.is_false(inner[1])
      assert.matches("client is busy", inner[2], 1, true)
      assert.is_table((victim:get_template_list{}))
      victim:close()
    end)
  end)

  describe("headers", function()
    local base = function(extra)
      local o = {url = sim.url .. "/prod", app_code = h.APP_CODE, app_secret = h.APP_SECRET, username = "admin",
        bk_biz_id = 2}
      for k, v in pairs(extra) do o[k] = v end
      return o
    end

    it("refuse CR, LF and NUL in every value, before anything is sent", function()
      sim:clear_log()
      raises_here(function() sops.new(base{user_agent = "ua\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x"}) end,
        "(option 'user_agent': must not contain CR or LF)")
      raises_here(function() sops.new(base{language = "en\0zh"}) end, "(option 'language': must not contain NUL)")
      raises_here(function() sops.new(base{tenant_id = "t\n1"}) end, "(option 'tenant_id': must not contain CR or LF)")
      raises_here(function() sops.new(base{headers = {["X-A"] = "1\r\nX-B: 2"}}) end,
        "(option 'headers': header 'X-A': must not contain CR or LF)")
      raises_here(function() sops.new(base{headers = {["X-A"] = "a\0b"}}) end,
        "(option 'headers': header 'X-A': must not contain NUL)")
      raises_here(function() sops.new(base{headers = {["X-A: b\r\nX-C"] = "1"}}) end,
        "(option 'headers': header names must be tokens")
      raises_here(function() sops.new(base{app_secret = "s\0rest"}) end, "(option 'app_secret': must not contain NUL)")
      assert.same({}, sim:requests())
    end)

    it("refuse the client's own headers in `headers`", function()
      for _, name in ipairs({"Host", "content-length", "Content-Type", "Authorization", "X-Bkapi-Authorization",
          "Transfer-Encoding"}) do
        raises_here(function() sops.new(base{headers = {[name] = "x"}}) end,
          "(option 'headers': header '" .. name .. "' is the client's own)")
      end
      raises_here(function() sops.new(base{headers = {["User-Agent"] = "x"}}) end, "(use option 'user_agent')")
    end)

    it("arrive intact when they are clean", function()
      local ok = sops.new(base{user_agent = "ua/1", language = "zh-cn", headers = {["X-Trace"] = "a b"}})
      assert(ok:get_template_list{})
      local req = sim:last_request()
      assert.equal("ua/1", req.headers["user-agent"])
      assert.equal("zh-cn", req.headers["accept-language"])
      assert.equal("a b", req.headers["x-trace"])
      ok:close()
    end)
  end)

  describe("a state-changing request", function()
    it("is never sent twice when a reused connection is reset: the error says it was sent", function()
      for _, case in ipairs({
        {"create_task", function() return c:create_task{template_id = 1, name = "once"} end},
        {"start_task", function(t) return c:start_task{task_id = t} end},
        {"operate_task", function(t) return c:revoke_task{task_id = t} end},
        {"operate_node", function(t) return c:skip_node{task_id = t, node_id = "n1"} end},
      }) do
        local t = sim:task({template_id = 1})
        assert(c:get_template_list{}) -- a keep-alive connection to reuse
        sim:clear_log()
        sim:fault({kind = "reset", count = 1, match = case[1]})
        local v, _, err = case[2](t.task_id)
        assert.is_nil(v, case[1])
        assert.equal("transport", err.kind, case[1])
        assert.is_true(err.sent, case[1])
        assert.is_false(err.retryable, case[1])
        assert.equal(1, #sim:requests_to(case[1]), case[1])
      end
    end)

    it("that was answered 5xx is never retryable (it may have acted), a 429 is, and neither is resent", function()
      for _, case in ipairs({
        {"create_task", function() return c:create_task{template_id = 1, name = "once"} end},
        {"start_task", function(t) return c:start_task{task_id = t} end},
        {"operate_task", function(t) return c:revoke_task{task_id = t} end},
      }) do
        for _, status in ipairs({500, 502, 503, 504}) do
          local t = sim:task({template_id = 1})
          sim:clear_log()
          sim:fault({kind = "status", status = status, match = case[1]})
          local v, _, err = case[2](t.task_id)
          assert.is_nil(v, case[1])
          assert.equal(status, err.http_status, case[1])
          assert.is_true(err.sent, case[1])
          assert.is_false(err.retryable, case[1] .. " " .. status)
          assert.equal(1, #sim:requests_to(case[1]), case[1])
        end
        sim:clear_log()
        sim:fault({kind = "rate_limit", retry_after = 1, match = case[1]})
        local _, _, err = case[2](sim:task({template_id = 1}).task_id)
        assert.equal(429, err.http_status, case[1])
        assert.is_true(err.retryable, case[1])
      end
      -- a read answered 5xx stays retryable
      sim:fault({kind = "status", status = 502, match = "get_template_list"})
      local _, _, err = c:get_template_list{}
      assert.is_true(err.retryable)
    end)

    it("that could not be sent says so", function()
      local dead = sops.new{url = "http://127.0.0.1:" .. h.dead_port() .. "/prod", app_code = "a", app_secret = "s",
        username = "u", bk_biz_id = 2}
      local _, _, err = dead:create_task{template_id = 1, name = "x"}
      assert.equal("transport", err.kind)
      assert.is_false(err.sent)
      dead:close()
    end)
  end)

  describe("answers of an unexpected shape", function()
    local function answer(body, match, count)
      sim:fault({kind = "garbage", status = 200, content_type = "application/json", body = body, match = match,
        count = count or 1})
    end

    it("give wait a decode error, not a raise", function()
      local t = sim:task({template_id = 1, start = true})
      answer('{"result": true, "code": 0, "data": null}', "get_task_status")
      local v, _, err = c:wait{task_id = t.task_id, sleep = sim:sleeper()}
      assert.is_nil(v)
      assert.equal("decode", err.kind)
      answer('{"result": true, "code": 0, "data": {"state": 5}}', "get_task_status")
      v, _, err = c:wait{task_id = t.task_id, sleep = sim:sleeper()}
      assert.is_nil(v)
      assert.equal("decode", err.kind)
    end)

    it("give wait_all a decode error for the task whose item is broken, not a raise", function()
      local a, b = sim:task({template_id = 1, start = true}), sim:task({template_id = 1, start = true})
      answer(string.format('{"result": true, "code": 0, "data": [{"id": %d}, {"id": %d, "status": '
        .. '{"state": "FINISHED", "children": {"x": 5}}}, 7, null]}', a.task_id, b.task_id), "get_tasks_status")
      local events = {}
      local results = c:wait_all{task_ids = {a.task_id, b.task_id}, sleep = sim:sleeper(),
        on_change = function(ev) events[#events + 1] = ev end}
      assert.equal("decode", results[a.task_id][3].kind)
      assert.equal("FINISHED", results[b.task_id][1].state)
      assert.equal(1, #events) -- the task; the child that is not an object is left out
      answer('{"result": true, "code": 0, "data": {"not": "a list"}}', "get_tasks_status")
      results = c:wait_all{task_ids = {a.task_id}, sleep = sim:sleeper()}
      assert.equal("decode", results[a.task_id][3].kind)
    end)

    it("make the bksops command exit 5 with a message, never a traceback", function()
      local t = sim:task({template_id = 1, start = true})
      answer('{"result": true, "code": 0, "data": null}', "get_task_status")
      local _, err, code = h.run(sim:env() .. " " .. h.LUA .. " bin/bksops wait " .. t.task_id .. " --timeout 5")
      assert.equal(5, code)
      assert.is_nil(err:find("traceback", 1, true))
      assert.matches("decode error", err, 1, true)
      answer('{"result": true, "code": 0, "data": {"state": "RUNNING", "elapsed_time": 1e999}}', "get_task_status")
      local out
      out, err, code = h.run(sim:env() .. " " .. h.LUA .. " bin/bksops status " .. t.task_id .. " --json")
      assert.equal(5, code)
      assert.equal("", out)
      assert.matches("cannot be printed as JSON", err, 1, true)
      assert.is_nil(err:find("traceback", 1, true))
    end)
  end)

  describe("numbers", function()
    it("out of range in options are refused", function()
      local o = {url = sim.url .. "/prod", app_code = "a", app_secret = "s", username = "u"}
      for _, k in ipairs({"timeout", "connect_timeout"}) do
        for _, v in ipairs({math.huge, -math.huge, 1e300}) do
          o[k] = v
          raises_here(function() sops.new(o) end, "(option '" .. k .. "': seconds expected")
        end
        o[k] = nil
      end
      o.max_body = math.huge
      raises_here(function() sops.new(o) end, "(option 'max_body': positive integer expected")
    end)

    it("from the server past the integer range stay numbers", function()
      sim:fault({kind = "garbage", status = 200, content_type = "application/json", match = "get_task_status",
        body = '{"result": false, "code": 1e300, "message": "odd"}'})
      local _, _, err = c:get_task_status{task_id = 1}
      assert.equal("api", err.kind)
      assert.equal(1e300, err.code)
    end)

    it("cannot make the decoder recurse past its bound", function()
      local deep = string.rep("[", 50000) .. string.rep("]", 50000)
      local v, err = sops.decode(deep, 1e8)
      assert.is_nil(v)
      assert.matches("nesting too deep", err)
      v, err = sops.decode(deep, math.huge)
      assert.is_nil(v)
      assert.matches("nesting too deep", err)
      assert.same({{1}}, sops.decode("[[1]]", 2))
      assert.is_nil((sops.decode("[[1]]", 1)))
    end)
  end)

  describe("memory", function()
    -- resident memory, from /proc (meaningless under valgrind)
    local function rss_mb()
      local f = io.open("/proc/self/statm")
      if not f then return nil end
      local pages = tonumber(f:read("*a"):match("^%d+%s+(%d+)"))
      f:close()
      return pages * 4096 / 1048576
    end
    if (os.getenv("SPEC_WRAP") or "") ~= "" or not rss_mb() then
      pending("is given back after large answers (skipped: no meaningful resident size here)")
    else
      it("is given back after large answers", function()
        local calls = {}
        for i = 1, 8 do calls[i] = {"get_template_list", {bk_biz_id = 2}} end
        collectgarbage()
        local before = rss_mb()
        sim:fault({kind = "size", bytes = 8 * 1048576, count = 8, match = "get_template_list"})
        local results = c:call_many(calls)
        for i = 1, 8 do assert.is_true(#results[i][1] > 8 * 1048576 - 100) end
        results = nil -- luacheck: ignore 311
        collectgarbage()
        collectgarbage()
        local grown = rss_mb() - before
        assert.is_true(grown < 24, string.format("resident memory grew by %.0f MB", grown))
      end)

      -- trim_buffers frees a body past 256 KB when its call ends; from
      -- malloc, glibc kept each one after the first (its first free of so
      -- large a block makes it serve the next ones from its heap): 1 MB
      -- here. In a process of its own, whose allocator has seen nothing
      -- else this large.
      it("of a large answer goes back when its call ends, the tenth's as the first's", function()
        local t = sim:task({template_id = 7, start = true}) -- about 1 MB of status
        sim:advance(1000)
        local code = string.format([[
          local c = require("sops").new{url = %q, app_code = %q, app_secret = %q, username = "admin", bk_biz_id = 2}
          local function settled()
            assert(type((c:get_task_status{task_id = %d})) == "table")
            collectgarbage()
            collectgarbage()
            local f = io.open("/proc/self/statm")
            local pages = tonumber(f:read("*a"):match("^%%d+%%s+(%%d+)"))
            f:close()
            return pages * 4096 / 1048576
          end
          local first, last = settled(), nil
          for _ = 2, 10 do last = settled() end
          io.write(string.format("%%.3f", last - first))]], sim.url .. "/prod", h.APP_CODE, h.APP_SECRET, t.task_id)
        local file = os.tmpname()
        local f = assert(io.open(file, "w"))
        f:write(code)
        f:close()
        local out, err = h.run(string.format("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./%s/?.so;;' %s %s",
          h.BUILD, h.LUA, file))
        os.remove(file)
        local grown = tonumber(out)
        assert.is_number(grown, err)
        assert.is_true(grown < 0.5, string.format("resident memory grew by %.2f MB from the first call to the tenth",
          grown))
      end)
    end
  end)

  describe("secrets", function()
    it("are scrubbed from err.detail as from err.message", function()
      sim:fault({kind = "garbage", status = 200, content_type = "application/json", match = "get_task_status",
        body = '{"result": false, "code": 7, "message": {"why": "bad ' .. h.APP_SECRET .. '", "list": ["'
          .. h.APP_SECRET .. '"]}}'})
      local _, _, err = c:get_task_status{task_id = 1}
      assert.equal("bad ***", err.detail.why)
      assert.equal("***", err.detail.list[1])
      assert.is_nil(err.message:find(h.APP_SECRET, 1, true))
    end)

    it("in a proxy URL never reach an error", function()
      for _, proxy in ipairs({"http://user:hunter2@127.0.0.1:" .. h.dead_port(), "http://user:hunter2@[bad",
          "user:hunter2@127.0.0.1:1"}) do
        local p = sops.new{url = sim.url .. "/prod", app_code = "a", app_secret = "s0", username = "u",
          bk_biz_id = 2, proxy = proxy, timeout = 2}
        local _, _, err = p:get_task_status{task_id = 1}
        assert.is_table(err, proxy)
        for k, v in pairs(err) do assert.is_nil(tostring(v):find("hunter2", 1, true), k) end
        assert.is_nil(tostring(err):find("hunter2", 1, true))
        p:close()
      end
    end)
  end)

  describe("arguments", function()
    it("are checked all the way down, at the caller's line", function()
      raises_here(function() c:get_template_list{id_in = {{}}} end,
        "(field 'id_in[1]': positive integer expected, got table)")
      raises_here(function() c:get_template_list{id_in = {1, "1&x=2"}} end,
        "(field 'id_in[2]': positive integer expected")
      raises_here(function() c:create_task{template_id = 1, name = "x", exclude_task_nodes_id = {"a", x = "b"}} end,
        "(field 'exclude_task_nodes_id': list expected")
      raises_here(function() c:create_task{template_id = 1, name = "bad \255 name"} end,
        "(field 'name': invalid UTF-8 in a string)")
      raises_here(function() c:get_template_list{name_keyword = "\192\128"} end,
        "(field 'name_keyword': invalid UTF-8 in a string)")
      raises_here(function() c:create_task{template_id = 1, name = "x", constants = {f = print}} end,
        "(field 'constants': cannot encode a value of this type)")
      raises_here(function() c:call("get_task_status", {task_id = 1, odd = 0 / 0}) end,
        "(field 'odd': cannot send NaN or infinity)")
      assert.same({}, sim:requests())
      -- id_in as digits, joined
      assert(c:get_template_list{id_in = {"1", 2.0}})
      assert.equal("1,2", sim:last_request().args.id_in)
    end)
  end)
end)
