-- Command-line parsing for `sops`: flags anywhere, `--flag value` or
-- `--flag=value`, positional words in order.
local M = {}

-- spec: {name = "value" | "flag" | "list"} ("list": a value that may be
-- given again, kept in order in a table). Returns {flags = {}, words = {}}
-- or nil, message.
function M.parse(argv, spec)
  local flags, words = {}, {}
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, #argv do words[#words + 1] = argv[j] end
      break
    end
    local name, inline = a:match("^%-%-([%w-]+)=(.*)$")
    if not name then name = a:match("^%-%-([%w-]+)$") end
    if a == "-h" then name = "help" end
    if a == "-p" then name = "param" end
    if name then
      local kind = spec[name]
      if not kind then return nil, "unknown option --" .. name end
      if kind == "flag" then
        if inline then return nil, "--" .. name .. " takes no value" end
        flags[name] = true
      else
        local v = inline
        if v == nil then
          i = i + 1
          v = argv[i]
          if v == nil then return nil, "--" .. name .. " needs a value" end
        end
        if kind == "list" then
          flags[name] = flags[name] or {}
          table.insert(flags[name], v)
        else
          flags[name] = v
        end
      end
    else
      words[#words + 1] = a
    end
    i = i + 1
  end
  return {flags = flags, words = words}
end

return M
