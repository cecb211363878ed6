-- A section of a page made by a generator (tools/calls.lua, commands.lua,
-- options.lua, reference.lua): the text between its module's BEGIN and END
-- markers is its render(). section.define(M, what, script) gives
-- M.rewrite(text) -> the text with the section made anew (nil, why without
-- the markers) and, when the script whose name matches `script` runs with
-- a path, rewrites that file in place (`make docs`); with `script` nil it
-- only gives M.rewrite.
local S = {}

function S.define(M, what, script)
  function M.rewrite(text)
    local a = text:find(M.BEGIN, 1, true)
    local _, b = text:find(M.END, 1, true)
    if not a or not b then return nil, "the page has no " .. what .. " markers" end
    return text:sub(1, a - 1) .. M.render() .. text:sub(b + 1)
  end
  function M.rewrite_file(path)
    local f = assert(io.open(path, "rb"))
    local text = f:read("*a")
    f:close()
    local new = assert(M.rewrite(text))
    f = assert(io.open(path, "wb"))
    f:write(new)
    f:close()
  end
  if script and arg and arg[0] and arg[0]:find(script) and arg[1] then M.rewrite_file(arg[1]) end
end

return S
