-- The cosocket transport against a server that misbehaves on purpose
-- (spec/support/hostile.lua): a call's timeout is its whole budget however
-- slowly the answer drips, the head is bounded as libcurl bounds it, and
-- informational answers are skipped; each case gives what libcurl gives.
local h = require "helpers"
local nginx = require "ngx.nginx"

describe("the cosocket transport against a hostile server", function()
  local server, ngx_, port
  setup(function()
    server = h.spawn(h.SIM_LUA .. " spec/support/hostile.lua")
    port = assert(server.pipe:read("*l"):match("^listening on (%d+)$"))
    ngx_ = nginx.start()
  end)
  teardown(function()
    ngx_.stop()
    os.execute("kill " .. server.pid .. " 2>/dev/null")
    h.finish(server)
  end)

  -- /case/timed against the hostile server's answer `mode`
  local function timed(mode, query)
    local parts = {"sim=http://127.0.0.1:" .. port .. "/" .. mode}
    for k, v in pairs(query or {}) do parts[#parts + 1] = k .. "=" .. tostring(v) end
    local status, body = ngx_.get("/case/timed?" .. table.concat(parts, "&"))
    assert(status == 200, tostring(status) .. " " .. body .. "\n" .. ngx_.log())
    return require("cjson").decode(body)
  end

  -- (each drip lasts 4 s: a call that waited for it took 4 s or more)
  for _, mode in ipairs({"drip-head", "drip-body", "drip-chunked", "drip-close"}) do
    it("ends a call whose answer drips (" .. mode .. ") at its timeout, as a timeout, on both transports", function()
      for _, transport in ipairs({"ngx", "curl"}) do
        local out = timed(mode, {transport = transport, timeout = 1})
        assert.is_nil(out.value, transport)
        assert.equal("timeout", out.err.kind, transport)
        assert.is_true(out.err.sent, transport)
        assert.is_true(out.elapsed < 3, transport .. " took " .. out.elapsed)
      end
    end)
  end

  it("never lets a wait around dripping answers pass its own deadline", function()
    local out = timed("drip-body", {transport = "ngx", timeout = 30, wait = 1})
    assert.equal("timeout", out.err.kind)
    assert.is_true(out.elapsed < 3, "took " .. out.elapsed)
  end)

  for _, mode in ipairs({"long-line", "many-headers", "info-flood"}) do
    it("refuses a head over libcurl's bound (" .. mode .. ") as libcurl does", function()
      local got = {}
      for _, transport in ipairs({"ngx", "curl"}) do
        local out = timed(mode, {transport = transport, timeout = 10})
        assert.is_nil(out.value, transport)
        got[transport] = out.err.kind
      end
      assert.equal("transport", got.ngx)
      assert.same(got.curl, got.ngx)
    end)
  end

  it("skips informational answers before the final one, as libcurl does", function()
    for _, transport in ipairs({"ngx", "curl"}) do
      local out = timed("informational", {transport = transport})
      assert.is_nil(out.err, transport)
      assert.equal("RUNNING", out.value.state, transport)
    end
  end)

  it("bounds a body that ends when the server closes by max_body, as libcurl does", function()
    for _, transport in ipairs({"ngx", "curl"}) do
      local out = timed("close-big", {transport = transport, max_body = 65536})
      assert.is_nil(out.value, transport)
      assert.equal("decode", out.err.kind, transport)
      assert.equal("RUNNING", timed("close-big", {transport = transport}).value.state, transport)
    end
  end)

  it("redacts a secret a server echoes back in every form, as libcurl's path does", function()
    local secret = "b64+tok/en=="
    for _, transport in ipairs({"ngx", "curl"}) do
      local out = timed("echo", {transport = transport, secret = secret:gsub("[^%w]", function(ch)
        return ("%%%02X"):format(ch:byte())
      end)})
      assert.equal("api", out.err.kind, transport)
      assert.matches("/echo/prod/get_task_status/", out.detail.request, 1, true)
      local all = require("cjson").encode(out)
      for _, form in ipairs({secret, "b64%2Btok%2Fen%3D%3D", "b64+tok\\/en=="}) do
        assert.is_nil(all:find(form, 1, true), transport .. ": " .. form)
      end
    end
  end)
end)
