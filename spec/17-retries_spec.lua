-- Retries as a policy, hooks that see every attempt, client:prepare and
-- start_task{ensure = true}.
local h = require "helpers"
local sops = require "sops"

describe("retries", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  -- a client with the policy, recording what its response hook sees
  local function client(retries, extra)
    local seen = {}
    local opts = {retries = retries, on_response = function(i) seen[#seen + 1] = i end}
    for k, v in pairs(extra or {}) do opts[k] = v end
    return sim:client(opts), seen
  end

  it("retry reads on retryable errors, each attempt seen by the hook", function()
    local c, seen = client({max = 2, backoff = 0})
    local t = sim:task({template_id = 1})
    sim:fault({kind = "status", status = 502, count = 2, match = "get_task_status"})
    local status = assert(c:get_task_status{task_id = t.task_id})
    assert.equal("CREATED", status.state)
    assert.equal(3, #sim:requests_to("get_task_status"))
    assert.equal(3, #seen)
    for i, s in ipairs(seen) do
      assert.equal(i, s.attempt)
      assert.equal("get_task_status", s.api)
      assert.equal("sops.get_task_status", s.call)
      assert.equal("GET", s.method)
    end
    assert.equal(502, seen[1].status)
    assert.equal("http", seen[1].kind)
    assert.is_number(seen[1].retry_in)
    assert.equal(200, seen[3].status)
    assert.is_nil(seen[3].retry_in)
    c:close()
  end)

  it("give up after max retries and return the last error", function()
    local c, seen = client({max = 2, backoff = 0})
    sim:fault({kind = "status", status = 503, count = 5, match = "get_template_list"})
    local v, _, err = c:get_template_list{}
    assert.is_nil(v)
    assert.equal(503, err.http_status)
    assert.equal(3, #seen)
    assert.equal(3, #sim:requests_to("get_template_list"))
    c:close()
  end)

  it("are off unless asked for", function()
    local c = sim:client()
    sim:fault({kind = "status", status = 502, count = 1, match = "get_template_list"})
    local _, _, err = c:get_template_list{}
    assert.equal(502, err.http_status)
    assert.equal(1, #sim:requests_to("get_template_list"))
    c:close()
  end)

  it("never retry a state-changing call the server may have acted on, by default", function()
    local c, seen = client(true)
    sim:fault({kind = "status", status = 502, count = 1, match = "create_task"})
    local _, _, err = c:create_task{template_id = 1, name = "x"}
    assert.equal(502, err.http_status)
    assert.equal(1, #sim:requests_to("create_task"))
    assert(c:get_template_list{})
    sim:fault({kind = "reset", count = 1, match = "create_task"})
    _, _, err = c:create_task{template_id = 1, name = "x"}
    assert.is_true(err.sent)
    assert.equal(2, #sim:requests_to("create_task"))
    assert.is_nil(seen[#seen].retry_in)
    c:close()
  end)

  it("retry a state-changing call that certainly did not happen: 429, or nothing sent", function()
    local c = client({max = 2, backoff = 0})
    sim:fault({kind = "rate_limit", retry_after = 0, count = 1, match = "create_task"})
    assert(c:create_task{template_id = 1, name = "x"})
    assert.equal(2, #sim:requests_to("create_task"))
    c:close()
    local seen = {}
    local dead = sops.new{url = "http://127.0.0.1:" .. h.dead_port() .. "/prod", app_code = "a", app_secret = "s",
      username = "u", bk_biz_id = 2, retries = {max = 2, backoff = 0}}
    dead:on("response", function(i) seen[#seen + 1] = i end)
    local _, _, err = dead:create_task{template_id = 1, name = "x"}
    assert.is_false(err.sent)
    assert.equal(3, #seen)
    dead:close()
  end)

  it("with methods = 'all', retry state-changing calls after unclear failures too", function()
    local c = client({max = 1, backoff = 0, methods = "all"})
    assert(c:get_template_list{})
    sim:fault({kind = "reset", count = 1, match = "create_task"})
    assert(c:create_task{template_id = 1, name = "x"})
    assert.equal(2, #sim:requests_to("create_task"))
    -- a 502 too (it is not retryable, but it is unclear)
    sim:clear_log()
    sim:fault({kind = "status", status = 502, count = 1, match = "create_task"})
    assert(c:create_task{template_id = 1, name = "x"})
    assert.equal(2, #sim:requests_to("create_task"))
    c:close()
    -- and not without it
    c = client({max = 1, backoff = 0})
    sim:clear_log()
    sim:fault({kind = "status", status = 502, count = 1, match = "create_task"})
    assert.is_nil(c:create_task{template_id = 1, name = "x"})
    assert.equal(1, #sim:requests_to("create_task"))
    c:close()
  end)

  it("honour Retry-After, and never wait past the call's deadline", function()
    local c, seen = client({max = 2, backoff = 0}, {timeout = 2})
    sim:fault({kind = "rate_limit", retry_after = 0.25, count = 1, match = "get_template_list"})
    assert(c:get_template_list{})
    assert.is_true(seen[1].retry_in >= 0.25)
    -- a Retry-After past the deadline ends the call at once
    sim:fault({kind = "rate_limit", retry_after = 9, count = 1, match = "get_template_list"})
    local _, _, err = c:get_template_list{}
    assert.equal(429, err.http_status)
    assert.equal(9, err.retry_after)
    assert.is_nil(seen[#seen].retry_in)
    c:close()
  end)

  it("read Retry-After as seconds or as an HTTP date", function()
    local c = sim:client()
    local soon = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 30)
    sim:fault({kind = "rate_limit", retry_after = soon, count = 1, match = "get_template_list"})
    local _, _, err = c:get_template_list{}
    assert.is_true(err.retry_after > 25 and err.retry_after <= 31, tostring(err.retry_after))
    sim:fault({kind = "rate_limit", retry_after = "Wed, 21 Oct 2015 07:28:00 GMT", count = 1,
      match = "get_template_list"})
    _, _, err = c:get_template_list{}
    assert.equal(0, err.retry_after)
    sim:fault({kind = "rate_limit", retry_after = "soon", count = 1, match = "get_template_list"})
    _, _, err = c:get_template_list{}
    assert.is_nil(err.retry_after)
    c:close()
  end)

  it("refuse a policy they cannot follow", function()
    for _, case in ipairs({
      {{max = -1}, "max: integer from 0 to 100"}, {{methods = "most"}, "methods: 'safe' or 'all'"},
      {{backoff = 0 / 0}, "backoff: seconds"}, {{tries = 3}, "unknown field 'tries'"}, {"yes", "table or boolean"},
    }) do
      local ok, err = pcall(sim.client, sim, {retries = case[1]})
      assert.is_false(ok)
      assert.matches("(option 'retries': " .. case[2], err, 1, true)
    end
    local ok, err = pcall(sim.client, sim, {on_request = "log"})
    assert.is_false(ok)
    assert.matches("option 'on_request': function expected", err, 1, true)
  end)
end)

describe("hooks", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)

  it("see every request and answer, never a secret", function()
    for _, route in ipairs({"apigw", "esb"}) do
      local requests, responses = {}, {}
      local c = sim:client({route = route, bk_token = "sim-bk-token", app_secret = h.APP_SECRET,
        on_request = function(i) requests[#requests + 1] = i end})
      c:on("response", function(i) responses[#responses + 1] = i end)
      local _, _, err = c:get_task_status{task_id = 424242}
      assert.equal("api", err.kind)
      assert.equal(1, #requests)
      assert.equal(1, requests[1].attempt)
      assert.matches("get_task_status", requests[1].url, 1, true)
      assert.equal("api", responses[1].kind)
      assert.equal(200, responses[1].status)
      assert.is_number(responses[1].elapsed)
      for _, i in ipairs({requests[1], responses[1]}) do
        for k, v in pairs(i) do
          assert.is_nil(tostring(v):find(h.APP_SECRET, 1, true), route .. " " .. k)
          assert.is_nil(tostring(v):find("sim-bk-token", 1, true), route .. " " .. k)
        end
      end
      c:on("response", nil)
      assert(c:get_template_list{})
      assert.equal(1, #responses)
      c:close()
    end
  end)

  it("are seen from the next call on when set on a plain client, and not once removed", function()
    local c = sim:client()
    local t = sim:task({template_id = 1}).task_id
    assert(c:get_task_status{task_id = t})
    local seen = 0
    c:on("request", function() seen = seen + 1 end)
    assert(c:get_task_status{task_id = t})
    assert.equal(1, seen)
    c:on("request", nil)
    assert(c:get_task_status{task_id = t})
    assert.equal(1, seen)
    c:close()
  end)

  it("may yield, the call going on when the coroutine is resumed", function()
    local c = sim:client({on_request = function(i) coroutine.yield(i.attempt) end})
    local t = sim:task({template_id = 1}).task_id
    local co = coroutine.wrap(function() return "done", c:get_task_status{task_id = t} end)
    assert.equal(1, co())
    local done, status = co()
    assert.equal("done", done)
    assert.equal("CREATED", status.state)
    c:close()
  end)
end)

describe("traceparent", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)

  it("is passed through from the caller as the W3C header, on that request only", function()
    local c = sim:client({retries = {max = 1, backoff = 0}})
    local tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    local t = sim:task({template_id = 1})
    sim:fault({kind = "status", status = 502, count = 1, match = "get_task_status"})
    assert(c:get_task_status{task_id = t.task_id, traceparent = tp})
    local both = sim:requests_to("get_task_status")
    assert.equal(2, #both) -- the retry carries it too
    for _, r in ipairs(both) do assert.equal(tp, r.headers.traceparent) end
    assert(c:start_task{task_id = t.task_id, traceparent = tp})
    local req = sim:last_request()
    assert.equal(tp, req.headers.traceparent)
    assert.is_nil(h.decode(req.body).traceparent)
    assert(c:get_template_list{})
    assert.is_nil(sim:last_request().headers.traceparent)
    for _, bad in ipairs({"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "x",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", tp:upper(), tp .. "\r\nX: 1"}) do
      local ok, err = pcall(c.get_template_list, c, {traceparent = bad})
      assert.is_false(ok)
      assert.matches("(field 'traceparent': W3C traceparent expected", err, 1, true)
    end
    c:close()
  end)
end)

describe("client:prepare", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)

  it("shows what a call would send, secrets as ***, and sends nothing", function()
    local c = sim:client()
    sim:clear_log()
    local r = c:prepare("create_task", {template_id = "1", name = "deploy", constants = {["${v}"] = "2"}})
    assert.equal("POST", r.method)
    assert.equal(sim.url .. "/prod/create_task/1/2/", r.url)
    assert.is_true(r.changes_state)
    assert.same({name = "deploy", constants = {["${v}"] = "2"}, scope = "cmdb_biz"}, h.decode(r.body))
    local auth
    for _, line in ipairs(r.headers) do
      if line:find("^X%-Bkapi%-Authorization: ") then auth = line end
    end
    assert.equal('X-Bkapi-Authorization: {"bk_app_code":"spec-app","bk_app_secret":"***","bk_username":"admin"}', auth)
    assert.matches("^curl %-X POST '" .. sim.url:gsub("%p", "%%%0") .. "/prod/create_task/1/2/' %-H ", r.curl)
    assert.matches("--data-binary '{", r.curl, 1, true)
    assert.is_nil(r.curl:find(h.APP_SECRET, 1, true))
    assert.same({}, sim:requests())
    c:close()
    local esb = sim:client({route = "esb"})
    r = esb:prepare("get_task_status", {task_id = 5})
    assert.equal("GET", r.method)
    assert.matches("bk_app_secret=***", r.url, 1, true)
    assert.is_nil(r.url:find(h.APP_SECRET, 1, true))
    esb:close()
  end)

  it("checks arguments as the call would, at the caller's line", function()
    local c = sim:client()
    local ok, err = pcall(function() local r = c:prepare("get_task_status", {task_id = "x"}) return r end)
    assert.is_false(ok)
    assert.matches("17%-retries_spec%.lua:%d+: bad argument #1 to 'sops.get_task_status' %(field 'task_id'", err)
    ok, err = pcall(function() local r = c:prepare("launch", {}) return r end)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'prepare'", err, 1, true)
    c:close()
  end)
end)

describe("start_task{ensure = true}", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)

  it("starts a task that still reads CREATED, and only such a task", function()
    local c = sim:client()
    local t = sim:task({template_id = 1})
    local v = assert(c:start_task{task_id = t.task_id, ensure = true})
    assert.is_string(v.task_url)
    local starts = sim:requests_to("start_task")
    assert.equal(1, #starts)
    assert.is_nil(h.decode(starts[1].body).ensure) -- never sent
    sim:advance(1)
    local again, second, response = c:start_task{task_id = t.task_id, ensure = true}
    assert.is_true(again.already_started)
    assert.equal("RUNNING", again.state)
    assert.is_nil(second)
    assert.equal("RUNNING", response.data.state) -- get_task_status's answer
    assert.equal(1, #sim:requests_to("start_task"))
    local _, _, err = c:start_task{task_id = 424242, ensure = true}
    assert.equal("api", err.kind)
    c:close()
  end)
end)
