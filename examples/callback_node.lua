-- Approve a node that waits for a callback (an approval or a pause node),
-- then wait for the task to end.
--   [BK_SOPS_URL=... BK_APP_CODE=... BK_APP_SECRET=... BK_USERNAME=... BK_BIZ_ID=2] \
--     lua examples/callback_node.lua TASK_ID NODE_NAME
-- Exit status: 0 when the task finished, 1 when it did not.
local sops = require "sops"

local task_id, node_name = arg[1], arg[2] -- ids may be strings of digits
assert(task_id and node_name, "usage: callback_node.lua TASK_ID NODE_NAME")
-- the connection the bksops command uses: its profile (BKSOPS_PROFILE, else
-- [default] of ~/.config/bksops/config) and the BK_* variables above
sops.configure{profile = true}

local function fail(message)
  io.stderr:write(tostring(message), "\n")
  os.exit(1)
end

-- 1. find the node once it runs (it may be deep inside subprocesses)
local node_id
for _ = 1, 600 do
  local status, err = sops.get_task_status{task_id = task_id}
  if not status then fail(err) end
  sops.walk(status, function(node, id)
    if node.name == node_name and node.state == "RUNNING" then node_id = id end
  end)
  if node_id then break end
  if sops.is_terminal(status.state) then fail("task ended " .. status.state .. " before " .. node_name .. " ran") end
  sops.sleep(1)
end
if not node_id then fail(node_name .. " did not start in time") end

-- 2. send the callback
local ok, err = sops.callback_node{task_id = task_id, node_id = node_id,
  data = {approved = true, approver = os.getenv("BK_USERNAME")}}
if not ok then fail(err) end
print(("approved %s (%s)"):format(node_name, node_id))

-- 3. wait for the end
local status, werr = sops.wait{task_id = task_id, timeout = 600, interval = 1}
if not status then fail(werr) end
print(("task %s ended %s"):format(task_id, status.state))
os.exit(status.state == "FINISHED" and 0 or 1)
