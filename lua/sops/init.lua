-- lua-sops: the BlueKing Standard OPS client. See README.md.
-- What not every script uses (waiting, progress, the receivers of
-- callbacks, cosockets, keyed creates, pages) is loaded on first use:
-- `require "sops"` loads the core and what every call needs
-- (spec/46-startup_spec.lua lists it), except inside nginx (below).
local core = require "sops.core"
local check = require "sops.check"
local client = require "sops.client"
local api = require "sops.api"
local tree = require "sops.tree"
local version = require "sops.version"
local callbacks = require "sops.callbacks"

-- Inside nginx, where a worker lives long and a module loaded during a
-- request would be read from disk in its event loop, they all load now,
-- with `require "sops"` (init_by_lua): only a short-lived process gains by
-- waiting.
if type(rawget(_G, "ngx")) == "table" then
  for _, name in ipairs({"sops.cosocket", "sops.wait", "sops.progress", "sops.keyed", "sops.pages",
      "sops.callbacks.shared"}) do
    require(name)
  end
end

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
  sleep = core.sleep,
  callbacks = callbacks,     -- receivers of completion callbacks (README: Completion callbacks)
}

-- sops.progress(status [, tree]): sops.progress's, loaded on first use
function M.progress(status, tree_)
  local p = require("sops.progress").progress(status, tree_)
  return p
end

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
  local status, message, err = require("sops.wait").wait(need_default("wait"), args)
  return status, message, err
end

function M.wait_all(args)
  local results = require("sops.wait").wait_all(need_default("wait_all"), args)
  return results
end

return M
