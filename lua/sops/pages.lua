-- client:pages(name, args): the items of a listing that pages, one page
-- fetched at a time (sops.api marks which listings page: limit and offset
-- in, a count out).
local core = require "sops.core"
local check = require "sops.check"
local api = require "sops.api"

local M = {}

-- The value at a dotted path ("data.items") of table t, or nil.
local function at_path(t, path)
  for key in path:gmatch("[^.]+") do
    if type(t) ~= "table" then return nil end
    t = t[key]
  end
  return t
end

-- The method, made with the client's own parameter check and sender
-- (params_for(c, name, spec, args), send(c, call, api, params,
-- where)).
function M.method(params_for, send)
  -- client:pages(name, args) -> an iterator over the items of a listing
  -- that pages (sops.api marks which: limit and offset in, a count out),
  -- and the pager {requests, count, message, err}. The next page is fetched
  -- when the last item is used up; iteration stops at the end, after
  -- args.max_items items, or with nil, message, err once on a failure (kept
  -- in the pager, since a for loop ends on it). args.limit is the page size.
  return function(self, name, args)
    local spec = type(name) == "string" and api.CALLS[name]
    if not (spec and spec.pages) then
      check.raise("bad argument #1 to 'pages' (a listing that pages expected: " .. api.PAGED .. ")")
    end
    args = args == nil and {} or args
    local paging = spec.pages
    local params = params_for(self, name, spec, args)
    local call = "sops." .. name
    if args.limit and args.limit > paging.max then
      check.fail(call, "limit", "at most " .. paging.max .. " items per page")
    end
    local copy = {}
    for k, v in pairs(params) do copy[k] = v end
    local limit, offset, max_items = args.limit or paging.max, args.offset or 0, args.max_items
    -- what the core refuses (an api the client's route lacks) is refused now,
    -- not at the first page
    copy.limit, copy.offset = limit, offset
    core.build(self, spec.api, copy)
    local pager = {requests = 0, count = nil, message = nil, err = nil}
    local items, i, done, given = {}, 0, false, 0
    -- nil, or the failure's message and error (kept in the pager)
    local function fetch()
      local want = limit
      if max_items and max_items - given < want then want = max_items - given end
      copy.limit, copy.offset = want, offset
      pager.requests = pager.requests + 1
      local value, message, response = send(self, call, spec.api, copy)
      if value == nil then
        done, pager.message, pager.err = true, message, response
        return message, response
      end
      local list = at_path(response, paging.items)
      if type(list) ~= "table" then
        done = true
        local _, why, err = core.fail({kind = "decode", api = spec.api, retryable = false,
          message = "no list at '" .. paging.items .. "' in the answer"})
        pager.message, pager.err = why, err
        return why, err
      end
      -- (without_count makes bk-sops answer -1: no total)
      local count = at_path(response, paging.count)
      pager.count = type(count) == "number" and count >= 0 and count or nil
      items, i = list, 0
      offset = offset + #list
      if #list < want or (pager.count and offset >= pager.count) then done = true end
      return nil
    end
    local function next_item()
      if i >= #items then
        if done or (max_items and given >= max_items) then return nil end
        local message, err = fetch()
        if message then return nil, message, err end
        if #items == 0 then return nil end
      end
      i = i + 1
      given = given + 1
      return items[i]
    end
    return next_item, pager
  end
end

return M
