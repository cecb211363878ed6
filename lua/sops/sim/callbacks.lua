-- Completion callbacks, as bk-sops sends them (gcloud/taskflow3/signals/
-- handlers.py _check_and_callback, celery/tasks.py task_callback,
-- domains/callback.py TaskCallBacker._url_callback):
--   * when a task finishes (task_success true), when any node fails and when
--     the task is revoked (task_success false): a POST to its callback_url;
--   * the body is {task_id, task_success} plus the record's extra_info
--     ({callback_version} when create_task was given one): form-encoded
--     (Python's True/False), or JSON with task_outputs for callback_version
--     "v2" (create_and_start_task records no version: always the form);
--   * an answer that is not 2xx, or no answer, is tried again 1 s later, up
--     to REQUEST_RETRY_NUMBER (3) more times; then the record says FAIL.
-- A background sender in the server's loop sends them; it never holds up
-- an answer. Faults (control API): callback_lost, callback_late (seconds),
-- callback_twice, matched against the URL.
local json = require "sops.sim.json"
local http = require "sops.sim.http"

local M = {}

M.RETRIES = 3 -- settings.REQUEST_RETRY_NUMBER (BKAPP_REQUEST_RETRY_NUMBER, default 3)
M.RETRY_DELAY = 1 -- the celery countdown, seconds

local Callbacks = {}
Callbacks.__index = Callbacks

-- sim: for its faults; outputs(task): the task's outputs (v2 bodies).
function M.new(sim, outputs)
  return setmetatable({sim = sim, outputs = outputs, queue = {}, sent = {}, busy = false, seq = 0}, Callbacks)
end

local function form_value(v)
  if v == true then return "True" elseif v == false then return "False" end
  return tostring(v)
end

local function form_encode(fields)
  local parts = {}
  for _, kv in ipairs(fields) do
    parts[#parts + 1] = kv[1] .. "=" .. form_value(kv[2]):gsub("[^%w%-%._~]", function(c)
      return c == " " and "+" or string.format("%%%02X", c:byte())
    end)
  end
  return table.concat(parts, "&")
end

-- Queues the callback of a task that ended (success) or failed a node.
function Callbacks:task_ended(task, success)
  if not task.callback_url then return end
  self.seq = self.seq + 1
  local v2 = task.callback_version == "v2"
  local body, content_type
  if v2 then
    local doc = json.obj("task_id", task.id)
    if task.callback_version then doc.callback_version = task.callback_version end
    doc.task_success = success
    doc.task_outputs = self.outputs(task)
    body, content_type = json.encode(doc), "application/json"
  else
    local fields = {{"task_id", task.id}}
    if task.callback_version then fields[#fields + 1] = {"callback_version", task.callback_version} end
    fields[#fields + 1] = {"task_success", success}
    body, content_type = form_encode(fields), "application/x-www-form-urlencoded"
  end
  local record = {seq = self.seq, task_id = task.id, url = task.callback_url, version = v2 and "v2" or "v1",
    task_success = success, body = body, content_type = content_type, attempts = {}, status = "PENDING"}
  self.sent[#self.sent + 1] = record
  self.queue[#self.queue + 1] = record
end

-- One POST; true when the answer was 2xx, else false and what happened.
local function post(task, record)
  local host, port, path = record.url:match("^http://([^/:]+):?(%d*)(/?.*)$")
  if not host then return false, "only http:// URLs are called (bksops-sim has no TLS)" end
  local conn, err = http.connect(task, host, tonumber(port) or 80)
  if not conn then return false, tostring(err) end
  local ok, result, why = pcall(function()
    conn:raw_send(string.format("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
      .. "User-Agent: python-requests/2.31.0\r\nConnection: close\r\n\r\n%s", path ~= "" and path or "/",
      host .. (port ~= "" and (":" .. port) or ""), record.content_type, #record.body, record.body))
    local line = conn:read_line("\r\n", 8192)
    if not line then return false, "no status line" end
    local status = tonumber(line:match("^HTTP/%d%.%d (%d%d%d)"))
    if not status then return false, "no status line" end
    if status < 200 or status > 299 then return false, status end
    return true, status
  end)
  conn:close()
  if not ok then return false, "connection closed" end
  return result, why
end

-- Sends what is queued, in order, each with its retries.
function Callbacks:send_all(task)
  while #self.queue > 0 do
    local record = table.remove(self.queue, 1)
    local fault = self.sim:take_fault("callback", record.url)
    local times = fault and fault.kind == "callback_twice" and 2 or 1
    if fault and fault.kind == "callback_late" then task:sleep(fault.seconds or 1) end
    if fault and fault.kind == "callback_lost" then
      record.status = "LOST"
    else
      for _ = 1, times do
        local done = false
        for attempt = 0, M.RETRIES do
          if attempt > 0 then task:sleep(M.RETRY_DELAY) end
          local ok, what = post(task, record)
          record.attempts[#record.attempts + 1] = json.obj("ok", ok, "result", what)
          if ok then
            done = true
            break
          end
        end
        record.status = done and "SUCCESS" or "FAIL"
      end
    end
  end
end

-- Starts the sender in server's loop when there is something to send.
function Callbacks:pump(server)
  if self.busy or #self.queue == 0 or not server then return end
  self.busy = true
  server:spawn(function(task)
    local ok = pcall(self.send_all, self, task)
    self.busy = false
    if not ok then self.queue = {} end
  end)
end

-- What the control API shows: every callback, oldest first.
function Callbacks:list()
  local out = json.array()
  for _, r in ipairs(self.sent) do
    out[#out + 1] = json.obj("seq", r.seq, "task_id", r.task_id, "url", r.url, "version", r.version,
      "task_success", r.task_success, "content_type", r.content_type, "body", r.body,
      "attempts", json.array(r.attempts), "status", r.status)
  end
  return out
end

return M
