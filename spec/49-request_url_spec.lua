-- The URL a call goes to reaches the server exactly as lua-sops built it
-- (core.request gives it), whichever way libcurl is handed it: as a URL
-- handle whose path and query each request sets (csrc/target.c), or, for a
-- path with an escape or a dot segment, as a string.
local h = require "helpers"
local core = require "sops.core"

-- the path and query of a URL (query nil when it has none)
local function target_of(url)
  local rest = assert(url:match("^https?://[^/?#]*(.*)$"), url)
  local path, query = rest:match("^([^?]*)%?(.*)$")
  return path or rest, query
end

describe("a call's URL", function()
  local sim, c
  h.use_sim({"--speed", "0"}, nil, function(s, cl) sim, c = s, cl end)

  -- sends api with params and returns what the server was asked: the
  -- request's path and query, and those of the URL lua-sops built
  local function sent(client, api, params)
    client:call(api, params)
    local req = sim:last_request()
    local path, query = target_of(core.request(client, api, params).url)
    return {req.path, req.query ~= "" and req.query or nil}, {path, query}
  end

  it("arrives as built, one call after another, a query set and taken away again", function()
    local id = sim:task{template_id = 1}.task_id
    local calls = {
      {"get_task_status", {task_id = id}},
      -- an escape in the query: the URL goes as a string
      {"get_task_count", {keyword = "a b/\195\169%"}},
      {"get_task_status", {task_id = id, with_ex_data = true}},
      -- no query after one: none is left over from the call before
      {"start_task", {task_id = id}},
      {"get_task_detail", {task_id = id}},
      {"start_task", {task_id = id}},
    }
    for i, call in ipairs(calls) do
      local got, built = sent(c, call[1], call[2])
      assert.same(built, got, i .. ": " .. call[1])
    end
    local status, count = sim:requests_to("get_task_status"), sim:requests_to("get_task_count")
    assert.equal("scope=cmdb_biz", status[1].query)
    assert.matches("keyword=a%%20b%%2F%%C3%%A9%%25", count[1].query) -- the escapes as written, upper case
    assert.equal("", sim:requests_to("start_task")[1].query or "")
  end)

  it("arrives as built when a URL repeats the last, which the handle keeps, and after it changes", function()
    local a, b = sim:task{template_id = 1}.task_id, sim:task{template_id = 1}.task_id
    local calls = {
      {"get_task_status", {task_id = a}}, {"get_task_status", {task_id = a}},
      -- a string URL, repeated, then the URL handle again
      {"get_task_count", {keyword = "x%y"}}, {"get_task_count", {keyword = "x%y"}},
      {"get_task_status", {task_id = a}}, {"get_task_status", {task_id = b}}, {"get_task_status", {task_id = a}},
      {"callback", {token = ".."}}, {"callback", {token = ".."}}, {"get_task_status", {task_id = a}},
    }
    for i, call in ipairs(calls) do
      local got, built = sent(c, call[1], call[2])
      assert.same(built, got, i .. ": " .. call[1])
    end
    assert.equal(5, #sim:requests_to("/get_task_status/" .. a .. "/"))
    assert.equal(1, #sim:requests_to("/get_task_status/" .. b .. "/"))
  end)

  it("keeps a path parameter of dots one segment: '.' and '..' go escaped, not as steps up the path", function()
    for _, token in ipairs({"..", ".", "...", "a.b", "tok/en"}) do
      local got, built = sent(c, "callback", {token = token})
      assert.same(built, got, token)
      assert.equal(1, #sim:requests_to("/callback/"), token)
      sim:clear_log()
    end
    local url = core.request(c, "callback", {token = ".."}).url
    assert.equal("/prod/callback/%2E%2E/", (target_of(url)))
  end)

  it("gives a base URL's own dot segments to libcurl to resolve, as ever", function()
    local d = sim:client({url = sim.url .. "/x/../prod"})
    local id = sim:task{template_id = 1}.task_id
    assert(d:get_task_status{task_id = id})
    assert.equal("/prod/get_task_status/" .. id .. "/2/", sim:last_request().path)
    d:close()
  end)

  it("follows a client to a base URL of another server: each client's handle is its own", function()
    local other = h.start_sim({"--speed", "0"})
    local ok, err = pcall(function()
      local d = other:client()
      local id = sim:task{template_id = 1}.task_id
      local id2 = other:task{template_id = 1}.task_id
      for _ = 1, 2 do
        assert(c:get_task_status{task_id = id})
        assert(d:get_task_status{task_id = id2})
      end
      assert.equal(2, #sim:requests_to("/get_task_status/" .. id .. "/"))
      assert.equal(2, #other:requests_to("/get_task_status/" .. id2 .. "/"))
      d:close()
    end)
    other:stop()
    assert(ok, err)
  end)
end)
