-- lua-sops: the BlueKing Standard OPS client. See README.md.
local core = require "sops.core"
local client = require "sops.client"
local api = require "sops.api"

local M = {
  _VERSION = "lua-sops " .. core.version,
  null = core.null,          -- JSON null; the same value as cjson.null
  new = client.new,
  decode = core.decode,
  encode = core.encode,
  TASK_ACTIONS = api.TASK_ACTIONS,
  NODE_ACTIONS = api.NODE_ACTIONS,
}

-- Marks a table as a JSON array, so that an empty one is sent as [].
function M.array(t)
  return setmetatable(t or {}, core.array_mt)
end

-- Whether v is an error returned by lua-sops.
function M.is_error(v)
  return type(v) == "table" and getmetatable(v) == core.error_mt
end

local default_client

-- Sets up the client the module-level functions use (closing any earlier one).
function M.configure(opts)
  local c = client.build(opts, 3)
  if default_client then default_client:close() end
  default_client = c
  return c
end

function M.default_client()
  return default_client
end

for name in pairs(api.CALLS) do
  M[name] = function(args)
    if not default_client then
      error("sops." .. name .. ": no default client; call sops.configure{...} first", 2)
    end
    local value, response = client.invoke(default_client, name, args, 3)
    return value, response
  end
end

return M
