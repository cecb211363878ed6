-- The table of sops.new's options in docs/client.md, made from
-- sops.options: `make docs` writes it between the two markers below, and
-- spec/25-readme_spec.lua fails when the page holds anything else there.
--   lua tools/options.lua docs/client.md   rewrites docs/client.md in place
local options = require "sops.options"

local section = require "tools.section"

local M = {}

M.BEGIN = "<!-- options: made from lua/sops/options.lua by `make docs` -->"
M.END = "<!-- end of options -->"

-- an option's default as README shows it
local function default_of(row)
  if row.shown then return row.shown end
  if row.required then return "required" end
  local v = row.default
  if v == nil then return "none" end
  if type(v) == "string" then return '`"' .. v .. '"`' end
  return "`" .. tostring(v) .. "`"
end

function M.render()
  local out = {M.BEGIN, "", "| option | default | meaning |", "|---|---|---|"}
  for _, row in ipairs(options.LIST) do
    out[#out + 1] = string.format("| `%s` | %s | %s |", row.name, default_of(row), (row.doc:gsub("|", "\\|")))
  end
  out[#out + 1] = ""
  out[#out + 1] = M.END
  return table.concat(out, "\n")
end

section.define(M, "options", "options%.lua$")

return M
