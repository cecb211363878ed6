-- busted output handler: the usual terminal output, then a line
-- "N passed, N failed" (errors count as failures; ", N skipped" follows
-- when specs are pending). Under spec/support/run-specs, which runs a file
-- at a time and totals them, the counts go to the file SOPS_SPEC_COUNTS
-- and the line names the spec file.
return function(options)
  local busted = require "busted"
  local handler = require("busted.outputHandlers.utfTerminal")(options)
  local counts_file = os.getenv("SOPS_SPEC_COUNTS")
  busted.subscribe({"suite", "end"}, function()
    local failed = handler.failuresCount + handler.errorsCount
    local skipped = handler.pendingsCount > 0 and string.format(", %d skipped", handler.pendingsCount) or ""
    local line = string.format("%d passed, %d failed%s", handler.successesCount, failed, skipped)
    if counts_file then
      local f = assert(io.open(counts_file, "w"))
      f:write(string.format("%d %d %d\n", handler.successesCount, failed, handler.pendingsCount))
      f:close()
      line = "  " .. line .. " in " .. (os.getenv("SOPS_SPEC_FILE") or "?")
    end
    io.stdout:write("\n", line, "\n")
    io.stdout:flush()
    return nil, true
  end)
  return handler
end
