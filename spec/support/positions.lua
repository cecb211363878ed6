-- Where an argument mistake is reported: at the line of the caller's own
-- call, for every public entry point, whatever path inside the library
-- raised it (Lua or the C core, a tail call or not). Shared by
-- spec/32-positions_spec.lua (every runtime) and spec/ngx/app.lua (inside
-- nginx, cosockets or not).
--   positions.check(sops, c, esb) -> a list of what went wrong (empty: all
--   well); c: a client of the API gateway route, esb: one of the ESB
--   route; both may be closed after.
local M = {}

-- Each case is one line, so that the line it is defined on is the line of
-- its call: f's error must start with "<this file>:<that line>:". (Its
-- call is no tail call, `local _ = ...`: a tail call would leave no frame
-- of the caller's to report.)
local function expect(out, name, f)
  local info = debug.getinfo(f, "S")
  local ok, err = pcall(f)
  if ok then
    out[#out + 1] = name .. ": raised nothing"
    return
  end
  err = tostring(err)
  local want = info.short_src .. ":" .. info.linedefined .. ": bad argument"
  if err:sub(1, #want) ~= want then
    out[#out + 1] = name .. ": " .. err .. " (expected at " .. info.short_src .. ":" .. info.linedefined .. ")"
  end
end

function M.check(sops, c, esb)
  local api = require "sops.api"
  local callbacks = require "sops.callbacks"
  local out = {}
  -- every call of the endpoint table, as a method and at module level
  sops.configure{url = "http://127.0.0.1:9/prod", app_code = "a", app_secret = "s", username = "u", bk_biz_id = 2}
  local names = {}
  for name in pairs(api.CALLS) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    expect(out, name, function() local _ = c[name](c, {not_a_field = 1}) end)
    expect(out, "sops." .. name, function() local _ = sops[name]({not_a_field = 1}) end)
    expect(out, name .. " (no table)", function() local _ = c[name](c, 5) end)
  end
  -- the core's own refusals: a field it cannot send, an api ESB lacks, an
  -- api nobody defined
  expect(out, "a bad id", function() local _ = c:get_task_status{task_id = "x1"} end)
  expect(out, "a bad id, at module level", function() local _ = sops.get_task_status{task_id = "x1"} end)
  expect(out, "ESB lacks it", function() local _ = esb:get_task_count{} end)
  -- the same through the Lua layer's hooks (past the core's method, where it has one)
  esb:on("request", function() end)
  expect(out, "ESB lacks it, with a hook", function() local _ = esb:get_task_count{} end)
  esb:on("request", nil)
  expect(out, "call: unknown api", function() local _ = c:call("no_such_api", {}) end)
  expect(out, "call: bad spec", function() local _ = c:call({api = "x", method = "PUT", path = "/x/"}, {}) end)
  expect(out, "call_many: not a list", function() local _ = c:call_many("x") end)
  expect(out, "call_many: bad entry", function() local _ = c:call_many({{"get_task_status"}}) end)
  expect(out, "call_many: bad id", function() local _ = c:call_many({{"get_task_status", {task_id = "x1"}}}) end)
  expect(out, "pages: not a listing", function() local _ = c:pages("get_task_status", {}) end)
  expect(out, "pages: limit", function() local _ = c:pages("get_task_list", {limit = 1000}) end)
  expect(out, "pages: bad field", function() local _ = c:pages("get_task_list", {bogus = 1}) end)
  expect(out, "prepare: unknown", function() local _ = c:prepare("nope", {}) end)
  expect(out, "prepare: bad field", function() local _ = c:prepare("get_task_status", {bogus = 1}) end)
  expect(out, "on", function() local _ = c:on("bogus", print) end)
  expect(out, "wait: no task", function() local _ = c:wait{} end)
  expect(out, "wait: bad field", function() local _ = c:wait{task_id = 1, bogus = 1} end)
  expect(out, "sops.wait", function() local _ = sops.wait{task_id = "x"} end)
  expect(out, "wait_all: bad id", function() local _ = c:wait_all{task_ids = {"x"}} end)
  expect(out, "sops.wait_all", function() local _ = sops.wait_all{task_ids = 5} end)
  local bad_callback = {template_id = 1, name = "n", callback = 5}
  expect(out, "create_task: a callback that is no receiver", function() local _ = c:create_task(bad_callback) end)
  local ftp = {url = "ftp://x", app_code = "a", app_secret = "s", username = "u"}
  local bad_transport = {url = "http://x", app_code = "a", app_secret = "s", username = "u", transport = "x"}
  expect(out, "new: unknown option", function() local _ = sops.new{bogus = 1} end)
  expect(out, "new: bad url", function() local _ = sops.new(ftp) end)
  expect(out, "new: profile", function() local _ = sops.new{profile = 5} end)
  expect(out, "new: transport", function() local _ = sops.new(bad_transport) end)
  expect(out, "configure", function() local _ = sops.configure{bogus = 1} end)
  expect(out, "listen", function() local _ = callbacks.listen{port = -1} end)
  expect(out, "encode", function() local _ = sops.encode(print) end)
  c:close()
  expect(out, "a closed client", function() local _ = c:get_task_status{task_id = 1} end)
  expect(out, "a closed client waits", function() local _ = c:wait{task_id = 1} end)
  return out
end

return M
