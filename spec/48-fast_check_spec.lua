-- A call's arguments are checked on its hot path by the core (core.plan,
-- core.fits: csrc/fits.c), and in full by sops.check only when the core is
-- in doubt. The two must agree: whatever the core lets through is what the
-- full check accepts and sends as it is.
local h = require "helpers"
local api = require "sops.api"
local core = require "sops.core"
local client = require "sops.client"
local sops = require "sops"
local check = require "sops.check"

-- a value of each kind the table names, that the full check accepts
local GOOD = {id = 41, count = 3, integer = 0, string = "s", boolean = true, number = 1.5, object = {k = 1},
  any = {k = 1}, list = {1}, ids = {7}, traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}

-- values of every sort, good and bad for some kind or other
local VALUES = {1, 7, 0, -3, 1.5, 2 ^ 53, 2 ^ 63, 0 / 0, math.huge, -math.huge, "12", "0", "x", "", true, false,
  {}, {1, 2}, {a = 1}, {[1] = 1, [3] = 3}, setmetatable({}, {}), print}

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

-- What the Lua layer alone makes of args: whether sops.check accepts them
-- (and the call's own rules: a bk_biz_id somewhere, a known action) and the
-- call sends them as they are (no field it keeps, reshapes or fixes).
local function accepted_as_is(spec, c, args)
  if not pcall(check.fields, "call", args, spec.fields) then return false end
  if spec.scoped and args.bk_biz_id == nil and c:defaults().bk_biz_id == nil then return false end
  if spec.actions and not spec.actions[args.action] then return false end
  if spec.fixed then return false end
  for _, k in ipairs(spec.local_list) do
    if args[k] ~= nil then return false end
  end
  for _, r in ipairs(spec.reshape) do
    if args[r.name] ~= nil then return false end
  end
  return true
end

local function describe_args(args)
  local parts = {}
  for k, v in pairs(args) do parts[#parts + 1] = tostring(k) .. " = " .. tostring(v) end
  table.sort(parts)
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- the arguments of a call with its required fields, each a good value
local function base_args(spec)
  local args = {}
  for field, f in pairs(spec.fields) do
    if f[2] then args[field] = field == "action" and next(spec.actions or {start = true}) or GOOD[f[1]] end
  end
  return args
end

describe("the hot path's argument check (core.fits)", function()
  local with_biz, without_biz
  setup(function()
    with_biz = sops.new{url = "http://127.0.0.1:9/prod", app_code = "a", app_secret = "s", username = "u",
      bk_biz_id = 2}
    without_biz = sops.new{url = "http://127.0.0.1:9/prod", app_code = "a", app_secret = "s", username = "u"}
  end)
  teardown(function()
    with_biz:close()
    without_biz:close()
  end)

  it("lets through only what the full check accepts, and then the call sends the caller's table as it is",
    function()
    local fast, slow, checked = 0, 0, 0
    for name, spec in pairs(api.CALLS) do
      local plan = core.plan(spec)
      local base = base_args(spec)
      local cases = {base}
      local fields = {"nope", 1}
      for field in pairs(spec.fields) do fields[#fields + 1] = field end
      for _, field in ipairs(fields) do
        for _, v in ipairs(VALUES) do
          local args = copy(base)
          args[field] = v
          cases[#cases + 1] = args
        end
        local without = copy(base)
        without[field] = nil
        cases[#cases + 1] = without
      end
      for _, c in ipairs({with_biz, without_biz}) do
        for _, args in ipairs(cases) do
          checked = checked + 1
          if core.fits(plan, c, args) then
            fast = fast + 1
            assert(accepted_as_is(spec, c, args), name .. ": the core let through what the Lua layer would not "
              .. "send as it is: " .. describe_args(args))
            local _, params = client.params(c, name, args)
            assert(rawequal(params, args), name .. ": the call did not send the caller's table")
          elseif accepted_as_is(spec, c, args) and args[1] == nil then
            -- (a key that is not a string goes the full way, even where
            -- an endpoint takes any field)
            slow = slow + 1
          end
        end
      end
    end
    assert.is_true(checked > 10000, checked .. " cases")
    assert.is_true(fast > 1000, fast .. " cases went the fast way") -- (a path never taken proves nothing)
    -- what the core leaves to the Lua layer although it could pass: none
    -- on 5.3 and later; before, a float past the range of an integer (2^63)
    -- is an integer to sops.check's compat and not to the core
    local before_53 = not math.type -- luacheck: ignore 143
    assert.is_true(slow <= (before_53 and 200 or 0), slow .. " cases the core could have let through")
  end)

  it("takes the common calls the fast way", function()
    local function fits(name, args, c)
      return core.fits(core.plan(api.CALLS[name]), c or with_biz, args)
    end
    assert.is_true(fits("get_task_status", {task_id = 1}))
    assert.is_true(fits("get_task_status", {task_id = "12", bk_biz_id = 3, scope = "cmdb_biz"}, without_biz))
    assert.is_true(fits("create_task", {template_id = 1, name = "n", constants = {["${v}"] = "1"}}))
    assert.is_true(fits("operate_task", {task_id = 1, action = "revoke"}))
    assert.is_true(fits("get_task_detail", {task_id = 1}))
  end)

  it("leaves to the Lua layer whatever needs it or is wrong", function()
    local function fits(name, args, c)
      return core.fits(core.plan(api.CALLS[name]), c or with_biz, args)
    end
    -- a field to reshape, a local field, a fixed field
    assert.is_false(fits("get_tasks_status", {task_id_list = {1, 2}}))
    assert.is_false(fits("start_task", {task_id = 1, ensure = true}))
    assert.is_false(fits("get_task_status", {task_id = 1, traceparent = GOOD.traceparent}))
    assert.is_false(fits("pause_task", {task_id = 1}))
    -- mistakes: an unknown field, a wrong kind, a required field missing,
    -- an unknown action, no bk_biz_id anywhere
    assert.is_false(fits("get_task_status", {task_id = 1, tsak_id = 1}))
    assert.is_false(fits("get_task_status", {task_id = 0}))
    assert.is_false(fits("get_task_status", {}))
    assert.is_false(fits("operate_task", {task_id = 1, action = "stop"}))
    assert.is_false(fits("get_task_status", {task_id = 1}, without_biz))
    -- not a table, a table with a metatable, not an open client
    assert.is_false(fits("get_task_status", nil))
    assert.is_false(fits("get_task_status", setmetatable({task_id = 1}, {})))
    assert.is_false(fits("get_task_status", {task_id = 1}, io.stdout))
    local closed = sops.new{url = "http://127.0.0.1:9/prod", app_code = "a", app_secret = "s", username = "u",
      bk_biz_id = 2}
    closed:close()
    assert.is_false(fits("get_task_status", {task_id = 1}, closed))
  end)

  it("leaves the messages to the full check: a mistake raises as before, at the caller's line", function()
    local line = debug.getinfo(1, "l").currentline + 1
    local ok, err = pcall(function() with_biz:get_task_status{task_id = 1, tsak_id = 1} end)
    assert.is_false(ok)
    assert.matches(":" .. line .. ": bad argument #1 to 'sops.get_task_status' (unknown field 'tsak_id')", err, 1,
      true)
    ok, err = pcall(function() without_biz:get_task_status{task_id = 1} end)
    assert.is_false(ok)
    assert.matches("field 'bk_biz_id': positive integer expected, got nil", err, 1, true)
  end)

  it("says a method called with '.' is one, for calls of either path", function()
    for _, name in ipairs({"get_task_status", "get_tasks_status"}) do
      local line = debug.getinfo(1, "l").currentline + 1
      local ok, err = pcall(function() local v = with_biz[name]({task_id = 1, task_id_list = {1}}) return v end)
      assert.is_false(ok)
      assert.matches(":" .. line .. ": bad self to 'sops." .. name .. "' (use client:" .. name .. "{...})", err, 1,
        true)
    end
  end)

  it("refuses a plan of a kind it does not know", function()
    local ok, err = pcall(core.plan, {fields = {x = {"colour"}}})
    assert.is_false(ok)
    assert.matches("field 'x': unknown kind 'colour'", err, 1, true)
  end)
end)

describe("the hot path against a server", function()
  local sim, c
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end, true)

  it("sends a call the core let through as the full check would have", function()
    local t = sim:task({template_id = 1})
    local status = assert(c:get_task_status{task_id = t.task_id})
    assert.equal("CREATED", status.state)
    local req = sim:last_request()
    assert.equal("GET", req.method)
    assert.equal("/prod/get_task_status/" .. t.task_id .. "/2/", req.path)
    assert.same({scope = "cmdb_biz"}, req.args)
    -- and what the core does not let through goes the full way, reshaped
    assert(c:get_tasks_status{task_id_list = {tostring(t.task_id)}})
    assert.same({t.task_id}, sops.decode(sim:last_request().body).task_id_list)
  end)
end)
