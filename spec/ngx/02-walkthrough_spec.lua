-- README's OpenResty section: its nginx.conf, as printed, serves a request
-- that creates, starts and waits for a task (examples/openresty.sh).
local h = require "helpers"

describe("README's OpenResty walk-through", function()
  it("works as printed", function()
    local out, err, code = h.run("bash examples/openresty.sh")
    assert.equal(0, code, out .. err)
    assert.matches("\n%d+ FINISHED\nopenresty walk%-through: ok", "\n" .. out)
  end)
end)
