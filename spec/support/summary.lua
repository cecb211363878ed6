-- busted output handler: the usual terminal output, then a last line
-- "N passed, N failed" (errors count as failures) for CI.
return function(options)
  local busted = require "busted"
  local handler = require("busted.outputHandlers.utfTerminal")(options)
  busted.subscribe({"suite", "end"}, function()
    local failed = handler.failuresCount + handler.errorsCount
    io.stdout:write(string.format("\n%d passed, %d failed\n", handler.successesCount, failed))
    io.stdout:flush()
    return nil, true
  end)
  return handler
end
