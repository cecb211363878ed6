-- The table of the bksops command's commands and its exit codes in
-- docs/command.md, made from sops.cli.commands: `make docs` writes them
-- between the two markers below, and spec/29-cli_workflow_spec.lua fails
-- when the page holds anything else there.
--   lua tools/commands.lua docs/command.md   rewrites docs/command.md in place
local commands = require "sops.cli.commands"

local section = require "tools.section"

local M = {}

M.BEGIN = "<!-- commands: made from lua/sops/cli/commands.lua by `make docs` -->"
M.END = "<!-- end of commands -->"

-- "bksops retry TASK [NODE] [--failed] [--inputs JSON] [--json]": the
-- command's words and its own options (the connection's are everyone's)
local function usage(c)
  local parts = {commands.PROGRAM, c.name}
  for _, w in ipairs(c.words) do
    local word = w[1]
    if w.many == "+" then word = word .. "..." end
    if w.many == "?" then word = "[" .. word .. "]" end
    parts[#parts + 1] = word
  end
  for _, o in ipairs(c.options) do
    if not commands.IS_CONNECTION[o] then
      local name = o.short or o.long
      parts[#parts + 1] = "[" .. name .. (o.arg and (" " .. o.arg) or "") .. "]" .. (o.kind == "list" and "..." or "")
    end
  end
  return table.concat(parts, " ")
end

function M.render()
  local out = {M.BEGIN, "", "| command | what it does |", "|---|---|"}
  for _, c in ipairs(commands.LIST) do
    if not c.hidden then
      out[#out + 1] = string.format("| `%s` | %s |", usage(c), (c.about:gsub("|", "\\|")))
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = "| exit code | meaning |"
  out[#out + 1] = "|---|---|"
  for _, e in ipairs(commands.EXIT_CODES) do out[#out + 1] = string.format("| %d | %s |", e[1], e[2]) end
  out[#out + 1] = ""
  out[#out + 1] = M.END
  return table.concat(out, "\n")
end

section.define(M, "commands", "commands%.lua$")

return M
