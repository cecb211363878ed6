-- The bk-sops side of the simulator: the apigw views. Each group module
-- beside this one is a plain table, api name -> view; this puts them
-- together and checks them against the simulator's route table
-- (sops.sim.catalog) when it is loaded: every route has exactly one view
-- and every view a route, or the simulator does not start.
local catalog = require "sops.sim.catalog"
local base = require "sops.sim.views.base"

local M = {}

M.WHITELIST = base.WHITELIST
M.DEFAULT_TENANT = base.DEFAULT_TENANT

-- Puts groups, a list of {name, views}, together into one table api name
-- -> view, and returns it; raises, naming the api, when a route of routes
-- (catalog.ROUTES) has no view, when two groups have a view for one api,
-- or when a view has no route.
function M.merge(groups, routes)
  local views, group_of = {}, {}
  for _, g in ipairs(groups) do
    local name, group = g[1], g[2]
    local apis = {}
    for api in pairs(group) do apis[#apis + 1] = api end
    table.sort(apis) -- (the first problem, the same on every run)
    for _, api in ipairs(apis) do
      if group_of[api] then
        error(string.format("sops.sim.views: %s has a view in both %s and %s", api, group_of[api], name), 0)
      end
      if type(group[api]) ~= "function" then
        error(string.format("sops.sim.views: the view %s (in %s) is not a function", api, name), 0)
      end
      views[api], group_of[api] = group[api], name
    end
  end
  local routed = {}
  for _, r in ipairs(routes) do
    if not views[r.name] then
      error(string.format("sops.sim.views: the route %s (%s %s) has no view", r.name, r.method, r.path), 0)
    end
    routed[r.name] = true
  end
  local apis = {}
  for api in pairs(views) do apis[#apis + 1] = api end
  table.sort(apis)
  for _, api in ipairs(apis) do
    if not routed[api] then
      error(string.format("sops.sim.views: the view %s (in %s) has no route", api, group_of[api]), 0)
    end
  end
  return views
end

local VIEWS = M.merge({
  {"tasks", require "sops.sim.views.tasks"},
  {"templates", require "sops.sim.views.templates"},
  {"records", require "sops.sim.views.records"},
  {"periodic", require "sops.sim.views.periodic"},
  {"plugins", require "sops.sim.views.plugins"},
  {"projects", require "sops.sim.views.projects"},
  {"unserved", require "sops.sim.views.unserved"},
}, catalog.ROUTES)

-- The views of one simulator (sim: {engine, clock, config, app_host,
-- projects}): what the routes dispatch a request to.
function M.new(sim)
  return base.new(sim, VIEWS)
end

return M
