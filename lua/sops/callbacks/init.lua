-- sops.callbacks: learn that a task ended without polling it every few
-- seconds. bk-sops POSTs to a task's callback_url when the task finishes,
-- when a node fails and when it is revoked; a receiver takes those
-- callbacks, and client:wait{callback = receiver} polls once when its
-- task's comes (and slowly otherwise), returning what get_task_status says,
-- never what the callback claims. See README, "Completion callbacks".
-- (`require "sops"` loads this table; the receivers, sops.callbacks.listener
-- and sops.callbacks.shared, load when one is first made.)

local M = {}

-- A receiver for a plain Lua process: listens on host:port and answers
-- callbacks while a wait sleeps. -> receiver | nil, message, err
function M.listen(opts)
  local r, message, err = require("sops.callbacks.listener").listen(opts)
  return r, message, err
end

-- A receiver inside OpenResty, on a lua_shared_dict (default
-- "sops_callbacks") shared by every worker.
function M.shared(opts)
  local r = require("sops.callbacks.shared").shared(opts)
  return r
end

-- The content handler of the location that public_url names.
function M.handler(opts)
  require("sops.callbacks.shared").handler(opts)
end

M.is_receiver = require("sops.check").is_receiver

return M
