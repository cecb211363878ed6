-- One call as attempts: the retry policy (which failures are retried, with
-- jittered exponential backoff, inside the call's own deadline, honouring
-- Retry-After) and the hooks that see every attempt.
local core = require "sops.core"
local compat = require "sops.compat"
local ENDPOINTS = require("sops.api").BY_NAME

local M = {}

-- bk-sops' throttle (BKAPP_TASK_OPERATION_THROTTLE, gcloud/utils/throttle.py:
-- a token bucket per project and operation) refuses start_task,
-- operate_task and create_and_start_task with this text before acting, and
-- sends no Retry-After: a refused call waits THROTTLE_RETRY_AFTER seconds.
M.THROTTLED = "reach the limit of starting tasks"
M.THROTTLE_RETRY_AFTER = 10

-- A call's outcome, a throttle refusal made its own kind: `throttled`,
-- retryable, with a retry_after, and acted = false (the server did
-- nothing, so even a state-changing call may be sent again).
function M.outcome(value, message, err)
  if value == nil and err.kind == "api" and type(err.message) == "string"
    and err.message:find(M.THROTTLED, 1, true) then
    err.kind, err.retryable, err.acted = "throttled", true, false
    if err.retry_after == nil then err.retry_after = M.THROTTLE_RETRY_AFTER end
    return core.fail(err)
  end
  return value, message, err
end

-- Whether a failed attempt of an api may be tried again under `methods`.
-- Reads always may, on a retryable error. A state-changing call may when
-- the server certainly did not act on it: nothing was sent, it answered
-- 429, or it throttled the call. With methods = "all" it also may after an unclear failure (a reset
-- or timeout after the request went out, a 5xx), at the caller's risk.
-- Whether a failure leaves it unknown if the server acted: the request
-- went out and then the connection failed, the time ran out, or a 5xx came
-- (a gateway's, perhaps after bk-sops acted).
function M.unclear(err)
  local status = err.http_status
  return err.sent == true and (err.kind == "transport" or err.kind == "timeout"
    or ((err.kind == "http" or err.kind == "gateway") and status ~= nil and status >= 500 and status <= 599))
end

function M.may_retry(api, err, methods)
  local endpoint = ENDPOINTS[api]
  if not (err.retryable or (methods == "all" and M.unclear(err))) then return false end
  if endpoint and not endpoint.changes_state then return true end
  if err.sent == false or err.http_status == 429 or err.kind == "throttled" then return true end
  return methods == "all"
end

-- The delay before attempt n + 1 (n >= 1): backoff * 2^(n-1), at most
-- max_backoff, spread over its upper half, and never shorter than the
-- server's Retry-After.
function M.delay(policy, n, retry_after)
  local d = math.min(policy.backoff * 2 ^ (n - 1), policy.max_backoff)
  d = d * (0.5 + 0.5 * math.random())
  if retry_after and retry_after > d then d = retry_after end
  return d
end

-- What a hook sees of an attempt. `request` is core.build's (secrets as ***).
local function info(api, call, request, attempt, started)
  return {api = api, call = call, method = request.method, url = request.url, attempt = attempt,
    elapsed = core.monotime() - started}
end

-- Runs `api` with params on client c: at most 1 + policy.max attempts,
-- within timeout seconds in all (the client's timeout when nil). cfg holds
-- the client's policy, hooks, timeout and exchange (core.call's
-- equivalent, when the client may use cosockets); traceparent (optional)
-- goes with every attempt.
function M.run(c, cfg, call, api, params, timeout, traceparent)
  local policy, on_request, on_response = cfg.retries, cfg.on_request, cfg.on_response
  local budget = timeout or cfg.timeout
  local started = core.monotime()
  local deadline = started + budget
  local request = (on_request or on_response) and core.build(c, api, params) or nil
  local attempt = 0
  while true do
    attempt = attempt + 1
    if on_request then on_request(info(api, call, request, attempt, started)) end
    local remaining = deadline - core.monotime()
    local value, message, response = cfg.exchange(c, api, params, remaining > 0.001 and remaining or 0.001,
      traceparent)
    local err = value == nil and response or nil
    local retry_in
    if err and policy and attempt <= policy.max and M.may_retry(api, err, policy.methods) then
      local d = M.delay(policy, attempt, err.retry_after)
      if core.monotime() + d < deadline then retry_in = d end
    end
    if on_response then
      local i = info(api, call, request, attempt, started)
      if err then i.status = err.http_status else i.status = 200 end
      i.request_id = err and err.request_id or (type(response) == "table" and response.request_id) or nil
      i.kind = err and err.kind or nil
      i.sent = err and err.sent
      i.retry_in = retry_in
      on_response(i)
    end
    if not retry_in then return value, message, response end
    compat.default_sleep()(retry_in)
  end
end

return M
