-- The endpoint table (sops.api) is the one place endpoint facts are
-- written: the core compiles it, and requests follow it.
local h = require "helpers"
local api = require "sops.api"

describe("the endpoint table", function()
  local sim, c
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end, true)

  it("is the only place an endpoint is named: the C core names none", function()
    local sources = {}
    local p = assert(io.popen("ls csrc/*.c csrc/*.h"))
    for path in p:lines() do sources[#sources + 1] = h.read(path) end
    p:close()
    assert.is_true(#sources > 10)
    assert.is_true(#api.ENDPOINTS >= 11)
    for _, e in ipairs(api.ENDPOINTS) do
      for _, text in ipairs(sources) do
        assert.is_nil(text:find('"' .. e.name .. '"', 1, true), e.name)
        assert.is_nil(text:find("/" .. e.name .. "/", 1, true), e.name)
      end
    end
  end)

  it("gives every request its method, path (ids in the endpoint's order) and once-only flag", function()
    for _, e in ipairs(api.ENDPOINTS) do
      -- an argument for every required field; distinct numbers for the ids
      local args, ids, n = {}, {}, 40
      for field, f in pairs(e.fields) do
        if f[2] then
          if f[1] == "id" then
            n = n + 1
            args[field], ids[field] = n, n
          elseif f[1] == "list" or f[1] == "ids" then
            args[field] = {7}
          elseif f[1] == "object" or f[1] == "any" then
            args[field] = {k = 1}
          elseif f[1] == "boolean" then
            args[field] = true
          elseif field == "action" then
            args[field] = e.name == "operate_task" and "pause" or "retry"
          else
            args[field] = "x"
          end
        end
      end
      if e.path:find("{bk_biz_id}", 1, true) then args.bk_biz_id, ids.bk_biz_id = 3, 3 end
      for field, f in pairs(e.fields) do
        if f[1] == "string" and e.path:find("{" .. field .. "}", 1, true) then ids[field] = args[field] end
      end
      local want = e.path:gsub("{([%w_]+)}", function(id) return tostring(ids[id]) end)
      local r = c:prepare(e.name, args)
      assert.equal(e.method, r.method, e.name)
      assert.equal(sim.url .. "/prod" .. want, (r.url:gsub("%?.*$", "")), e.name)
      assert.equal(e.changes_state == true, r.changes_state, e.name)
    end
  end)

  it("is not needed by client:call for an api it lacks: method and path come with the call", function()
    sim:clear_log()
    local target = {api = "get_future_thing", method = "GET", path = "/get_future_thing/{bk_biz_id}/{task_id}/"}
    local _, _, err = c:call(target, {task_id = "7", with_details = true})
    assert.is_table(err) -- the simulator does not serve it
    local req = sim:last_request()
    assert.equal("GET", req.method)
    assert.equal("/prod/get_future_thing/2/7/", req.path)
    assert.equal("true", req.args.with_details)
    assert.is_nil(req.args.task_id)
    -- defined once, then callable by name
    c:call("get_future_thing", {task_id = 8})
    assert.equal("/prod/get_future_thing/2/8/", sim:last_request().path)
    c:call({api = "set_future_thing", method = "POST", path = "/set_future_thing/{bk_biz_id}/"}, {x = 1})
    assert.equal("POST", sim:last_request().method)
    assert.same({x = 1, scope = "cmdb_biz"}, h.decode(sim:last_request().body))
    -- a known api must keep its method and path; an unknown name needs them
    local ok, msg = pcall(function() c:call({api = "get_task_status", method = "POST", path = "/x/"}, {}) end)
    assert.is_false(ok)
    assert.matches("(field 'api': 'get_task_status' is GET /get_task_status/{task_id}/{bk_biz_id}/ already)", msg,
      1, true)
    ok, msg = pcall(function() c:call({api = "x y", method = "GET", path = "/x/"}, {}) end)
    assert.is_false(ok)
    assert.matches("(field 'api': api name expected", msg, 1, true)
    ok, msg = pcall(function() c:call({api = "x", method = "PUT", path = "/x/"}, {}) end)
    assert.is_false(ok)
    assert.matches("(field 'method': 'GET' or 'POST' expected)", msg, 1, true)
    ok, msg = pcall(function() c:call("no_such_api", {}) end)
    assert.is_false(ok)
    assert.matches("unknown bk-sops api 'no_such_api'", msg, 1, true)
  end)

  it("sends an api defined by a call to ESB's /<name>/ on an ESB client, unless esb = false", function()
    local e = sim:client({route = "esb"})
    e:call({api = "get_esb_thing", method = "GET", path = "/get_esb_thing/{bk_biz_id}/{task_id}/"}, {task_id = 9})
    local req = sim:last_request()
    assert.equal("/api/c/compapi/v2/sops/get_esb_thing/", req.path)
    assert.equal("9", req.args.task_id)
    assert.equal("2", req.args.bk_biz_id)
    local before = #sim:requests()
    local ok, msg = pcall(function()
      e:call({api = "gw_only_thing", method = "GET", path = "/gw_only_thing/{bk_biz_id}/", esb = false}, {})
    end)
    assert.is_false(ok)
    assert.matches("ESB has no api 'gw_only_thing'", msg, 1, true)
    assert.equal(before, #sim:requests())
    e:close()
  end)

  it("is compiled once: a later core.register changes nothing", function()
    local core = require "sops.core"
    core.register({{name = "get_task_status", method = "POST", path = "/elsewhere/"}})
    local r = c:prepare("get_task_status", {task_id = 5})
    assert.equal("GET", r.method)
    assert.matches("/get_task_status/5/2/", r.url, 1, true)
  end)

  it("refuses a malformed entry, and without it the core knows no endpoint", function()
    local script = [[
      local core = require "sops.core"
      local c = core.new{url = "http://127.0.0.1:1", app_code = "a", app_secret = "s", user_field = "bk_username",
        user_value = "u", timeout = 1, connect_timeout = 1, verify_tls = true, max_body = 1024, scope = "cmdb_biz"}
      print(select(2, pcall(core.call, c, "get_task_status", {task_id = 1, bk_biz_id = 2})))
      print(select(2, pcall(core.register, {{name = "x", method = "PUT", path = "/x/"}})))
      print(select(2, pcall(core.register, {{name = "x", method = "GET", path = "x/"}})))
      print(select(2, pcall(core.register, {{name = "x", method = "GET", path = "/x/{}/"}})))
    ]]
    local out, err, code = h.run(h.LUA_ENV .. " " .. h.LUA .. " -e " .. h.shell_quote(script))
    assert.equal(0, code, err)
    assert.matches("unknown bk-sops api 'get_task_status'", out, 1, true)
    assert.matches("entry 1: method GET or POST expected", out, 1, true)
    assert.matches("entry 1: path must start with '/'", out, 1, true)
    assert.matches("entry 1: bad id in path", out, 1, true)
  end)
end)
