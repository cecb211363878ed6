-- lua-sops: the BlueKing Standard OPS client. See README.md.
local core = require "sops.core"
local check = require "sops.check"
local client = require "sops.client"
local api = require "sops.api"
local tree = require "sops.tree"
local progress = require "sops.progress"
local wait = require "sops.wait"
local version = require "sops.version"
local callbacks = require "sops.callbacks"

local M = {
  VERSION = version.number,  -- "0.2.0"
  _VERSION = "lua-sops " .. version.number,
  null = core.null,          -- JSON null; the same value as cjson.null
  new = client.new,
  decode = core.decode,
  encode = core.encode,
  TASK_ACTIONS = api.TASK_ACTIONS,
  NODE_ACTIONS = api.NODE_ACTIONS,
  states = tree.states,
  is_terminal = tree.is_terminal,
  walk = tree.walk,
  failed_nodes = tree.failed_nodes,
  progress = progress.progress,
  sleep = core.sleep,
  callbacks = callbacks,     -- receivers of completion callbacks (README: Completion callbacks)
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
  local c = client.build(opts)
  if default_client then default_client:close() end
  default_client = c
  return c
end

function M.default_client()
  return default_client
end

local function need_default(name)
  if not default_client then
    check.raise("sops." .. name .. ": no default client; call sops.configure{...} first")
  end
  return default_client
end

for name in pairs(api.CALLS) do
  M[name] = function(args)
    local value, message, info = client.invoke(need_default(name), name, args)
    return value, message, info
  end
end

function M.wait(args)
  local status, message, err = wait.wait(need_default("wait"), args)
  return status, message, err
end

function M.wait_all(args)
  local results = wait.wait_all(need_default("wait_all"), args)
  return results
end

return M
