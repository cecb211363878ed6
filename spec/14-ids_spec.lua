-- Ids the Lua way: an integer, a float holding one exactly (as lua-cjson
-- decodes it under Lua 5.3+), or a string of digits (as the seed docs
-- send them) all travel as the same integer; every other form is refused
-- with a precise message before anything is sent.
local h = require "helpers"
local sops = require "sops"
local cjson = require "cjson"

-- forms of the id 7 (and of the business 2, below)
local ACCEPTED = {
  {"an integer", 7}, {"a float with an integral value", 7.0}, {"a string of digits", "7"},
  {"a string with leading zeros", "007"},
}

local REFUSED = {
  {10.5, "got 10.5"},
  {"10a", 'got "10a"'},
  {"", "got an empty string"},
  {" 10", 'got " 10"'},
  {"+10", 'got "+10"'},
  {"1e3", 'got "1e3"'},
  {"0x10", 'got "0x10"'},
  {"-3", 'got "-3"'},
  {"0", 'got "0"'},
  {0 / 0, "got NaN"},
  {math.huge, "got inf"},
  {-math.huge, "got -inf"},
  {0, "got 0"},
  {-3, "got -3"},
  {2 ^ 53, "got 9007199254740992 (a float past 2^53 - 1 is not exact)"},
  {1e300, "(a float past 2^53 - 1 is not exact)"},
  {"99999999999999999999", "(too large)"},
  {true, "got boolean"},
  {{}, "got table"},
}

describe("ids", function()
  local sim, c, esb
  h.use_sim({"--speed", "0"}, nil, function(s, cl)
    sim, c = s, cl
    esb = sim:client({route = "esb"})
  end)
  teardown(function() esb:close() end)

  -- the integers a form stands for, and the forms themselves, over every
  -- caller: each must cause the same request as the plain integer would
  it("in every accepted form reach the gateway path as digits", function()
    local t = sim:task({template_id = 1})
    local digits = tostring(t.task_id)
    local forms = {
      {"an integer", t.task_id}, {"a float", t.task_id + 0.0}, {"a string", digits}, {"zero-padded", "00" .. digits},
    }
    for _, form in ipairs(forms) do
      sim:clear_log()
      local status, _, err = c:get_task_status{task_id = form[2], bk_biz_id = "2"}
      assert.is_table(status, form[1] .. ": " .. tostring(err))
      assert.equal("/prod/get_task_status/" .. digits .. "/2/", sim:last_request().path, form[1])
    end
    local detail = assert(c:get_template_info{template_id = "1", bk_biz_id = 2.0})
    assert.equal(1, detail.id)
    assert.equal("/prod/get_template_info/1/2/", sim:last_request().path)
  end)

  it("travel as JSON integers in ESB bodies and as digits in ESB queries", function()
    local data = assert(esb:create_task{template_id = "1", bk_biz_id = "2", name = "ids"})
    local body = sim:last_request().body
    assert.matches('"template_id":1[,}]', body)
    assert.matches('"bk_biz_id":2[,}]', body)
    assert(esb:start_task{task_id = data.task_id + 0.0})
    assert.matches('"task_id":' .. data.task_id .. '[,}]', sim:last_request().body)
    assert(esb:get_task_status{task_id = "0" .. data.task_id, bk_biz_id = 2.0})
    local args = sim:last_request().args
    assert.equal(tostring(data.task_id), args.task_id)
    assert.equal("2", args.bk_biz_id)
  end)

  it("in lists are sent as a JSON array of integers", function()
    local a, b = sim:task({template_id = 1}), sim:task({template_id = 1})
    local list = assert(c:get_tasks_status{task_id_list = {tostring(a.task_id), b.task_id + 0.0}})
    assert.equal(2, #list)
    assert.matches('"task_id_list":%[' .. a.task_id .. "," .. b.task_id .. "%]", sim:last_request().body)
  end)

  it("taken from cjson.decode and from the seed docs work unchanged", function()
    local t = sim:task({template_id = 1})
    -- a webhook body as lua-cjson decodes it: numbers are floats under 5.3+
    local hook = cjson.decode(string.format('{"task_id": %d, "bk_biz_id": 2}', t.task_id))
    local status = assert(c:get_task_status{task_id = hook.task_id, bk_biz_id = hook.bk_biz_id})
    assert.equal("CREATED", status.state)
    -- the seed docs send ids as strings: {"bk_biz_id": "2", "task_id": "10"}
    local seed = cjson.decode(string.format('{"bk_biz_id": "2", "task_id": "%d"}', t.task_id))
    assert(c:start_task(seed))
    assert.equal("/prod/start_task/" .. t.task_id .. "/2/", sim:last_request().path)
    -- and in a client's options
    local from_json = sim:client({bk_biz_id = cjson.decode('{"b": 2}').b})
    assert(from_json:get_task_status{task_id = hook.task_id})
    assert.equal("/prod/get_task_status/" .. t.task_id .. "/2/", sim:last_request().path)
    assert.equal(2, from_json:defaults().bk_biz_id)
    from_json:close()
  end)

  it("reach client:call's path as digits", function()
    local t = sim:task({template_id = 1})
    assert(c:call("get_task_status", {task_id = tostring(t.task_id), bk_biz_id = "2"}))
    assert.equal("/prod/get_task_status/" .. t.task_id .. "/2/", sim:last_request().path)
    assert(esb:call("get_task_status", {task_id = t.task_id + 0.0, bk_biz_id = "02"}))
    assert.equal(tostring(t.task_id), sim:last_request().args.task_id)
    assert.equal("2", sim:last_request().args.bk_biz_id)
  end)

  it("are accepted by wait and wait_all, whose results are keyed by the integer", function()
    local a = sim:task({template_id = 1, start = true})
    local b = sim:task({template_id = 1, start = true})
    local status = assert(c:wait{task_id = tostring(a.task_id), sleep = sim:sleeper(), interval = 1})
    assert.equal("FINISHED", status.state)
    local results = c:wait_all{task_ids = {tostring(a.task_id), {task_id = b.task_id + 0.0, bk_biz_id = "2"}},
      sleep = sim:sleeper(), interval = 1}
    assert.equal("FINISHED", results[a.task_id][1].state)
    assert.equal("FINISHED", results[b.task_id][1].state)
    assert.is_nil(results[tostring(a.task_id)])
  end)

  describe("in a refused form", function()
    -- runs fn, which must raise at this file's line with a message that
    -- holds each of `wants`, and checks that nothing reached the server
    local function refused(fn, ...)
      sim:clear_log()
      local ok, err = pcall(fn)
      assert.is_false(ok, ...)
      for _, want in ipairs({...}) do assert.matches(want, err, 1, true) end
      assert.matches("14%-ids_spec%.lua:%d+: bad argument", err)
      assert.same({}, sim:requests())
    end

    it("raise a precise bad argument error from every call that takes ids", function()
      assert.is_true(#REFUSED > 15)
      for _, case in ipairs(REFUSED) do
        local v, got = case[1], case[2]
        local E = "': positive integer expected, "
        refused(function() c:get_task_status{task_id = v} end,
          "bad argument #1 to 'sops.get_task_status' (field 'task_id" .. E, got)
        refused(function() c:start_task{task_id = v} end, "(field 'task_id" .. E, got)
        refused(function() c:create_task{template_id = v, name = "x"} end, "(field 'template_id" .. E, got)
        refused(function() c:get_template_list{bk_biz_id = v} end, "(field 'bk_biz_id" .. E, got)
        refused(function() c:get_tasks_status{task_id_list = {1, v}} end, "(field 'task_id_list[2]" .. E, got)
        refused(function() c:wait{task_id = v} end, "bad argument #1 to 'sops.wait' (field 'task_id" .. E, got)
        -- (a table in task_ids is an entry {task_id = ..., bk_biz_id = ...})
        local entry = type(v) == "table" and {task_id = v} or v
        refused(function() c:wait_all{task_ids = {1, entry}} end, "(field 'task_ids[2]" .. E, got)
        refused(function() c:wait_all{task_ids = {{task_id = 1, bk_biz_id = v}}} end,
          "(field 'task_ids[1].bk_biz_id" .. E, got)
        refused(function() sops.new{url = sim.url, app_code = "a", app_secret = "s", username = "u", bk_biz_id = v} end,
          "(option 'bk_biz_id" .. E, got)
      end
    end)

    it("are refused by client:call before anything is sent", function()
      for _, case in ipairs(REFUSED) do
        sim:clear_log()
        local ok, err = pcall(c.call, c, "get_task_status", {task_id = case[1], bk_biz_id = 2})
        assert.is_false(ok)
        assert.matches("(field 'task_id': positive integer expected, ", err, 1, true)
        assert.matches(case[2], err, 1, true)
        ok, err = pcall(esb.call, esb, "start_task", {task_id = 1, bk_biz_id = case[1]})
        assert.is_false(ok)
        assert.matches("(field 'bk_biz_id': positive integer expected", err, 1, true)
        assert.same({}, sim:requests())
      end
    end)

    it("are shown as sops.check.id describes them", function()
      local id = require("sops.check").id
      for _, form in ipairs(ACCEPTED) do assert.equal(7, id(form[2]), form[1]) end
      assert.equal(9007199254740991, id(2 ^ 53 - 1))
      for _, case in ipairs(REFUSED) do
        local v, why = id(case[1])
        assert.is_nil(v)
        assert.matches(case[2], why, 1, true)
      end
    end)
  end)

  it("are taken as words by the bksops command", function()
    local t = sim:task({template_id = 1})
    local out, err, code = h.run(sim:env({BK_BIZ_ID = "02"}) .. " " .. h.LUA .. " bin/bksops status 000"
      .. t.task_id .. " --json")
    assert.equal(0, code, err)
    assert.equal("CREATED", h.decode(out).state)
    assert.equal("/prod/get_task_status/" .. t.task_id .. "/2/", sim:last_request().path)
    local _
    _, err, code = h.run(sim:env({BK_BIZ_ID = "2.5"}) .. " " .. h.LUA .. " bin/bksops status 1")
    assert.equal(2, code)
    assert.matches("--biz: positive integer expected, got \"2.5\"", err, 1, true)
  end)
end)
