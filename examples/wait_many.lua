-- Wait for many tasks at once (one get_tasks_status call per 50 tasks a
-- round) and print how each ended.
--   [BK_SOPS_URL=... BK_APP_CODE=... BK_APP_SECRET=... BK_USERNAME=... BK_BIZ_ID=2] \
--     lua examples/wait_many.lua TASK_ID [TASK_ID...]
-- Exit status: 0 when every task finished, 1 otherwise.
local sops = require "sops"

local ids = {}
-- numbers, so that they match the keys of wait_all's results (integers)
for i, a in ipairs(arg) do ids[i] = assert(tonumber(a), "task ids are numbers") end
assert(#ids > 0, "usage: wait_many.lua TASK_ID [TASK_ID...]")
-- the connection the bksops command uses: its profile (BKSOPS_PROFILE, else
-- [default] of ~/.config/bksops/config) and the BK_* variables above
sops.configure{profile = true}

local results = sops.wait_all{task_ids = ids, timeout = 1800, interval = 2}
local all_finished = true
for _, id in ipairs(ids) do
  -- each result holds what wait returns: status, or nil, message, err
  local status, err = results[id][1], results[id][2]
  if not status then
    all_finished = false
    print(("task %s: %s"):format(id, err))
  else
    all_finished = all_finished and status.state == "FINISHED"
    print(("task %s: %s after %ds"):format(id, status.state, status.elapsed_time))
  end
end
os.exit(all_finished and 0 or 1)
