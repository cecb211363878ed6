-- sops.new, argument errors, the client object's life cycle, secrets.
local h = require "helpers"
local sops = require "sops"

local BASE = {url = "http://127.0.0.1:1/prod", app_code = "a", app_secret = "s", username = "u"}
local function with(extra)
  local t = {}
  for k, v in pairs(BASE) do t[k] = v end
  for k, v in pairs(extra) do t[k] = v end
  return t
end

describe("sops.new", function()
  it("makes a client whose tostring names route, url, app and user", function()
    local c = sops.new(BASE)
    assert.equal("sops.client (apigw http://127.0.0.1:1/prod, app a, bk_username u)", tostring(c))
    c:close()
    assert.equal("sops.client (closed)", tostring(c))
  end)

  it("picks the ESB route for /compapi/ URLs", function()
    local c = sops.new(with({url = "http://x/api/c/compapi/v2/sops/"}))
    assert.matches("^sops.client %(esb ", tostring(c))
  end)

  it("refuses option mistakes, naming the option", function()
    local cases = {
      {with({colour = "red"}), "unknown option 'colour'"},
      {with({url = 5}), "option 'url': string expected, got number"},
      {with({url = "ftp://x"}), "option 'url': http:// or https:// URL expected"},
      {with({route = "carrier pigeon"}), "option 'route': 'apigw' or 'esb' or 'system' expected"},
      {with({transport = "pigeon"}), "option 'transport': 'curl' or 'ngx' expected"},
      {with({transport = "ngx"}), "option 'transport': 'ngx' needs OpenResty (ngx.socket)"},
      {with({app_code = false}), "option 'app_code': string expected, got boolean"},
      {with({bk_token = "t"}), "exactly one of 'username', 'bk_token' or 'access_token' expected"},
      {with({timeout = 0}), "option 'timeout': seconds expected, more than 0 and at most"},
      {with({connect_timeout = -1}), "option 'connect_timeout': seconds expected, more than 0"},
      {with({timeout = math.huge}), "option 'timeout': seconds expected, more than 0 and at most"},
      {with({timeout = 0 / 0}), "option 'timeout': number expected, got NaN"},
      {with({bk_biz_id = 1.5}), "option 'bk_biz_id': positive integer expected, got 1.5"},
      {with({bk_biz_id = "2x"}), "option 'bk_biz_id': positive integer expected, got \"2x\""},
      {with({verify_tls = "no"}), "option 'verify_tls': boolean expected, got string"},
      {with({headers = {["X-A"] = "1\r\nX-Injected: 1"}}), "option 'headers'"},
      {"url", "table expected, got string"},
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(sops.new, c[1])
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'sops.new'", err, 1, true)
      assert.matches(c[2], err, 1, true)
    end
    local t = with({})
    t.app_secret = nil
    local ok, err = pcall(sops.new, t)
    assert.is_false(ok)
    assert.matches("option 'app_secret': string expected, got nil", err, 1, true)
  end)

  -- `<close>` is Lua 5.4 syntax: elsewhere the chunk does not compile
  local load_text = loadstring or load -- luacheck: ignore 113
  local with_close = load_text([[
    local new, opts = ...
    local inside
    do
      local c <close> = new(opts)
      inside = c:is_open()
      return c, inside
    end
  ]])
  if with_close then
    it("is closed at the end of a <close> block", function()
      local c, inside = with_close(sops.new, BASE)
      assert.is_true(inside)
      assert.is_false(c:is_open())
    end)
  else
    pending("is closed at the end of a <close> block (skipped: " .. _VERSION .. " has no <close>)")
  end

  it("works with close() and garbage collection; a closed client raises at the caller's line", function()
    local c = sops.new(BASE)
    assert.is_true(c:is_open())
    c:close()
    assert.is_false(c:is_open())
    c:close() -- closing twice is fine
    local ok, err = pcall(function() c:get_task_status{task_id = 1, bk_biz_id = 2} end)
    assert.is_false(ok)
    assert.matches("^spec/11%-client_spec%.lua:%d+: ", err)
    assert.matches("bad argument #1 to 'sops.get_task_status' (client is closed)", err, 1, true)
    ok, err = pcall(function() c:wait{task_id = 1} end)
    assert.is_false(ok)
    assert.matches("^spec/11%-client_spec%.lua:%d+: bad argument #1 to 'sops.wait' %(client is closed%)", err)
    ok, err = pcall(function() c:wait_all{task_ids = {1}} end)
    assert.is_false(ok)
    assert.matches("^spec/11%-client_spec%.lua:%d+: bad argument #1 to 'sops.wait_all' %(client is closed%)", err)
    for _ = 1, 50 do sops.new(BASE) end
    collectgarbage()
    collectgarbage()
  end)
end)

describe("argument errors", function()
  local c = sops.new(with({bk_biz_id = 2}))

  local function raises(fn, args, pattern)
    local ok, err = pcall(function() fn(c, args) end)
    assert.is_false(ok)
    assert.matches(pattern, err, 1, true)
    -- raised at the caller's line, like Lua's own errors
    assert.matches("11%-client_spec%.lua:%d+:", err)
  end

  it("name the call and the field, before anything is sent", function()
    raises(c.get_task_status, {},
      "bad argument #1 to 'sops.get_task_status' (field 'task_id': positive integer expected, got nil)")
    raises(c.get_task_status, {task_id = "10a"}, "field 'task_id': positive integer expected, got \"10a\"")
    raises(c.get_task_status, {task_id = 0}, "field 'task_id': positive integer expected, got 0")
    raises(c.get_task_status, {task_id = 1, with_ex_data = 1}, "field 'with_ex_data': boolean expected, got number")
    raises(c.get_task_status, {task_id = 1, taskid = 2}, "unknown field 'taskid'")
    raises(c.operate_task, {task_id = 1, action = "explode"}, "field 'action': unknown action 'explode'")
    raises(c.operate_node, {task_id = 1, action = "retry"}, "field 'node_id': string expected, got nil")
    raises(c.operate_node, {task_id = 1, node_id = "n", action = "dance"}, "unknown action 'dance'")
    raises(c.skip_exg, {task_id = 1, node_id = "n"}, "field 'flow_id': string expected, got nil")
    raises(c.get_tasks_status, {}, "field 'task_id_list': list of ids expected, got nil")
    raises(c.retry_node, {task_id = 1, node_id = "n", inputs = "x"}, "field 'inputs': table expected, got string")
    raises(c.get_tasks_status, {task_id_list = {1, "2", 3.5}}, "field 'task_id_list[3]': positive integer expected, got 3.5")
    raises(c.start_task, "10", "table expected, got string")
    local many = {}
    for i = 1, 51 do many[i] = i end
    raises(c.get_tasks_status, {task_id_list = many}, "at most 50 ids per call")
  end)

  it("need a bk_biz_id from the call or the client", function()
    local bare = sops.new(BASE)
    local ok, err = pcall(function() bare:start_task{task_id = 1} end)
    assert.is_false(ok)
    assert.matches("field 'bk_biz_id': positive integer expected, got nil (give it here or to sops.new)", err, 1, true)
  end)

  it("accept every node action the server knows", function()
    for _, a in ipairs({"callback", "skip_exg", "retry", "skip", "pause_subproc", "resume_subproc", "pause",
        "resume", "forced_fail", "retry_subprocess"}) do
      assert.is_true(sops.NODE_ACTIONS[a], a)
    end
  end)
end)

describe("module-level functions", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)

  it("need sops.configure first, then use the default client", function()
    package.loaded.sops = nil
    local fresh = require "sops"
    local ok, err = pcall(function() fresh.get_task_status{task_id = 1} end)
    assert.is_false(ok)
    assert.matches("call sops.configure{...} first", err, 1, true)
    local c = fresh.configure({url = sim.url .. "/prod", app_code = h.APP_CODE, app_secret = h.APP_SECRET,
      username = "admin", bk_biz_id = 2})
    assert.equal(c, fresh.default_client())
    local list = assert(fresh.get_template_list{})
    assert.is_true(#list >= 7)
    local c2 = fresh.configure({url = sim.url .. "/prod", app_code = h.APP_CODE, app_secret = h.APP_SECRET,
      username = "admin", bk_biz_id = 2})
    assert.is_false(c:is_open()) -- the old default client was closed
    assert.is_true(c2:is_open())
  end)
end)

describe("secrets", function()
  local sim
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end, true)

  it("never appear in tostring(client) or in errors", function()
    for _, opts in ipairs({{bk_token = "tok-SECRET-1"}, {access_token = "acc-SECRET-2"},
        {route = "esb", bk_token = "tok-SECRET-3"}}) do
      opts.app_secret = "app-SECRET-0"
      local c = sim:client(opts)
      local s = tostring(c)
      assert.is_nil(s:find("SECRET", 1, true))
      local v, _, err = c:get_task_status{task_id = 1}
      assert.is_nil(v)
      for k, x in pairs(err) do
        assert.is_nil(tostring(x):find("SECRET", 1, true), k)
      end
      assert.is_nil(tostring(err):find("SECRET", 1, true))
    end
    -- also when libcurl itself fails on an ESB GET whose URL carries the secret
    local c = sops.new({url = "http://127.0.0.1:" .. h.dead_port() .. "/api/c/compapi/v2/sops", app_code = "a",
      app_secret = "app-SECRET-9", bk_token = "tok-SECRET-8", bk_biz_id = 2})
    local _, _, err = c:get_task_status{task_id = 1}
    assert.equal("transport", err.kind)
    assert.is_nil(tostring(err):find("SECRET", 1, true))
  end)
end)
