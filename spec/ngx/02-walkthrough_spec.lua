-- The nginx.conf files of docs/, as printed (examples/openresty.sh):
-- docs/openresty.md's serves a request that creates, starts and waits for a
-- task, from the checkout and from the LuaRocks-installed rock;
-- docs/callbacks.md's waits on the task's completion callback.
local h = require "helpers"

describe("docs' OpenResty walk-throughs", function()
  local function masters()
    local out = h.run("pgrep -f 'nginx: master process nginx -p /tmp/tmp' || true")
    return select(2, out:gsub("%d+", ""))
  end

  local function works(mode, want)
    local before = masters()
    local out, err, code = h.run("bash examples/openresty.sh " .. mode)
    assert.equal(0, code, out .. err)
    assert.matches("\n%d+ FINISHED\nopenresty " .. mode .. ": ok", "\n" .. out)
    if want then assert.matches(want, out, 1, true) end
    -- (nginx -s quit is asynchronous: the master exits once its worker has)
    h.wait_until(function() return masters() == before end)
  end

  it("docs/openresty.md's nginx.conf works as printed, and leaves no nginx running", function()
    works("deploy")
  end)

  it("works with the path lines docs/openresty.md gives for the LuaRocks-installed rock", function()
    works("rock")
  end)

  it("docs/callbacks.md's nginx.conf works as printed: the wait takes the task's completion callback", function()
    works("callbacks", "openresty callbacks: the callback was delivered")
  end)
end)
