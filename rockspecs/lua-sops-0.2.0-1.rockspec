-- The client: the sops module, its C core and the sops command. Its only
-- dependency is Lua (and libcurl's headers to build against).
-- rockspecs/ holds the released versions, made from this file by
-- `make rockspecs`.
rockspec_format = "3.0"
package = "lua-sops"
version = "0.2.0-1"
source = {
  url = "git+https://github.com/lua-sops/lua-sops.git",
  tag = "v0.2.0",
}
description = {
  summary = "BlueKing Standard OPS (bk-sops) client: start, wait for and repair tasks",
  detailed = [[
    A C core on libcurl decodes bk-sops responses straight into Lua tables;
    a Lua layer adds clients, argument checks, polling and tree helpers, and
    the sops command runs, watches and repairs tasks from a terminal.
    Runs on Lua 5.1, 5.3, 5.4 and LuaJIT. Its simulator for offline tests is
    the lua-sops-sim rock.
  ]],
  homepage = "https://github.com/lua-sops/lua-sops",
  license = "MIT",
  labels = { "bk-sops", "blueking", "http", "client" },
}
dependencies = {
  "lua >= 5.1",
}
external_dependencies = {
  -- the library only: Debian keeps curl/curl.h in a multiarch directory
  -- that the compiler searches but LuaRocks does not
  CURL = { library = "curl" },
}
build = {
  type = "builtin",
  modules = {
    ["sops.core"] = {
      sources = {
        "csrc/buffer.c",
        "csrc/client.c",
        "csrc/core.c",
        "csrc/endpoints.c",
        "csrc/errors.c",
        "csrc/ids.c",
        "csrc/json.c",
        "csrc/sys.c",
        "csrc/transport.c",
      },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
    ["sops"] = "lua/sops/init.lua",
    ["sops.api"] = "lua/sops/api.lua",
    ["sops.check"] = "lua/sops/check.lua",
    ["sops.cli"] = "lua/sops/cli/init.lua",
    ["sops.cli.args"] = "lua/sops/cli/args.lua",
    ["sops.cli.live"] = "lua/sops/cli/live.lua",
    ["sops.cli.render"] = "lua/sops/cli/render.lua",
    ["sops.client"] = "lua/sops/client.lua",
    ["sops.compat"] = "lua/sops/compat.lua",
    ["sops.events"] = "lua/sops/events.lua",
    ["sops.tree"] = "lua/sops/tree.lua",
    ["sops.version"] = "lua/sops/version.lua",
    ["sops.wait"] = "lua/sops/wait.lua",
  },
  install = {
    bin = { ["sops"] = "bin/sops" },
  },
}
test = {
  type = "command",
  command = "make test",
}
