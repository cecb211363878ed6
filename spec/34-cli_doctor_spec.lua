-- bksops doctor (the connection checked step by step) and bksops config
-- (the profiles: list, show where each setting comes from, use one), as a
-- process against the simulator.
local h = require "helpers"

local sim

local APP = h.APP_CODE:gsub("%p", "%%%0") -- (as a pattern)

local function sops(args, env)
  return h.run(sim:env(env) .. " " .. h.LUA .. " bin/bksops " .. args)
end

local function write(path, text, mode)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  if mode then assert(os.execute("chmod " .. mode .. " " .. h.shell_quote(path))) end
end

-- "ok   name  detail" lines: {name = {status, detail}}, and the names in order
local function report(out)
  local by, order = {}, {}
  for line in out:gmatch("[^\n]+") do
    local status, name, detail = line:match("^(%a+)%s+(%a+)%s+(.*)$")
    if status then
      by[name] = {status = status, detail = detail}
      order[#order + 1] = name
    end
  end
  return by, order
end

-- no secret in any form it could travel in
local function no_secret(...)
  local secret = h.APP_SECRET
  local forms = {secret, (secret:gsub("[^%w]", function(c) return string.format("%%%02X", c:byte()) end))}
  for i = 1, select("#", ...) do
    local text = select(i, ...)
    for _, form in ipairs(forms) do assert.is_nil(text:find(form, 1, true), "a secret in: " .. text) end
  end
end

describe("bksops doctor", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)

  it("checks each step in order, one line each, and exits 0 when none fails", function()
    local out, err, code = sops("doctor")
    assert.equal(0, code, err)
    local by, order = report(out)
    assert.same({"configuration", "url", "tenant", "reachability", "clock", "api", "credentials", "user", "business",
      "restricted"}, order)
    for _, name in ipairs({"configuration", "url", "tenant", "reachability", "clock", "api", "credentials", "user",
      "business"}) do
      assert.equal("ok", by[name].status, out)
    end
    assert.matches("secret %(from BK_APP_SECRET%)", by.configuration.detail)
    assert.equal(sim.url .. "/prod (from BK_SOPS_URL), route apigw (from the URL), stage prod", by.url.detail)
    assert.matches("^answered in %d+ ms %(HTTP %d+%)$", by.reachability.detail)
    assert.equal("none: no X-Bk-Tenant-Id is sent (a bk-sops without tenants)", by.tenant.detail)
    assert.matches("^bk%-sops answered get_user_project_list in %d+ ms$", by.api.detail)
    assert.equal("app " .. h.APP_CODE .. " accepted", by.credentials.detail)
    assert.matches("^user admin %(from BK_USERNAME%): %d+ projects? visible$", by.user.detail)
    assert.matches("^cmdb_biz 2 %(from BK_BIZ_ID%): project ", by.business.detail)
    -- not whitelisted: said, with the fix, but not a failure
    assert.equal("warn", by.restricted.status)
    assert.matches("the gateway refuses app " .. APP .. " the %d+ restricted apis", by.restricted.detail)
    assert.matches("fix: if you need them, ask bk%-sops' gateway operators to approve app", out)
    no_secret(out, err)

    sim:config({whitelist = {h.APP_CODE}})
    out = sops("doctor")
    by = report(out)
    assert.equal("ok", by.restricted.status, out)
    assert.matches("the app may call restricted apis", by.restricted.detail)
  end)

  it("--json: the checks as a list, the same exit code", function()
    local _
    local out, err, code = sops("doctor --json")
    assert.equal(0, code, err)
    local list = h.decode(out)
    assert.equal("configuration", list[1].name)
    assert.equal("ok", list[1].status)
    assert.equal("restricted", list[#list].name)
    assert.is_true(#list[#list].apis > 0)
    local found
    for _, name in ipairs(list[#list].apis) do found = found or name == "fast_create_task" end
    assert.is_true(found)
    out, _, code = sops("doctor --json", {BK_APP_SECRET = "wrong-secret-9"})
    assert.equal(4, code)
    list = h.decode(out)
    local statuses = {}
    for i, ch in ipairs(list) do statuses[i] = ch.name .. " " .. ch.status end
    assert.same({"configuration ok", "url ok", "tenant ok", "reachability ok", "clock ok", "api ok",
      "credentials fail", "user skip", "business skip", "restricted skip"}, statuses)
    assert.equal(4, list[7].code)
  end)

  it("tells the gateway refusing the app from refusing the user", function()
    local _
    local out, err, code = sops("doctor", {BK_APP_SECRET = "wrong-secret-9"})
    assert.equal(4, code)
    local by = report(out)
    assert.equal("FAIL", by.credentials.status)
    assert.matches("the gateway refused app " .. APP .. ": .*bk_app_code or bk_app_secret is incorrect",
      by.credentials.detail)
    assert.matches("fix: check the app code %(from BK_APP_CODE%) and its secret %(from BK_APP_SECRET%)", out)
    assert.equal("skip", by.user.status)
    assert.is_nil(out:find("wrong-secret-9", 1, true))
    no_secret(out, err)

    sim:config({username_exempt = false})
    out, _, code = sops("doctor")
    assert.equal(4, code)
    by = report(out)
    assert.equal("ok", by.credentials.status)
    assert.equal("FAIL", by.user.status)
    assert.matches("user admin %(from BK_USERNAME%) refused: .*not verified", by.user.detail)
    assert.matches("fix: use a BK_TOKEN or BK_ACCESS_TOKEN", out)
  end)

  it("on legacy ESB: its own refusals, and the restricted apis not probed", function()
    local _
    local esb = {BK_SOPS_URL = sim.url .. "/api/c/compapi/v2/sops"}
    local out, err, code = sops("doctor", esb)
    assert.equal(0, code, err)
    local by = report(out)
    assert.matches("route esb %(from the URL%)", by.url.detail)
    assert.equal("skip", by.restricted.status)
    esb.BK_APP_SECRET = "wrong-secret-9"
    out, _, code = sops("doctor", esb)
    assert.equal(4, code)
    assert.matches("the ESB refused app", report(out).credentials.detail)
  end)

  it("measures this machine's clock against the server's Date, and fails past 30 s (2)", function()
    -- (the simulator's clock stands still: this machine gets ahead of it
    -- by the seconds the spec takes, which stay far below 30)
    local function clock()
      local list = h.decode((sops("doctor --json")))
      for _, ch in ipairs(list) do
        if ch.name == "clock" then return ch end
      end
    end
    local ch = clock()
    assert.equal("ok", ch.status)
    assert.is_true(ch.skew > -1 and ch.skew < 30, tostring(ch.skew))
    sim:advance(600) -- the server ten minutes ahead
    local out, err, code = sops("doctor")
    assert.equal(2, code, err) -- a failure, the configuration's code (this machine's clock)
    local by = report(out)
    assert.equal("FAIL", by.clock.status)
    -- the checks after it still run: none of them depends on the clock
    for _, name in ipairs({"api", "credentials", "user", "business"}) do
      assert.equal("ok", by[name].status, out)
    end
    assert.equal("warn", by.restricted.status) -- (reported, as ever)
    assert.matches("^this machine's clock is %d+m%d%ds behind the server's %(server: %a%a%a, %d%d %a%a%a %d+ "
      .. "%d%d:%d%d:%d%d GMT%)$", by.clock.detail)
    assert.matches("fix: set the clock %(NTP%)", out)
    ch = clock()
    assert.equal("fail", ch.status)
    assert.equal(2, ch.code)
    assert.is_true(ch.skew > -601 and ch.skew < -570, tostring(ch.skew))
    -- the probe carries no credential: neither the secret nor the app's signature
    local bare = 0
    for _, r in ipairs(sim:requests_to("/prod")) do
      if r.path == "/prod" then
        bare = bare + 1
        assert.is_nil(r.headers["x-bkapi-authorization"])
        no_secret(require("cjson").encode(r))
      end
    end
    assert.equal(3, bare)
  end)

  it("reports, without failing, a business it cannot find or none at all", function()
    -- (what the user may reach is bk-sops' permissions, call by call: said,
    -- with the fix, but the exit stays 0)
    local out, err, code = sops("doctor", {BK_BIZ_ID = "999"})
    assert.equal(0, code, err)
    local by = report(out)
    assert.equal("warn", by.business.status)
    assert.equal("cmdb_biz 999 (from BK_BIZ_ID) is not among the user's projects", by.business.detail)
    assert.matches("fix: check %-%-biz and %-%-scope", out)
    out, err, code = sops("doctor", {BK_BIZ_ID = false})
    assert.equal(0, code, err)
    by = report(out)
    assert.equal("warn", by.business.status)
    assert.equal("none set: most commands need one", by.business.detail)
  end)

  it("a URL that cannot be reached (5) or is no bk-sops stage (4), the rest not checked", function()
    local out, _, code = sops("doctor", {BK_SOPS_URL = "http://127.0.0.1:" .. h.dead_port() .. "/prod"})
    assert.equal(5, code)
    local by = report(out)
    assert.equal("FAIL", by.reachability.status)
    assert.matches("fix: check the URL's host and port", out)
    assert.equal("skip", by.clock.status)
    assert.equal("skip", by.credentials.status)
    assert.equal(0, #sim:requests()) -- nothing reached the simulator

    out, _, code = sops("doctor", {BK_SOPS_URL = sim.url .. "/stag"})
    assert.equal(4, code)
    by = report(out)
    assert.equal("ok", by.reachability.status)
    assert.equal("FAIL", by.api.status)
    assert.matches("has no bk%-sops api at this URL", by.api.detail)
    assert.matches("fix: check the URL's path and its stage %('stag'%)", out)
    assert.equal(0, #sim:requests_to("plugin-gateway")) -- the rest not probed
  end)

  it("a configuration the reader refuses fails first (2), with its fix, nothing sent", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    write(dir .. "/secret", h.APP_SECRET .. "\n", "644")
    local out, err, code = sops("doctor --app-secret-file " .. dir .. "/secret", {BK_APP_SECRET = false})
    os.execute("rm -rf " .. h.shell_quote(dir))
    assert.equal(2, code, err)
    local by = report(out)
    assert.equal("FAIL", by.configuration.status)
    assert.matches("can be read by others %(mode 0644%): run 'chmod 600 ", by.configuration.detail)
    assert.equal("skip", by.reachability.status)
    assert.equal(0, #sim:requests())
    no_secret(out, err)
  end)
end)

describe("bksops config", function()
  h.use_sim({"--speed", "0"}, false, function(s) sim = s end)
  local dir, path
  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/bksops"))
    path = dir .. "/bksops/config"
    write(dir .. "/secret", h.APP_SECRET .. "\n", "600")
    write(path, table.concat({
      "# the simulator", "[default]", "url = " .. sim.url .. "/prod", "app_code = " .. h.APP_CODE,
      "app_secret_file = " .. dir .. "/secret", "username = admin", "biz = 2", "",
      "[bob]", "username = bob", ""}, "\n"), "640")
  end)
  after_each(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)

  -- the environment without the connection, the config in XDG_CONFIG_HOME
  local function bare(extra) return h.bare_env(dir, extra) end

  local function mode_of(file)
    local out = h.run("stat -c %a " .. h.shell_quote(file))
    return out:match("%d+")
  end

  it("list: the file's profiles, the one in effect marked", function()
    local out, err, code = sops("config list", bare())
    assert.equal(0, code, err)
    assert.equal(path .. "\n* default      " .. sim.url .. "/prod\n  bob          \n", out)
    out = sops("config list", bare({BKSOPS_PROFILE = "bob"}))
    assert.matches("\n  default .*\n%* bob", out)
    assert.matches("in effect: named by BKSOPS_PROFILE", out)
    out = sops("config list --json", bare())
    assert.same({{name = "default", in_effect = true, settings = {url = sim.url .. "/prod", app_code = h.APP_CODE,
      app_secret_file = dir .. "/secret", username = "admin", biz = "2"}},
      {name = "bob", in_effect = false, settings = {username = "bob"}}}, h.decode(out))
  end)

  it("show: each setting in effect and where it comes from, secrets masked", function()
    local out, err, code = sops("config show bob --biz 3", bare({BK_APP_CODE = "env-app"}))
    assert.equal(0, code, err)
    assert.matches("^profile bob %(named by %-%-profile%)\n", out)
    assert.matches("\n  username%s+bob%s+from profile bob\n", out)
    assert.matches("\n  biz%s+3%s+from %-%-biz\n", out)
    assert.matches("\n  app_code%s+env%-app%s+from BK_APP_CODE\n", out)
    assert.matches("\n  url%s+" .. sim.url:gsub("%p", "%%%0") .. "/prod%s+from profile default\n", out)
    assert.matches("\n  app_secret%s+%*%*%*%s+from file " .. dir:gsub("%p", "%%%0") .. "/secret\n", out)
    assert.matches("\n  scope%s+cmdb_biz%s+from default\n", out)
    no_secret(out, err)
    -- from the environment: the secret still only by its name
    out, err = sops("config show --json", bare({BK_APP_SECRET = h.APP_SECRET, BK_USERNAME = "carol"}))
    local doc = h.decode(out)
    assert.equal("default", doc.profile)
    local by = {}
    for _, s in ipairs(doc.settings) do by[s.key] = s end
    assert.same({key = "app_secret", value = "***", from = "BK_APP_SECRET"}, by.app_secret)
    assert.same({key = "username", value = "carol", from = "BK_USERNAME"}, by.username)
    no_secret(out, err)
    -- what the commands would refuse, said (exit 2)
    os.execute("chmod 644 " .. dir .. "/secret")
    local _, why, code2 = sops("config show", bare())
    assert.equal(2, code2)
    assert.matches("not usable as it is: the app secret file .* can be read by others", why)
  end)

  it("use: the default profile switched in the file, its mode kept, atomically", function()
    local _
    local out, err, code = sops("config use bob", bare())
    assert.equal(0, code, err)
    assert.equal("the default profile is now bob (" .. path .. ")\n", out)
    assert.matches("^# the simulator\nprofile = bob\n%[default%]\n", h.read(path))
    assert.equal("640", mode_of(path))
    assert.equal("config\n", h.run("ls " .. h.shell_quote(dir .. "/bksops"))) -- no temp file left
    assert.matches("%* bob", sops("config list", bare()))
    -- every command now takes bob's settings, [default] filling in the rest
    local t = sim:task({template_id = 1})
    _, err, code = sops("status " .. t.task_id, bare())
    assert.equal(0, code, err)
    assert.equal("bob", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
    -- and --profile, BKSOPS_PROFILE still win
    sops("status " .. t.task_id, bare({BKSOPS_PROFILE = "default"}))
    assert.equal("admin", h.decode(sim:last_request().headers["x-bkapi-authorization"]).bk_username)
    -- use default: the line goes, the file as it was
    _, err, code = sops("config use default", bare())
    assert.equal(0, code, err)
    assert.is_nil(h.read(path):find("profile =", 1, true))
    assert.matches("^# the simulator\n%[default%]\n", h.read(path))
  end)

  it("use refuses an unknown profile and a file the reader refuses, leaving the file alone", function()
    local before = h.read(path)
    local _, err, code = sops("config use nobody", bare())
    assert.equal(2, code)
    assert.matches("no profile 'nobody' in " .. path .. " (it has: default, bob)", err, 1, true)
    os.execute("chmod 664 " .. path)
    _, err, code = sops("config use bob", bare())
    assert.equal(2, code)
    assert.matches("can be changed by others (mode 0664): run 'chmod go-w " .. path .. "'", err, 1, true)
    assert.equal(before, h.read(path))
    _, err, code = sops("config use bob", bare({XDG_CONFIG_HOME = dir .. "/none"}))
    assert.equal(2, code)
    assert.matches("no config file at " .. dir .. "/none/bksops/config", err, 1, true)
  end)
end)
