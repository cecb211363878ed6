-- Chaos: 2,000 calls of every kind against a simulator that injects random
-- faults (resets, cut-off and garbage answers, 5xx and 429, slow answers,
-- oversized bodies). Every call must return a value or nil and a
-- structured error, nothing may raise or hang, a state-changing request
-- must reach the server at most once, and memory must stay flat.
local h = require "helpers"
local sops = require "sops"

local CALLS = 2000

-- a small generator (Park-Miller, exact in doubles too, for Lua 5.1 and
-- LuaJIT): every run injects the same faults
local function rng(seed)
  return function(n)
    seed = (seed * 16807) % 2147483647
    return seed % n + 1
  end
end

local FAULTS = {
  {kind = "reset"},
  {kind = "truncate"},
  {kind = "status", status = 502},
  {kind = "status", status = 503},
  {kind = "rate_limit", retry_after = 0},
  {kind = "garbage"},
  {kind = "garbage", status = 200, content_type = "application/json", body = '{"result": true, "data": null}'},
  {kind = "garbage", status = 200, content_type = "application/json", body = '{"result": "yes"}'},
  {kind = "garbage", status = 200, content_type = "application/json", body = '[1, 2'},
  {kind = "size", bytes = 300000},
  {kind = "delay", seconds = 0.01},
}

local function rss_kb()
  local f = io.open("/proc/self/statm")
  if not f then return nil end
  local pages = tonumber(f:read("*a"):match("^%d+%s+(%d+)"))
  f:close()
  return pages * 4
end

describe("chaos", function()
  local sim
  h.use_sim({"--speed", "0", "--quiet"}, false, function(s) sim = s end, true)

  it("every one of " .. CALLS .. " calls under random faults returns a value or nil, err", function()
    local c = sim:client({timeout = 2, max_body = 200000})
    local rand = rng(20261124)
    local template_tasks = {}
    for i = 1, 4 do template_tasks[i] = sim:task({template_id = 1}).task_id end
    local calls = {
      function() return c:get_task_status{task_id = template_tasks[rand(4)], with_ex_data = true} end,
      function() return c:get_tasks_status{task_id_list = template_tasks} end,
      function() return c:get_template_list{} end,
      function() return c:get_template_info{template_id = rand(7)} end,
      function() return c:create_task{template_id = 1, name = "chaos"} end,
      function() return c:start_task{task_id = template_tasks[rand(4)]} end,
      function() return c:pause_task{task_id = template_tasks[rand(4)]} end,
      function()
        local r = c:call_many({{"get_task_status", {task_id = template_tasks[1]}},
          {"get_template_list", {}}, {"get_task_detail", {task_id = template_tasks[2]}}})
        for _, x in ipairs(r) do
          if x[1] == nil then return nil, x[2], x[3] end
        end
        return r[1][1], r[1][2], r[1][3]
      end,
    }
    local kinds, faults, values, memory = {}, 0, 0, {}
    for i = 1, CALLS do
      if rand(3) == 1 then
        local f = {}
        for k, v in pairs(FAULTS[rand(#FAULTS)]) do f[k] = v end
        f.count = 1
        sim:fault(f)
        faults = faults + 1
      end
      local which = rand(#calls)
      local ok, v, message, err = pcall(calls[which])
      assert.is_true(ok, "call " .. i .. " raised: " .. tostring(v))
      if v == nil then
        assert.is_string(message, "call " .. i .. ": no message")
        assert.is_true(sops.is_error(err), "call " .. i .. ": no structured error")
        assert.equal(tostring(err), message)
        assert.is_string(err.kind)
        assert.is_string(err.message)
        kinds[err.kind] = (kinds[err.kind] or 0) + 1
      else
        assert.is_nil(message, "call " .. i .. ": a second value on success")
        values = values + 1
      end
      if i == CALLS / 2 or i == CALLS then
        sim:control("DELETE", "faults")
        collectgarbage()
        collectgarbage()
        memory[#memory + 1] = {lua = collectgarbage("count"), rss = rss_kb()}
        sim:clear_log() -- the simulator's log grows; ours must not
      end
    end
    assert.is_true(faults > CALLS / 4)
    assert.is_true(values > CALLS / 3)
    for _, kind in ipairs({"transport", "http", "decode", "api"}) do
      assert.is_true((kinds[kind] or 0) > 0, "no " .. kind .. " error was seen")
    end
    -- memory is flat from the first half to the second
    assert.is_true(memory[2].lua - memory[1].lua < 1024, "Lua memory grew")
    if memory[1].rss and (os.getenv("SPEC_WRAP") or "") == "" then
      assert.is_true(memory[2].rss - memory[1].rss < 8192,
        string.format("resident memory grew by %d kB", memory[2].rss - memory[1].rss))
    end
    c:close()
  end)

  it("never lets a state-changing request reach the server twice", function()
    local c = sim:client({timeout = 2})
    local rand = rng(7)
    sim:clear_log()
    local sent = 0
    for _ = 1, 200 do
      if rand(2) == 1 then
        assert(c:get_template_list{}) -- keeps a connection alive to reuse
      end
      sim:fault({kind = rand(2) == 1 and "reset" or "truncate", count = 1, match = "create_task"})
      local v, _, err = c:create_task{template_id = 1, name = "once"}
      if v or err.sent then sent = sent + 1 end
    end
    -- at most one request per call: never more requests than calls
    local requests = #sim:requests_to("create_task")
    assert.is_true(requests <= 200)
    assert.equal(sent, requests)
    c:close()
  end)
end)

-- Every form a secret travels in: raw, percent-encoded (either hex case),
-- JSON-escaped (once, or twice when an echo is encoded again), and shell
-- quoted as prepare()'s curl line quotes it.
local function forms(s)
  local escapes = {['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\b"] = "\\b",
    ["\f"] = "\\f"}
  local function json(x)
    return (x:gsub('[\1-\31"\\]', function(ch) return escapes[ch] or ("\\u%04x"):format(ch:byte()) end))
  end
  local function pct(x, f)
    return (x:gsub("[^%w%-%._~]", function(ch) return f:format(ch:byte()) end))
  end
  return {raw = s, pct = pct(s, "%%%02X"), pct_lower = pct(s, "%%%02x"), json = json(s), json2 = json(json(s)),
    shell = (s:gsub("'", "'\\''"))}
end

-- every string in v (keys too), as one list
local function strings(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then
    out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do
      strings(k, out, seen)
      strings(x, out, seen)
    end
  end
  return out
end

-- secrets of every class of printable ASCII (and a control character and
-- UTF-8), each long enough to be redacted wherever it appears
local SECRETS = {
  "Alnum0123456789xyz", "b64+tok/en==", 'quo"te\\back\\', "pct%25amp&eq=sp ace", "tab\tctl\1bell",
  "sh'ell`$(x)", "punct!#*,:;<>?@[]^{|}~", "utf8-\195\188n\195\175c\195\184d\195\169",
}

describe("secrets", function()
  local server, port
  setup(function()
    server = h.spawn(h.SIM_LUA .. " spec/support/hostile.lua")
    port = assert(server.pipe:read("*l"):match("^listening on (%d+)$"))
  end)
  teardown(function()
    os.execute("kill " .. server.pid .. " 2>/dev/null")
    h.finish(server)
  end)

  it("never appear, in any form, in errors, err.detail, hooks or prepare(), on either route, GET or POST", function()
    local checked = 0
    for _, secret in ipairs(SECRETS) do
      for _, route in ipairs({"apigw", "esb"}) do
        for _, user in ipairs({"bk_token", "access_token"}) do
          local token = "T0k" .. secret
          local c = sops.new{
            url = "http://127.0.0.1:" .. port .. "/echo" .. (route == "esb" and "/api/c/compapi/v2/sops" or "/prod"),
            route = route, app_code = "app", app_secret = secret, [user] = token, bk_biz_id = 2, timeout = 5}
          local seen = {}
          c:on("request", function(i) seen[#seen + 1] = i end)
          c:on("response", function(i) seen[#seen + 1] = i end)
          local out = {seen}
          for _, call in ipairs({{"get_task_status", {task_id = 1}},
            {"create_task", {template_id = 1, name = "n", constants = {x = "y"}}}}) do
            local value, message, err = c[call[1]](c, call[2])
            assert.is_nil(value)
            assert.equal("api", err.kind, message)
            -- (the echo came back: the request is in the detail, scrubbed)
            assert.matches("/echo/", err.detail.request, 1, true)
            out[#out + 1] = {message, tostring(err), err, err.detail}
            out[#out + 1] = c:prepare(call[1], call[2])
          end
          c:close()
          for _, s in ipairs(strings(out)) do
            for _, x in ipairs({secret, token}) do
              for name, form in pairs(forms(x)) do
                assert(not s:find(form, 1, true), ("%s (%s, %s, %s) in %q"):format(name, x, route, user, s))
                checked = checked + 1
              end
            end
          end
        end
      end
    end
    assert.is_true(checked > 1000)
  end)

  it("too short to redact safely are redacted only where they stand alone", function()
    local c = sops.new{url = "http://127.0.0.1:" .. h.dead_port() .. "/prod", app_code = "a", app_secret = "s",
      username = "u", bk_biz_id = 2}
    local _, message = c:get_task_status{task_id = 1}
    assert.matches("Couldn't connect to server", message, 1, true)
    local r = c:prepare("get_task_status", {task_id = 1})
    assert.matches('"bk_app_secret":"***"', table.concat(r.headers, "\n"), 1, true)
    c:close()
  end)
end)
