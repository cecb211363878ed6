-- Start a task as the app itself on a multi-tenant BlueKing, and wait for
-- it: the app-state twins (route "system") need no user, and the tenant
-- comes from the environment as BlueKing's SDKs read it
-- (BKPAAS_APP_TENANT_ID, set but empty: the system tenant).
--   BK_SOPS_URL=... BK_APP_CODE=... BK_APP_SECRET=... BKPAAS_APP_TENANT_ID= \
--   BK_BIZ_ID=2 lua examples/app_state.lua TEMPLATE_ID
local sops = require "sops"

local template_id = assert(tonumber(arg[1]), "usage: app_state.lua TEMPLATE_ID")
local client = sops.new{profile = true, route = "system"}
print(tostring(client))

local task, why = client:create_task{template_id = template_id, name = "nightly, by the app"}
if not task then
  io.stderr:write(why, "\n")
  os.exit(1)
end
local started, err = client:start_task{task_id = task.task_id}
if not started then
  io.stderr:write(err, "\n")
  os.exit(1)
end
local status, problem = client:wait{task_id = task.task_id, timeout = 600}
if not status then
  io.stderr:write(problem, "\n")
  os.exit(1)
end
print(string.format("task %d ended %s", task.task_id, status.state))
client:close()
os.exit(status.state == "FINISHED" and 0 or 1)
