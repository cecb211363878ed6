-- What the nginx specs' locations run inside nginx (LuaJIT, cosockets):
-- /case/<name>?sim=URL&transport=curl|ngx[&...] runs one case with a client
-- of its own and answers a JSON document of what the calls returned, for
-- the spec to compare across transports.
local cjson = require "cjson.safe"
local sops = require "sops"

local M = {}

-- an error as the spec compares it (its message may differ by transport)
local function err_fields(err)
  if err == nil then return nil end
  return {kind = err.kind, http_status = err.http_status, code = err.code, sent = err.sent,
    retryable = err.retryable, api = err.api, has_message = type(err.message) == "string"}
end

-- (and whether the return rule held: a message that is the error's text
-- on failure, nothing second on success)
local function result(value, message, err)
  if value == nil then
    local out = {err = err_fields(err)}
    out.err.message_is_text = type(message) == "string" and message == tostring(err)
    return out
  end
  return {value = value, second = message}
end

local function client(args, extra)
  local o = {url = args.sim .. "/prod", app_code = "nginx-app", app_secret = "nginx-secret", username = "admin",
    bk_biz_id = 2, transport = args.transport, timeout = tonumber(args.timeout) or 10}
  for k, v in pairs(extra or {}) do o[k] = v end
  return sops.new(o)
end

local CASES = {}

-- every kind of call: GET and POST methods, client:call, a call the table
-- lacks, call_many, pages, wait and wait_all
function CASES.calls(args)
  local c = client(args)
  local out = {}
  local task = c:create_task{template_id = 1, name = "in nginx", constants = {["${app}"] = "ngx"}}
  out.create = {task_id = task and task.task_id}
  out.start = result(c:start_task{task_id = task.task_id})
  out.status = result(c:get_task_status{task_id = task.task_id, with_ex_data = true})
  out.detail = result(c:call("get_task_detail", {task_id = task.task_id}))
  out.list = result(c:get_template_list{id_in = {1, 2}})
  out.unknown = result(c:call({api = "get_future_thing", method = "GET", path = "/get_future_thing/{bk_biz_id}/"},
    {x = 1}))
  out.refused = result(c:operate_task{task_id = 999, action = "pause"})
  local many = c:call_many({{"get_task_status", {task_id = task.task_id}}, {"get_tasks_status",
    {task_id_list = {task.task_id}}}, {"get_task_status", {task_id = 424242}}})
  out.many = {}
  for i, r in ipairs(many) do out.many[i] = result(r[1], r[2], r[3]) end
  local ids = {}
  for t in c:pages("get_task_list", {limit = 1}) do ids[#ids + 1] = t.id end
  out.pages = ids
  local done = c:wait{task_id = task.task_id, interval = 0.05, timeout = 30}
  out.wait = done and done.state
  local t2 = c:create_task{template_id = 1, name = "second"}
  c:start_task{task_id = t2.task_id}
  local all = c:wait_all{task_ids = {task.task_id, t2.task_id}, interval = 0.05, timeout = 30}
  out.wait_all = {all[task.task_id][1] and all[task.task_id][1].state,
    all[t2.task_id][1] and all[t2.task_id][1].state}
  c:close()
  return out
end

-- one read, to see how a fault shows
function CASES.read(args)
  local c = client(args, {max_body = tonumber(args.max_body)})
  local out = result(c:get_task_status{task_id = tonumber(args.task_id) or 1})
  c:close()
  return out
end

-- one state-changing call, to see how a fault shows
function CASES.write(args)
  local c = client(args)
  local out = result(c:start_task{task_id = tonumber(args.task_id) or 1})
  c:close()
  return out
end

-- a call to a TLS server (args.url), verified unless verify=0
function CASES.tls(args)
  local c = sops.new{url = args.url, app_code = "a", app_secret = "s", username = "u", bk_biz_id = 2,
    transport = args.transport, verify_tls = args.verify ~= "0", timeout = 5}
  local out = result(c:get_task_status{task_id = 1})
  c:close()
  return out
end

-- n reads in light threads of this request (the worker's concurrency)
function CASES.parallel(args)
  local c = client(args)
  local threads = {}
  for i = 1, tonumber(args.n) or 20 do
    threads[i] = ngx.thread.spawn(function()
      local v, _, err = c:get_task_status{task_id = 1}
      return v and v.state or err.kind
    end)
  end
  local out = {}
  for i, t in ipairs(threads) do
    local _, state = ngx.thread.wait(t)
    out[i] = state
  end
  c:close()
  return out
end

-- n small reads in a row on one client (the bench's CPU per call): the
-- worker's CPU seconds for them
function CASES.loop(args)
  local c = client(args)
  local n, task_id = tonumber(args.n) or 1000, tonumber(args.task_id) or 1
  local call = c[args.api or "get_task_status"]
  assert(call(c, {task_id = task_id})) -- the connection, warm
  local t0 = os.clock()
  for _ = 1, n do assert(call(c, {task_id = task_id})) end
  local cpu = os.clock() - t0
  c:close()
  return {cpu = cpu, n = n}
end

-- the same reads written by hand the lua-resty-http way: a keep-alive
-- cosocket, the request line and headers, Content-Length, lua-cjson
function CASES.handloop(args)
  local decode = require("cjson").decode
  local host, port = args.sim:match("^http://([^:/]+):(%d+)")
  local n, task_id = tonumber(args.n) or 1000, tonumber(args.task_id) or 1
  local auth = '{"bk_app_code":"nginx-app","bk_app_secret":"nginx-secret","bk_username":"admin"}'
  local function one()
    -- built per call, as lua-resty-http builds its requests
    local req = table.concat({
      "GET /prod/" .. (args.api or "get_task_status") .. "/" .. task_id .. "/2/?scope=cmdb_biz HTTP/1.1",
      "Host: " .. host .. ":" .. port, "X-Bkapi-Authorization: " .. auth, "User-Agent: hand/1.0",
      "Accept: application/json", "Connection: keep-alive", "", ""}, "\r\n")
    local sock = ngx.socket.tcp()
    sock:settimeouts(5000, 10000, 10000)
    assert(sock:connect(host, tonumber(port), {pool = "hand"}))
    assert(sock:send(req))
    local status = assert(sock:receive("*l"))
    local length
    while true do
      local line = assert(sock:receive("*l"))
      if line == "" then break end
      local v = line:match("^[Cc]ontent%-[Ll]ength:%s*(%d+)")
      if v then length = tonumber(v) end
    end
    local body = assert(sock:receive(length))
    sock:setkeepalive(60000, 32)
    local doc = decode(body)
    assert(status:find(" 200 ", 1, true) and doc.result == true)
    return doc.data
  end
  one()
  local t0 = os.clock()
  for _ = 1, n do one() end
  return {cpu = os.clock() - t0, n = n}
end

-- wait_all over the task ids from..to: the rounds it took
function CASES.wait_all(args)
  local c = client(args, {timeout = 120})
  local ids = {}
  for id = tonumber(args.from), tonumber(args.to) do ids[#ids + 1] = id end
  local rounds = 0
  local results = c:wait_all{task_ids = ids, interval = 0.05, timeout = 120,
    on_poll = function() rounds = rounds + 1 end}
  local finished = 0
  for _, r in pairs(results) do
    if r[1] and r[1].state == "FINISHED" then finished = finished + 1 end
  end
  c:close()
  return {rounds = rounds, finished = finished}
end

-- a client kept at module level, shared by the requests of this worker
local shared

-- task details for ids from..to, each in its own light thread, on the
-- shared client: each answer must be its own task's
function CASES.shared(args)
  shared = shared or client(args)
  local threads, out = {}, {}
  for id = tonumber(args.from), tonumber(args.to) do
    threads[#threads + 1] = ngx.thread.spawn(function()
      local d, _, err = shared:get_task_detail{task_id = id}
      return id, d and d.name or err.kind
    end)
  end
  for _, t in ipairs(threads) do
    local _, id, name = ngx.thread.wait(t)
    out[#out + 1] = {id, name}
  end
  return out
end

-- a client with a proxy: the cosocket path cannot use one
function CASES.proxy(args)
  local c = client(args, {proxy = "http://127.0.0.1:3128"})
  local out = result(c:get_task_status{task_id = 1})
  out.message = out.err and nil
  local _, _, err = c:get_task_status{task_id = 1}
  out.text = err and err.message
  c:close()
  return out
end

-- For set_by_lua (no cosockets there): a read with transport = args.transport
-- ("auto" for the default); the state, the error's kind, or the error a
-- raise gave.
function M.set_phase(sim_url, transport)
  local ok, out = pcall(function()
    local c = sops.new{url = sim_url .. "/prod", app_code = "nginx-app", app_secret = "nginx-secret",
      username = "admin", bk_biz_id = 2, transport = transport ~= "auto" and transport or nil}
    local v, message, err = c:get_task_status{task_id = 1}
    c:close()
    if v then return v.state end
    return err and err.kind or tostring(message)
  end)
  return (ok and "" or "raised: ") .. tostring(out)
end

-- Phases without cosockets (spec/ngx/04-phases_spec.lua). What a call
-- returned: {state} for a value, else {err = the error's fields and its
-- message, text = the message returned before it}. (A failure is nil,
-- message, err.)
local function outcome(value, message, err)
  if value ~= nil then return {ok = true, state = type(value) == "table" and value.state or nil} end
  local e = err_fields(err) or {}
  e.message = type(err) == "table" and err.message or nil
  return {err = e, text = message}
end

-- The calls made in the running phase, with a client of args (sim,
-- transport, task_id; retries=1 for a retry policy; more=1 for call_many
-- and wait too): what each returned, the phase, the seconds they took,
-- and what a raise said.
local function phase_calls(args)
  local out = {phase = ngx.get_phase()}
  local ok, raised = pcall(function()
    local c = client(args, {retries = args.retries and true or nil})
    local task_id = tonumber(args.task_id) or 1
    ngx.update_time()
    local t0 = ngx.now()
    out.read = outcome(c:get_task_status{task_id = task_id})
    if args.more then
      local many = c:call_many({{"get_task_status", {task_id = task_id}}, {"get_task_detail", {task_id = task_id}}})
      out.many = {}
      for i, r in ipairs(many) do out.many[i] = outcome(r[1], r[2], r[3]) end
      out.wait = outcome(c:wait{task_id = task_id, interval = 0.05, timeout = 2})
    end
    ngx.update_time()
    out.elapsed = ngx.now() - t0
    c:close()
  end)
  if not ok then out.raised = tostring(raised) end
  return out
end

local function record(key, out)
  assert(ngx.shared.sops_phases:set(key, cjson.encode(out)))
end

-- For /phase/<phase>?key=K&sim=URL[&transport=...][&via=timer]: in that
-- phase (header_filter, body_filter or log: nginx.lua runs this in each),
-- the calls of phase_calls, recorded under K in lua_shared_dict
-- sops_phases; via=timer makes them in a zero-delay timer created there
-- (the way out the lua-nginx-module README gives for these phases).
function M.in_phase()
  local phase = ngx.get_phase()
  if ngx.var.uri ~= "/phase/" .. phase or ngx.ctx.sops_phase_done then return end
  ngx.ctx.sops_phase_done = true -- (body_filter runs once per chunk)
  local args = ngx.req.get_uri_args()
  if args.via == "timer" then
    local ok, err = ngx.timer.at(0, function() record(args.key, phase_calls(args)) end)
    if not ok then record(args.key, {raised = "ngx.timer.at: " .. tostring(err)}) end
    return
  end
  record(args.key, phase_calls(args))
end

-- For init_by_lua_block and init_worker_by_lua_block: a read of task_id
-- with the default transport, recorded under key; with timer_key, a read
-- of timer_task from a zero-delay timer created there (init_worker only).
function M.at_start(sim_url, key, task_id, timer_key, timer_task)
  record(key, phase_calls({sim = sim_url, task_id = tostring(task_id)}))
  if timer_key then
    local args = {sim = sim_url, task_id = tostring(timer_task)}
    local ok, err = ngx.timer.at(0, function() record(timer_key, phase_calls(args)) end)
    if not ok then record(timer_key, {raised = "ngx.timer.at: " .. tostring(err)}) end
  end
end

-- what /phase/... (or a start hook) recorded under args.key, taken; {pending
-- = true} until it has
function CASES.phase_result(args)
  local dict = ngx.shared.sops_phases
  local s = dict:get(args.key)
  if not s then return {pending = true} end
  dict:delete(args.key)
  return cjson.decode(s)
end

-- one read (or, with wait=SECONDS, a wait) and how long it took
function CASES.timed(args)
  local c = client(args, {max_body = tonumber(args.max_body), app_secret = args.secret})
  ngx.update_time()
  local t0 = ngx.now()
  local out
  if args.wait then
    out = result(c:wait{task_id = 1, timeout = tonumber(args.wait), interval = 0.05})
  else
    local value, message, err = c:get_task_status{task_id = 1}
    out = result(value, message, err)
    out.text, out.detail = message, err and err.detail
  end
  ngx.update_time()
  out.elapsed = ngx.now() - t0
  c:close()
  return out
end

-- arms a fault on the simulator at base (its control API, on a cosocket
-- of its own)
local function arm(base, fault)
  local host, port = base:match("^http://([^:/]+):(%d+)")
  local sock = ngx.socket.tcp()
  sock:settimeout(5000)
  assert(sock:connect(host, tonumber(port)))
  local body = cjson.encode(fault)
  assert(sock:send("POST /_sim/faults HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\nContent-Length: "
    .. #body .. "\r\nConnection: close\r\n\r\n" .. body))
  local line = sock:receive("*l")
  sock:close()
  assert(line and line:find(" 200 ", 1, true), "arming a fault: " .. tostring(line))
end

local CHAOS_FAULTS = {
  {kind = "reset"}, {kind = "truncate"}, {kind = "status", status = 502}, {kind = "status", status = 503},
  {kind = "rate_limit", retry_after = 0}, {kind = "garbage"}, {kind = "chunked", bytes = 3},
  {kind = "garbage", status = 200, content_type = "application/json", body = '{"result": "yes"}'},
  {kind = "size", bytes = 300000}, {kind = "delay", seconds = 0.01},
}

-- n calls of every kind through the cosocket transport, a random fault
-- armed before a third of them: what each returned, summed up
function CASES.chaos(args)
  local c = client(args, {timeout = 2, max_body = 200000})
  local seed = tonumber(args.seed) or 1
  local function rand(n)
    seed = (seed * 16807) % 2147483647
    return seed % n + 1
  end
  local tasks = {}
  for i = 1, 4 do tasks[i] = assert(c:create_task{template_id = 1, name = "chaos"}).task_id end
  local calls = {
    function() return c:get_task_status{task_id = tasks[rand(4)], with_ex_data = true} end,
    function() return c:get_tasks_status{task_id_list = tasks} end,
    function() return c:get_template_list{} end,
    function() return c:create_task{template_id = 1, name = "chaos"} end,
    function() return c:start_task{task_id = tasks[rand(4)]} end,
    function()
      local r = c:call_many({{"get_task_status", {task_id = tasks[1]}}, {"get_template_list", {}}})
      for _, x in ipairs(r) do
        if x[1] == nil then return nil, x[2], x[3] end
      end
      return r[1][1], r[1][2], r[1][3]
    end,
  }
  local out = {values = 0, faults = 0, kinds = {}, broken = {}, creates_sent = 0}
  for i = 1, tonumber(args.n) or 300 do
    if rand(3) == 1 then
      local f = {}
      for k, v in pairs(CHAOS_FAULTS[rand(#CHAOS_FAULTS)]) do f[k] = v end
      f.count = 1
      arm(args.sim, f)
      out.faults = out.faults + 1
    end
    local which = rand(#calls)
    local ok, v, message, err = pcall(calls[which])
    if not ok then
      out.broken[#out.broken + 1] = "call " .. i .. " raised: " .. tostring(v)
    elseif v == nil then
      if not (type(message) == "string" and sops.is_error(err) and tostring(err) == message
        and type(err.kind) == "string") then
        out.broken[#out.broken + 1] = "call " .. i .. ": not nil, message, err"
      else
        out.kinds[err.kind] = (out.kinds[err.kind] or 0) + 1
        if which == 4 and err.sent then out.creates_sent = out.creates_sent + 1 end
      end
    elseif message ~= nil then
      out.broken[#out.broken + 1] = "call " .. i .. ": a second value on success"
    else
      out.values = out.values + 1
      if which == 4 then out.creates_sent = out.creates_sent + 1 end
    end
  end
  c:close()
  return out
end

-- argument mistakes at every entry point: reported at the caller's line
-- (spec/support/positions.lua), cosockets or libcurl
function CASES.positions(args)
  local positions = require "support.positions"
  return {wrong = setmetatable(positions.check(sops, client(args), client(args, {route = "esb",
    url = args.sim .. "/api/c/compapi/v2/sops"})), cjson.empty_array_mt)}
end

-- a client closed while a call of another light thread waits for its answer
function CASES.close_during(args)
  local c = client(args)
  local t = ngx.thread.spawn(function()
    local v, _, err = c:get_task_status{task_id = tonumber(args.task_id)}
    return v and "value" or err.kind
  end)
  -- (spawn ran the thread until it yielded: its call is out, its answer
  -- held 1 s by the simulator)
  c:close()
  local _, got = ngx.thread.wait(t)
  return {kind = got}
end

-- which transport a client picks in this phase
-- a task created with the shared receiver and waited on with it; the
-- simulator runs at its own speed, and calls back /sops-callback/ on
-- whichever worker nginx gives the connection to
function CASES.callback_wait(args)
  local callbacks = require "sops.callbacks"
  local receiver = callbacks.shared{public_url = "http://127.0.0.1:" .. ngx.var.server_port .. "/sops-callback"}
  local c = client(args)
  local task, _, err = c:create_task{template_id = 1, name = "cb in nginx", callback = receiver}
  if not task then return {err = err_fields(err)} end
  c:start_task{task_id = task.task_id}
  local polls = 0
  local status, _, werr = c:wait{task_id = task.task_id, callback = receiver, timeout = 120,
    on_poll = function() polls = polls + 1 end}
  ngx.update_time()
  local returned = ngx.now()
  c:close()
  if not status then return {err = err_fields(werr)} end
  return {task_id = task.task_id, state = status.state, polls = polls, worker = ngx.worker.pid(),
    callback = status.callback and {task_success = status.callback.task_success,
      unverified = status.callback.unverified, version = status.callback.version},
    late = status.callback and returned - status.callback.received_at,
    forgotten = receiver:slot_of(task.task_id) == nil}
end

-- three tasks waited on together with the shared receiver
function CASES.callback_wait_all(args)
  local callbacks = require "sops.callbacks"
  local receiver = callbacks.shared{public_url = "http://127.0.0.1:" .. ngx.var.server_port .. "/sops-callback"}
  local c = client(args)
  local ids = {}
  for i = 1, 3 do
    local task = assert(c:create_task{template_id = 1, name = "all " .. i, callback = receiver})
    assert(c:start_task{task_id = task.task_id})
    ids[i] = task.task_id
  end
  local rounds = 0
  local results = c:wait_all{task_ids = ids, callback = receiver, timeout = 120,
    on_poll = function(_, info) rounds = info.attempt end}
  c:close()
  local states, heard = {}, 0
  for i, id in ipairs(ids) do
    local status = results[id][1]
    states[i] = status and status.state or results[id][2]
    if status and status.callback then heard = heard + 1 end
  end
  return {states = states, rounds = rounds, heard = heard}
end

-- a URL issued and bound to task args.task_id, for the spec to call back
function CASES.callback_issue(args)
  local receiver = require("sops.callbacks").shared{public_url = "http://127.0.0.1:" .. ngx.var.server_port
    .. "/sops-callback"}
  local reg = assert(receiver:issue())
  receiver:bind(reg, tonumber(args.task_id))
  return {path = reg.url:match("^http://[^/]+(/.*)$"), slot = reg.slot}
end

-- what arrived for a slot, taken
function CASES.callback_take(args)
  local receiver = require("sops.callbacks").shared{public_url = "http://127.0.0.1/x"}
  local info = receiver:take(args.slot)
  return {task_id = info and info.task_id, bytes = info and #require("cjson").encode(info.task_outputs)}
end

-- an arrival that only the dict tells (as a handler in another worker
-- leaves it, posting no semaphore of this worker): the wait polls within
-- the receiver's STEP. The task is never started, so nothing else calls back.
-- The polls are counted as they go (a request hook): the one at the
-- deadline has what is left of it, which a busy machine may not answer in
-- (on_poll is not told of it then).
function CASES.callback_other_worker(args)
  local callbacks = require "sops.callbacks"
  local receiver = callbacks.shared{public_url = "http://127.0.0.1:" .. ngx.var.server_port .. "/sops-callback"}
  local c = client(args)
  local task = assert(c:create_task{template_id = 1, name = "cb elsewhere", callback = receiver})
  local slot = receiver:slot_of(task.task_id)
  local arrived
  ngx.timer.at(0.3, function()
    local dict = ngx.shared.sops_callbacks
    ngx.update_time()
    arrived = ngx.now()
    dict:set("a:" .. slot, sops.encode({task_id = task.task_id, task_success = true, version = "v1",
      received_at = arrived}))
    dict:incr("gen", 1, 0)
  end)
  local sent, polls = 0, {}
  c:on("request", function() sent = sent + 1 end)
  local _, _, err = c:wait{task_id = task.task_id, callback = receiver, timeout = 1.5, on_poll = function()
    ngx.update_time()
    polls[#polls + 1] = ngx.now()
  end}
  c:close()
  return {polls = sent, after = arrived and polls[2] and polls[2] - arrived, err = err and err.kind}
end

function CASES.which()
  local cosocket = require "sops.cosocket"
  return {phase = ngx.get_phase(), cosocket = cosocket.available()}
end

-- /idioms?sim=URL[&transport=...]: a failure written the way OpenResty
-- code writes any string error: ngx.say, ngx.print, ngx.log, assert
function M.idioms()
  local args = ngx.req.get_uri_args()
  local c = client(args)
  local task, err = c:get_task_status{task_id = 424242}
  if not task then
    ngx.say("failed: ", err)
    ngx.print("print: ", err, "\n")
    ngx.log(ngx.ERR, "logged: ", err)
  end
  local ok, raised = pcall(function() return assert(c:get_task_status{task_id = 424242}) end)
  ngx.say("assert: ", tostring(ok), " ", type(raised))
  local status, second = c:get_task_status{task_id = tonumber(args.task_id)}
  ngx.say("success: ", status.state, " ", tostring(second))
  c:close()
end

function M.run()
  local args = ngx.req.get_uri_args()
  local name = ngx.var.uri:match("^/case/([%w_]+)$")
  local case = CASES[name]
  if not case then return ngx.exit(404) end
  local ok, out = pcall(case, args)
  if not ok then
    ngx.status = 500
    ngx.say(cjson.encode({error = tostring(out)}))
    return
  end
  ngx.header.content_type = "application/json"
  ngx.say(cjson.encode(out))
end

return M
