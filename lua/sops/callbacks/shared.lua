-- sops.callbacks.shared{...} and sops.callbacks.handler(): completion
-- callbacks inside OpenResty. The entries live in a lua_shared_dict (by
-- default `sops_callbacks`), so a callback that reaches any worker finds
-- its task, whichever worker created it:
--   t:<slot>     the token, then the task id once bound
--   k:<task id>  the slot of the task's URL
--   a:<slot>     the callback that arrived (JSON), until a wait takes it
--   gen          counts arrivals, so that waiters elsewhere see news cheaply
-- The handler wakes the waits of its own worker at once (ngx.semaphore);
-- a wait in another worker sees the arrival within STEP seconds. Entries
-- expire after ttl seconds; the dict's size bounds how many are pending
-- (safe_add and safe_set never push out a live entry to make room).
local core = require "sops.core"
local check = require "sops.check"
local protocol = require "sops.callbacks.protocol"

local M = {}

M.DEFAULT_DICT = "sops_callbacks"
M.STEP = 0.05 -- seconds between looks at the dict for arrivals in other workers
M.DEFAULT_TTL = protocol.TTL

-- this worker's waits on each dict: name -> {slot -> {semaphore = true}}
local waiting = {}
local WEAK = {__mode = "k"}

local function ngx_api()
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or not ngx.shared then return nil end
  return ngx
end

local function dict_of(call, name)
  local ngx = ngx_api()
  if not ngx then check.fail(call, nil, "needs OpenResty (ngx.shared)") end
  local dict = ngx.shared[name]
  if not dict then
    check.fail(call, "dict", "no lua_shared_dict '" .. name .. "' in nginx.conf (lua_shared_dict " .. name
      .. " 1m;)")
  end
  return dict
end

local Receiver = {__receiver = true}
Receiver.__index = Receiver

local FIELDS = {public_url = {"string", true}, dict = {"string"}, ttl = {"number"}}
M.FIELDS = FIELDS -- (read by tools/types.lua)

-- sops.callbacks.shared{public_url, dict, ttl} -> receiver
function M.shared(opts)
  local call = "sops.callbacks.shared"
  check.fields(call, opts, FIELDS)
  local name = opts.dict or M.DEFAULT_DICT
  local dict = dict_of(call, name)
  if opts.ttl and opts.ttl <= 0 then check.fail(call, "ttl", "positive number expected") end
  local public = protocol.check_public_url(call, opts.public_url)
  waiting[name] = waiting[name] or {}
  return setmetatable({dict = dict, name = name, public = public, ttl = opts.ttl or M.DEFAULT_TTL}, Receiver)
end

function Receiver:__tostring()
  return "sops.callbacks shared receiver (" .. self.public .. ", lua_shared_dict " .. self.name .. ")"
end

function Receiver:url() return self.public end

function Receiver:issue()
  local slot, token = protocol.new_key()
  if not slot then return protocol.failure(token) end
  local ok, err = self.dict:safe_add("t:" .. slot, token, self.ttl)
  if not ok then
    return protocol.failure("lua_shared_dict " .. self.name .. " has no room for another callback: " .. err)
  end
  return {slot = slot, token = token, url = protocol.url(self.public, slot, token)}
end

-- (ids as integers in keys and values: LuaJIT's tostring writes 1e14 as
-- 1.2e+14)
local function id_text(id) return string.format("%d", id) end

-- Ties an issued URL to its task; false when the dict has no room (the
-- URL is dropped, and a wait on the task polls on its plain schedule).
function Receiver:bind(reg, task_id)
  local ok = self.dict:safe_set("t:" .. reg.slot, reg.token .. " " .. id_text(task_id), self.ttl)
  if ok then ok = self.dict:safe_set("k:" .. id_text(task_id), reg.slot, self.ttl) end
  if not ok then self:forget(reg.slot) end
  return ok == true
end

function Receiver:slot_of(task_id)
  return self.dict:get("k:" .. id_text(task_id))
end

function Receiver:lookup(slot)
  local v = self.dict:get("t:" .. slot)
  if type(v) ~= "string" then return nil end
  local token, task = v:match("^(%x+) ?(%d*)$")
  return {token = token, task_id = tonumber(task)}
end

function Receiver:forget(slot)
  local e = self:lookup(slot)
  if e and e.task_id and self:slot_of(e.task_id) == slot then self.dict:delete("k:" .. id_text(e.task_id)) end
  self.dict:delete("t:" .. slot)
  self.dict:delete("a:" .. slot)
end

function Receiver:arrive(slot, info)
  local outputs = info.task_outputs
  -- (safe_set: never at the cost of another task's entry; without room the
  -- callback is not kept, and its wait polls at its slow pace)
  local ok = self.dict:safe_set("a:" .. slot, core.encode({task_id = info.task_id, task_success = info.task_success,
    task_outputs = outputs == nil and core.null or outputs, version = info.version,
    received_at = info.received_at}), self.ttl)
  if not ok then return end
  self.dict:incr("gen", 1, 0)
  for sema in pairs(waiting[self.name][slot] or {}) do sema:post(1) end
end

function Receiver:take(slot)
  local v = self.dict:get("a:" .. slot)
  if not v then return nil end
  self.dict:delete("a:" .. slot)
  local info = core.decode(v)
  if type(info) ~= "table" then return nil end
  if info.task_outputs == core.null then info.task_outputs = nil end
  info.unverified = true
  return info
end

local function any_arrived(self, slots)
  for _, slot in ipairs(slots) do
    if self.dict:get("a:" .. slot) then return true end
  end
  return false
end

-- As the listener's: true when one of `slots` has a callback waiting,
-- false at the end of `seconds`. Yields (ngx.semaphore, ngx.sleep).
function Receiver:sleep(seconds, slots)
  local ngx = ngx_api()
  if not slots or #slots == 0 then
    ngx.sleep(seconds)
    return false
  end
  -- (the count first: an arrival between the look and the count is seen)
  local gen = self.dict:get("gen")
  if any_arrived(self, slots) then return true end
  local sema = require("ngx.semaphore").new()
  local mine = waiting[self.name]
  for _, slot in ipairs(slots) do
    -- weak: a wait killed in its sleep (ngx.thread.kill, a client abort)
    -- leaves nothing that holds its semaphore
    mine[slot] = mine[slot] or setmetatable({}, WEAK)
    mine[slot][sema] = true
  end
  local deadline = ngx.now() + seconds
  local found = false
  while true do
    ngx.update_time()
    local left = deadline - ngx.now()
    if left <= 0 then break end
    local woken = sema:wait(math.min(left, M.STEP))
    local now_gen = self.dict:get("gen")
    if (woken or now_gen ~= gen) and any_arrived(self, slots) then
      found = true
      break
    end
    gen = now_gen
  end
  for _, slot in ipairs(slots) do
    local set = mine[slot]
    if set then
      set[sema] = nil
      if next(set) == nil then mine[slot] = nil end
    end
  end
  return found
end

-- The store a handler uses: lookup and arrive on the dict, waking this
-- worker's waits.
local stores = {}
local function store_for(name)
  local s = stores[name]
  if not s then
    local ngx = ngx_api()
    s = setmetatable({dict = ngx.shared[name], name = name, ttl = M.DEFAULT_TTL}, Receiver)
    waiting[name] = waiting[name] or {}
    stores[name] = s
  end
  return s
end

-- sops.callbacks.handler([{dict = name}]): answers the request of a
-- content_by_lua location as a callback receiver, at once.
function M.handler(opts)
  local call = "sops.callbacks.handler"
  if opts ~= nil then check.fields(call, opts, {dict = {"string"}}) end
  local name = opts and opts.dict or M.DEFAULT_DICT
  dict_of(call, name)
  local ngx = ngx_api()
  local req = {method = ngx.req.get_method(), target = ngx.var.request_uri,
    content_type = ngx.var.content_type, body = ""}
  local status, body
  local length = tonumber(ngx.var.content_length or "0") or 0
  if req.method == "POST" and length > protocol.MAX_BODY then
    status, body = 413, '{"result": false, "message": "body too large"}'
  else
    if req.method == "POST" then
      ngx.req.read_body()
      local data = ngx.req.get_body_data()
      local file = data == nil and ngx.req.get_body_file()
      if file then -- larger than client_body_buffer_size: nginx kept it in a file
        local f = io.open(file, "rb")
        data = f and f:read(protocol.MAX_BODY + 1)
        if f then f:close() end
      end
      req.body = data or ""
    end
    status, body = protocol.receive(store_for(name), req)
  end
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.print(body)
  return ngx.exit(status)
end

return M
