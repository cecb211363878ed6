-- Argument mistakes are reported at the caller's line, for every public
-- entry point, on every runtime (spec/support/positions.lua has the cases;
-- spec/ngx/05-hostile_spec.lua runs them inside nginx too).
local h = require "helpers"
local sops = require "sops"
local positions = require "support.positions"

describe("an argument mistake", function()
  local env = h.sim_env({"--speed", "0"})
  setup(env.start)
  teardown(env.stop)

  it("is reported at the line of the caller's own call, for every entry point", function()
    local esb = env.sim:client({route = "esb"})
    local c = env.sim:client()
    assert.same({}, positions.check(sops, c, esb))
    esb:close()
  end)
end)
