-- client:pages: listings as iterators that fetch the next page when the
-- last item is used up, against bksops-sim's real pagination.
local h = require "helpers"

describe("client:pages", function()
  local sim, c
  h.use_sim({"--speed", "0"}, nil, function(s, cl)
    sim, c = s, cl
    for i = 1, 450 do sim:task({template_id = 1, name = "task " .. i}) end
  end, true)
  before_each(function() sim:clear_log() end)

  local function list_requests()
    local out = {}
    for _, r in ipairs(sim:requests_to("/get_task_list/")) do out[#out + 1] = r.args end
    return out
  end

  it("goes over 450 tasks with limit 100 in exactly 5 requests, in the server's order", function()
    local ids = {}
    local items, pager = c:pages("get_task_list", {limit = 100})
    for task in items do ids[#ids + 1] = task.id end
    assert.equal(450, #ids)
    for i, id in ipairs(ids) do assert.equal(451 - i, id) end -- newest first, as bk-sops lists them
    local reqs = list_requests()
    assert.equal(5, #reqs)
    for i, args in ipairs(reqs) do
      assert.equal("100", args.limit)
      assert.equal(tostring((i - 1) * 100), args.offset)
    end
    assert.equal(5, pager.requests)
    assert.equal(450, pager.count)
    assert.is_nil(pager.err)
    assert.is_nil(items()) -- done: no more requests
    assert.equal(5, #list_requests())
  end)

  it("yields the items of two pages, then nil, message, err once when page 3 fails", function()
    local items, pager = c:pages("get_task_list", {limit = 100})
    local n = 0
    local task, message, err = items()
    while task do
      n = n + 1
      if n == 200 then sim:fault({kind = "status", status = 502, match = "/get_task_list/"}) end
      task, message, err = items()
    end
    assert.equal(200, n)
    assert.equal("http", err.kind)
    assert.equal(502, err.http_status)
    assert.equal("get_task_list", err.api)
    assert.equal(tostring(err), message)
    assert.equal(err, pager.err)
    assert.equal(message, pager.message)
    assert.is_nil(items()) -- once: nothing more is fetched after the failure
    assert.equal(3, #list_requests())
    assert.equal(3, pager.requests)
  end)

  it("stops after max_items, asking the last page for no more than it needs", function()
    local n = 0
    for _ in c:pages("get_task_list", {limit = 100, max_items = 150}) do n = n + 1 end
    assert.equal(150, n)
    local reqs = list_requests()
    assert.equal(2, #reqs)
    assert.same({"100", "0"}, {reqs[1].limit, reqs[1].offset})
    assert.same({"50", "100"}, {reqs[2].limit, reqs[2].offset})
  end)

  it("starts at an offset, keeps the filters on every page and stops on a short page", function()
    local n = 0
    for task in c:pages("get_task_list", {limit = 200, offset = 300, keyword = "task"}) do
      n = n + 1
      assert.matches("^task ", task.name)
    end
    assert.equal(150, n)
    local reqs = list_requests()
    assert.equal(1, #reqs)
    assert.equal("task", reqs[1].keyword)
  end)

  it("pages the other listings that page: clocked and functionalization tasks", function()
    sim:config({whitelist = {h.APP_CODE}})
    for i = 1, 3 do
      assert(c:create_clocked_task{template_id = 1, task_name = "at " .. i, plan_start_time = "2026-12-01 02:00:00"})
    end
    local names = {}
    for t in c:pages("get_clocked_task_list", {limit = 2}) do names[#names + 1] = t.task_name end
    assert.same({"at 3", "at 2", "at 1"}, names)
    assert.equal(2, #sim:requests_to("/get_clocked_task_list/"))
    for _ = 1, 3 do sim:task({template_id = 1, flow_type = "common_func"}) end
    local n = 0
    for item in c:pages("get_functionalization_task_list", {limit = 2}) do
      n = n + 1
      assert.equal("submitted", item.status)
    end
    assert.equal(3, n)
  end)

  it("refuses what cannot page, before anything is sent", function()
    local before = #sim:requests()
    local ok, msg = pcall(c.pages, c, "get_template_list", {})
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'pages' (a listing that pages expected: get_clocked_task_list, "
      .. "get_functionalization_task_list, get_mini_app_list, get_task_list)", msg, 1, true)
    ok, msg = pcall(c.pages, c, "get_task_list", {limit = 500})
    assert.is_false(ok)
    assert.matches("field 'limit': at most 200 items per page", msg, 1, true)
    ok, msg = pcall(c.pages, c, "get_task_list", {max_items = 0})
    assert.is_false(ok)
    assert.matches("field 'max_items'", msg, 1, true)
    assert.equal(before, #sim:requests())
  end)
end)

describe("client:create_and_start_task", function()
  local env = h.sim_env({"--speed", "0"})
  setup(env.start)
  teardown(env.stop)

  it("creates and starts in one call and returns the task and its url like create_task", function()
    local sim, c = env.sim, env.c
    local data = assert(c:create_and_start_task{template_id = 1, name = "now", template_source = "business"})
    assert.is_true(h.is_integer(data.task_id))
    assert.matches("instance_id=" .. data.task_id, data.task_url, 1, true)
    assert.is_table(data.pipeline_tree)
    sim:advance(1)
    local st = assert(c:get_task_status{task_id = data.task_id})
    assert.equal("RUNNING", st.state)
    local req = sim:requests_to("/create_and_start_task/")[1]
    assert.equal("POST", req.method)
    assert.equal("/prod/create_and_start_task/1/2/", req.path)
  end)
end)

describe("docs/client.md's paging example", function()
  local env = h.sim_env({"--speed", "0"})
  setup(env.start)
  teardown(env.stop)

  it("runs as printed", function()
    for _ = 1, 3 do env.sim:task({template_id = 1}) end
    local text = h.read("docs/client.md")
    local code = assert(text:match("\n## Listings that page\n.-```lua\n(.-)```"), "no example")
    local printed = {}
    local env_ = setmetatable({client = env.c, print = function(...) printed[#printed + 1] = {...} end},
      {__index = _G})
    h.load_in(code, "README", env_)()
    assert.equal(3, #printed)
    assert.equal(3, printed[1][1])
  end)
end)

describe("client:pages on the ESB route", function()
  local env = h.sim_env({"--speed", "0"}, {route = "esb"})
  setup(env.start)
  teardown(env.stop)

  it("pages get_task_list there, and refuses a listing ESB lacks when asked, not at the first page", function()
    for _ = 1, 5 do env.sim:task({template_id = 1}) end
    local n = 0
    for _ in env.c:pages("get_task_list", {limit = 2, without_count = true}) do n = n + 1 end
    assert.equal(5, n)
    -- no total (-1): pages end on a short one
    assert.equal(3, #env.sim:requests_to("/get_task_list/"))
    local ok, msg = pcall(function()
      local it = env.c:pages("get_clocked_task_list", {})
      return it
    end)
    assert.is_false(ok)
    assert.matches("26%-pages_spec.lua:%d+: bad argument #1 to 'sops.get_clocked_task_list' %(ESB has no api", msg)
  end)
end)
