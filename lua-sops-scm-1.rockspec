rockspec_format = "3.0"
package = "lua-sops"
version = "scm-1"
source = {
  url = "git+https://github.com/lua-sops/lua-sops.git",
}
description = {
  summary = "BlueKing Standard OPS (bk-sops) client: start, wait for and repair tasks",
  detailed = [[
    A C core on libcurl decodes bk-sops responses straight into Lua tables;
    a Lua layer adds clients, argument checks, polling and tree helpers.
    Ships sops-sim, a local bk-sops server for tests and demos.
  ]],
  homepage = "https://github.com/lua-sops/lua-sops",
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson",   -- the simulator's request decoding
  "luasocket",   -- the simulator's server
}
external_dependencies = {
  CURL = { header = "curl/curl.h", library = "curl" },
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
    ["sops.api"] = "lua/sops/api.lua",
    ["sops.check"] = "lua/sops/check.lua",
    ["sops.cli.args"] = "lua/sops/cli/args.lua",
    ["sops.cli"] = "lua/sops/cli/init.lua",
    ["sops.cli.live"] = "lua/sops/cli/live.lua",
    ["sops.cli.render"] = "lua/sops/cli/render.lua",
    ["sops.client"] = "lua/sops/client.lua",
    ["sops.events"] = "lua/sops/events.lua",
    ["sops"] = "lua/sops/init.lua",
    ["sops.sim.cli"] = "lua/sops/sim/cli.lua",
    ["sops.sim.clock"] = "lua/sops/sim/clock.lua",
    ["sops.sim.control"] = "lua/sops/sim/control.lua",
    ["sops.sim.engine"] = "lua/sops/sim/engine.lua",
    ["sops.sim.http"] = "lua/sops/sim/http.lua",
    ["sops.sim"] = "lua/sops/sim/init.lua",
    ["sops.sim.json"] = "lua/sops/sim/json.lua",
    ["sops.sim.routes"] = "lua/sops/sim/routes.lua",
    ["sops.sim.status"] = "lua/sops/sim/status.lua",
    ["sops.sim.template"] = "lua/sops/sim/template.lua",
    ["sops.sim.templates"] = "lua/sops/sim/templates.lua",
    ["sops.sim.util"] = "lua/sops/sim/util.lua",
    ["sops.sim.views"] = "lua/sops/sim/views.lua",
    ["sops.tree"] = "lua/sops/tree.lua",
    ["sops.version"] = "lua/sops/version.lua",
    ["sops.wait"] = "lua/sops/wait.lua",
  },
  install = {
    bin = { ["sops"] = "bin/sops", ["sops-sim"] = "bin/sops-sim" },
  },
}
test = {
  type = "command",
  command = "make test",
}
