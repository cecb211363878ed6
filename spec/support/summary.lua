-- busted output handler: the usual terminal output, then a last line
-- "N passed, N failed" (errors count as failures; ", N skipped" follows
-- when specs are pending) for CI.
return function(options)
  local busted = require "busted"
  local handler = require("busted.outputHandlers.utfTerminal")(options)
  busted.subscribe({"suite", "end"}, function()
    local failed = handler.failuresCount + handler.errorsCount
    local skipped = handler.pendingsCount > 0 and string.format(", %d skipped", handler.pendingsCount) or ""
    io.stdout:write(string.format("\n%d passed, %d failed%s\n", handler.successesCount, failed, skipped))
    io.stdout:flush()
    return nil, true
  end)
  return handler
end
