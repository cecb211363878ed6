-- README's OpenResty section: its nginx.conf, as printed, serves a request
-- that creates, starts and waits for a task (examples/openresty.sh).
local h = require "helpers"

describe("README's OpenResty walk-through", function()
  local function masters()
    local out = h.run("pgrep -f 'nginx: master process nginx -p /tmp/tmp' || true")
    return select(2, out:gsub("%d+", ""))
  end

  it("works as printed, and leaves no nginx running", function()
    local before = masters()
    local out, err, code = h.run("bash examples/openresty.sh")
    assert.equal(0, code, out .. err)
    assert.matches("\n%d+ FINISHED\nopenresty walk%-through: ok", "\n" .. out)
    -- (nginx -s quit is asynchronous: the master exits once its worker has)
    h.wait_until(function() return masters() == before end)
  end)
end)
