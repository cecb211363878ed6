-- What a completion callback is and how a receiver decides on one, for
-- both receivers (sops.callbacks.listener in a plain Lua process,
-- sops.callbacks.shared in OpenResty):
--   * each task created with a receiver gets a URL of its own ending in a
--     key: a slot (64 random bits, not secret, to find the entry by) and a
--     token (128 random bits, secret), both from the system's random source;
--   * a callback is accepted only as a POST to a known slot whose token
--     matches, compared in constant time (an unknown slot is compared with
--     a dummy token, so both refusals take the same path and time);
--   * its body is bk-sops' v1 form (task_id, task_success as True/False) or
--     v2 JSON (with task_outputs); a malformed one, or one for another task,
--     is refused and wakes nobody.
-- A store holds the entries: lookup(slot) -> {token, task_id} | nil, and
-- arrive(slot, info).
local core = require "sops.core"
local check = require "sops.check"

local M = {}

M.SLOT_BYTES, M.TOKEN_BYTES = 8, 16
local SLOT_LEN, TOKEN_LEN = 2 * M.SLOT_BYTES, 2 * M.TOKEN_BYTES
local KEY_PATTERN = "^" .. string.rep("%x", SLOT_LEN + TOKEN_LEN) .. "$"
local DUMMY = string.rep("0", TOKEN_LEN)
M.MAX_BODY = 65536 -- bytes; a callback is a few hundred
M.TTL = 86400 -- seconds a callback URL is kept, by default, when no wait forgets it

-- The failure a receiver returns when it cannot give or keep a callback
-- URL (closed, full, no random source): nil, message, err.
function M.failure(message)
  return core.fail({kind = "callback", api = "callbacks", retryable = false, message = message})
end

-- A new slot and token, or nil and why (no random source).
function M.new_key()
  local slot, err = core.random_hex(M.SLOT_BYTES)
  if not slot then return nil, err end
  local token
  token, err = core.random_hex(M.TOKEN_BYTES)
  if not token then return nil, err end
  return slot, token
end

-- The callback URL of a slot and token under a receiver's public URL.
function M.url(base, slot, token)
  return base .. "/" .. slot .. token
end

-- Checks a receiver's public URL as bk-sops will (create_task refuses one
-- that does not match ^https?://\w.+$); raises on a mistake. Returns it
-- without a trailing slash.
function M.check_public_url(call, url)
  if type(url) ~= "string" or not url:find("^https?://[%w_].+$") or url:find("[%s?#]") then
    check.fail(call, "public_url", "http:// or https:// URL expected, without a query (bk-sops calls it back)")
  end
  return (url:gsub("/+$", ""))
end

-- The slot and token in a request target (its last path segment), or nil.
function M.parse_target(target)
  local path = target:match("^[^?#]*")
  local key = path:match("([^/]*)$")
  if not key or not key:find(KEY_PATTERN) or key:find("%u") then return nil end
  return key:sub(1, SLOT_LEN), key:sub(SLOT_LEN + 1)
end

local function unescape(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local BOOLEANS = {["True"] = true, ["true"] = true, ["1"] = true, ["False"] = false, ["false"] = false,
  ["0"] = false}

-- bk-sops' body as {task_id, task_success, task_outputs, version}, or nil
-- and why.
function M.parse_body(content_type, body)
  local doc
  if (content_type or ""):lower():find("^%s*application/json") then
    local v = core.decode(body, 16)
    if type(v) ~= "table" or getmetatable(v) == core.array_mt or #v > 0 then return nil, "JSON object expected" end
    doc = v
  else
    doc = {}
    local n = 0
    for pair in body:gmatch("[^&]+") do
      n = n + 1
      if n > 32 then return nil, "too many form fields" end
      local k, v = pair:match("^([^=]*)=?(.*)$")
      k = unescape(k)
      if doc[k] ~= nil then return nil, "field '" .. k .. "' given twice" end
      doc[k] = unescape(v)
    end
    if doc.task_success ~= nil then doc.task_success = BOOLEANS[doc.task_success] end
  end
  local task_id = check.id(doc.task_id)
  if not task_id then return nil, "task_id: task id expected" end
  if type(doc.task_success) ~= "boolean" then return nil, "task_success: boolean expected" end
  local outputs = doc.task_outputs
  if outputs == core.null then outputs = nil end
  return {task_id = task_id, task_success = doc.task_success, task_outputs = outputs,
    version = doc.task_outputs ~= nil and "v2" or "v1"}
end

local function answer(status, ok, message)
  return status, core.encode({result = ok, message = message})
end

-- Decides on request req ({method, target, content_type, body}) against
-- store; returns the HTTP status and body to answer with. An accepted
-- callback is stored (store:arrive), marked as unverified: only the status
-- the API reports is the truth.
function M.receive(store, req)
  if req.method ~= "POST" then return answer(405, false, "POST expected") end
  local slot, token = M.parse_target(req.target or "")
  local entry = slot and store:lookup(slot)
  local matches = core.secret_equal(token or "", entry and entry.token or DUMMY)
  if not (entry and matches) then return answer(404, false, "unknown callback") end
  if #req.body > M.MAX_BODY then return answer(413, false, "body too large") end
  local info, why = M.parse_body(req.content_type, req.body)
  if not info then return answer(400, false, why) end
  if entry.task_id and entry.task_id ~= info.task_id then
    return answer(400, false, "task_id does not match this callback URL")
  end
  info.unverified, info.received_at = true, core.time()
  store:arrive(slot, info)
  return answer(200, true, "success")
end

return M
