-- The client: the sops module, its C core and the bksops command. It needs
-- Lua, libcurl's headers to build against, and argparse for the command.
-- rockspecs/ holds the released versions, made from this file by
-- `make rockspecs`.
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
    a Lua layer adds clients, argument checks, polling and tree helpers, and
    the bksops command runs, watches and repairs tasks from a terminal.
    Runs on Lua 5.1, 5.3, 5.4 and LuaJIT. Its simulator for offline tests is
    the lua-sops-sim rock.
  ]],
  homepage = "https://github.com/lua-sops/lua-sops",
  license = "MIT",
  labels = { "bk-sops", "blueking", "http", "client" },
}
-- The systems the C core is written for (csrc/platform.h): Linux, where CI
-- runs the specs, and macOS and the BSDs, whose own ways (kqueue,
-- SO_NOSIGPIPE, arc4random_buf) CI builds and runs on Linux with a stand-in
-- for kqueue (make portable). README: Platforms.
supported_platforms = { "linux", "macosx", "freebsd", "openbsd", "netbsd" }
dependencies = {
  "lua >= 5.1",
  -- the bksops command's parser (Debian: lua-argparse)
  "argparse >= 0.6",
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
        "csrc/answerhead.c",
        "csrc/buffer.c",
        "csrc/catalog.c",
        "csrc/client.c",
        "csrc/core.c",
        "csrc/errors.c",
        "csrc/fits.c",
        "csrc/httphead.c",
        "csrc/ids.c",
        "csrc/json.c",
        "csrc/listener.c",
        "csrc/method.c",
        "csrc/probe.c",
        "csrc/redact.c",
        "csrc/request.c",
        "csrc/response.c",
        "csrc/secret.c",
        "csrc/strcache.c",
        "csrc/sys.c",
        "csrc/target.c",
        "csrc/transport.c",
      },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
    ["sops"] = "lua/sops/init.lua",
    ["sops.api"] = "lua/sops/api.lua",
    ["sops.attempts"] = "lua/sops/attempts.lua",
    ["sops.callbacks"] = "lua/sops/callbacks/init.lua",
    ["sops.callbacks.listener"] = "lua/sops/callbacks/listener.lua",
    ["sops.callbacks.shared"] = "lua/sops/callbacks/shared.lua",
    ["sops.callbacks.protocol"] = "lua/sops/callbacks/protocol.lua",
    ["sops.check"] = "lua/sops/check.lua",
    ["sops.cli"] = "lua/sops/cli/init.lua",
    ["sops.cli.act"] = "lua/sops/cli/act.lua",
    ["sops.cli.candidates"] = "lua/sops/cli/candidates.lua",
    ["sops.cli.commands"] = "lua/sops/cli/commands.lua",
    ["sops.cli.completion"] = "lua/sops/cli/completion.lua",
    ["sops.cli.config"] = "lua/sops/cli/config.lua",
    ["sops.cli.context"] = "lua/sops/cli/context.lua",
    ["sops.cli.doctor"] = "lua/sops/cli/doctor.lua",
    ["sops.cli.eta"] = "lua/sops/cli/eta.lua",
    ["sops.cli.live"] = "lua/sops/cli/live.lua",
    ["sops.cli.logs"] = "lua/sops/cli/logs.lua",
    ["sops.nodes"] = "lua/sops/nodes.lua",
    ["sops.cli.output"] = "lua/sops/cli/output.lua",
    ["sops.cli.parser"] = "lua/sops/cli/parser.lua",
    ["sops.cli.read"] = "lua/sops/cli/read.lua",
    ["sops.cli.render"] = "lua/sops/cli/render.lua",
    ["sops.cli.tasks"] = "lua/sops/cli/tasks.lua",
    ["sops.cli.template"] = "lua/sops/cli/template.lua",
    ["sops.cli.times"] = "lua/sops/cli/times.lua",
    ["sops.cli.watch"] = "lua/sops/cli/watch.lua",
    ["sops.cli.yaml"] = "lua/sops/cli/yaml.lua",
    ["sops.client"] = "lua/sops/client.lua",
    ["sops.keyed"] = "lua/sops/keyed.lua",
    ["sops.options"] = "lua/sops/options.lua",
    ["sops.pages"] = "lua/sops/pages.lua",
    ["sops.progress"] = "lua/sops/progress.lua",
    ["sops.shapes"] = "lua/sops/shapes.lua",
    ["sops.compat"] = "lua/sops/compat.lua",
    ["sops.config"] = "lua/sops/config.lua",
    ["sops.cosocket"] = "lua/sops/cosocket.lua",
    ["sops.events"] = "lua/sops/events.lua",
    ["sops.tree"] = "lua/sops/tree.lua",
    ["sops.version"] = "lua/sops/version.lua",
    ["sops.wait"] = "lua/sops/wait.lua",
  },
  install = {
    bin = { ["bksops"] = "bin/bksops" },
  },
  -- the bksops command's completion scripts (bash, zsh, fish) and man page, and the reference
  -- (docs/, whose index.md `luarocks doc lua-sops` opens), into the rock's
  -- own directory (docs/command.md, docs/install.md), and the editor
  -- definition file (types/sops.lua, for lua-language-server's workspace.library)
  copy_directories = { "share", "docs", "types" },
}
-- `luarocks test [--lua-version=X.Y]`: the specs on that Lua, the core built
-- for it into build/, those that need what the machine lacks (the simulator,
-- tmux) skipped and named; nothing is installed. `make test` is the whole suite.
test = {
  type = "command",
  script = "spec/support/luarocks-test.lua",
}
