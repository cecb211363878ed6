-- Wait for a task; when it fails, retry its failed nodes (up to 3 rounds).
--   [BK_SOPS_URL=... BK_APP_CODE=... BK_APP_SECRET=... BK_USERNAME=... BK_BIZ_ID=2] \
--     lua examples/wait_and_retry.lua TASK_ID
-- Exit status: 0 when the task finished, 1 when it did not.
local sops = require "sops"

local task_id = arg[1] -- the library takes ids as strings of digits too
assert(task_id, "usage: wait_and_retry.lua TASK_ID")
-- the connection the bksops command uses: its profile (BKSOPS_PROFILE, else
-- [default] of ~/.config/bksops/config) and the BK_* variables above
sops.configure{profile = true}

for round = 0, 3 do
  local status, err = sops.wait{task_id = task_id, timeout = 600, interval = 1}
  if not status then
    io.stderr:write(err, "\n")
    os.exit(1)
  end
  if status.state ~= "FAILED" then
    print(("task %s ended %s"):format(task_id, status.state))
    os.exit(status.state == "FINISHED" and 0 or 1)
  end
  if round == 3 then break end
  for _, failed in ipairs(sops.failed_nodes(status)) do
    print(("retrying %s: %s"):format(failed.node.name, status.ex_data[failed.id]))
    local ok, rerr = sops.retry_node{task_id = task_id, node_id = failed.id}
    if not ok then
      io.stderr:write(rerr, "\n")
      os.exit(1)
    end
  end
end
print(("task %s still fails after 3 retries"):format(task_id))
os.exit(1)
