-- The resources bk-sops declares to the gateway but serves with no view
-- (apply_job_file_upload_ticket, job_file_upload): the simulator answers
-- them as bk-sops does, with Django's page_not_found.
--
-- M: api name -> view, handler(self, ctx, project) with self the Views
-- object (sops.sim.views.base).
local M = {}

local function not_served(ctx)
  return {404, {{"Content-Type", "text/html"}}, "<!doctype html>\n<html lang=\"en\">\n<head><title>Not Found</title>"
    .. "</head>\n<body><h1>Not Found</h1><p>The requested resource " .. ctx.path:gsub("[<>&]", "")
    .. " was not found on this server.</p></body>\n</html>\n"}
end
function M.job_file_upload(_, ctx) return not_served(ctx) end
function M.apply_job_file_upload_ticket(_, ctx) return not_served(ctx) end

return M
