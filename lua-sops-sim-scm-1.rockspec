-- bksops-sim: a local bk-sops server for lua-sops' specs and its users'
-- offline tests. Needs Lua 5.3 or later, lua-cjson and luasocket.
-- rockspecs/ holds the released versions, made from this file by
-- `make rockspecs`.
rockspec_format = "3.0"
package = "lua-sops-sim"
version = "scm-1"
source = {
  url = "git+https://github.com/lua-sops/lua-sops.git",
}
description = {
  summary = "A local BlueKing Standard OPS (bk-sops) server for offline tests",
  detailed = [[
    bksops-sim speaks bk-sops' API gateway and ESB protocols over HTTP with a
    simulated engine (subprocesses, gateways, retries, callbacks), a clock
    that tests control, fault injection and a request log.
  ]],
  homepage = "https://github.com/lua-sops/lua-sops",
  license = "MIT",
  labels = { "bk-sops", "blueking", "testing", "simulator" },
}
-- As lua-sops' own: the signal helper watches with a signalfd on Linux and
-- a kqueue on macOS and the BSDs (csrc/sim/signals.c). README: Platforms.
supported_platforms = { "linux", "macosx", "freebsd", "openbsd", "netbsd" }
dependencies = {
  "lua >= 5.3",
  "lua-sops >= 0.3.0",
  "lua-cjson",
  "luasocket",
}
build = {
  type = "builtin",
  modules = {
    ["sops.sim"] = "lua/sops/sim/init.lua",
    ["sops.sim.callbacks"] = "lua/sops/sim/callbacks.lua",
    ["sops.sim.catalog"] = "lua/sops/sim/catalog.lua",
    ["sops.sim.cli"] = "lua/sops/sim/cli.lua",
    ["sops.sim.clock"] = "lua/sops/sim/clock.lua",
    ["sops.sim.compile"] = "lua/sops/sim/compile.lua",
    ["sops.sim.control"] = "lua/sops/sim/control.lua",
    ["sops.sim.demo"] = "lua/sops/sim/demo.lua",
    ["sops.sim.engine"] = "lua/sops/sim/engine.lua",
    ["sops.sim.http"] = "lua/sops/sim/http.lua",
    ["sops.sim.json"] = "lua/sops/sim/json.lua",
    ["sops.sim.routes"] = "lua/sops/sim/routes.lua",
    ["sops.sim.schema"] = "lua/sops/sim/schema.lua",
    ["sops.sim.signals"] = { sources = { "csrc/sim/signals.c" } },
    ["sops.sim.poll"] = { sources = { "csrc/sim/poll.c" } },
    ["sops.sim.pyjson"] = { sources = { "csrc/sim/pyjson.c" } },
    ["sops.sim.status"] = "lua/sops/sim/status.lua",
    ["sops.sim.templates"] = "lua/sops/sim/templates.lua",
    ["sops.sim.util"] = "lua/sops/sim/util.lua",
    ["sops.sim.views"] = "lua/sops/sim/views/init.lua",
    ["sops.sim.views.base"] = "lua/sops/sim/views/base.lua",
    ["sops.sim.views.periodic"] = "lua/sops/sim/views/periodic.lua",
    ["sops.sim.views.plugins"] = "lua/sops/sim/views/plugins.lua",
    ["sops.sim.views.projects"] = "lua/sops/sim/views/projects.lua",
    ["sops.sim.views.records"] = "lua/sops/sim/views/records.lua",
    ["sops.sim.views.tasks"] = "lua/sops/sim/views/tasks.lua",
    ["sops.sim.views.templates"] = "lua/sops/sim/views/templates.lua",
    ["sops.sim.views.unserved"] = "lua/sops/sim/views/unserved.lua",
  },
  install = {
    bin = { ["bksops-sim"] = "bin/bksops-sim" },
  },
}
