-- The editor definition file types/sops.lua (LuaCATS, for lua-language-server):
-- it is what tools/types.lua makes from the endpoint table, the shapes, the
-- options and the error header (`make docs`), it declares every call with
-- its fields and result, and with it on the library path a script that
-- misspells a field, passes a string where a table is expected or reads a
-- field a result has not gets a diagnostic. The diagnostics come from our
-- own small checker (spec/support/luacats_check.lua), not from LuaLS, which
-- the specs cannot install.
local h = require "helpers"
local api = require "sops.api"
local options = require "sops.options"
local wait = require "sops.wait"
local types = require "tools.types"
local checker = require "support.luacats_check"

local TEXT = h.read(types.PATH)
local defs = checker.parse(TEXT)

local function diagnose(script)
  return checker.check(defs, script)
end

local HEAD = [[
local sops = require "sops"
local client = sops.new{url = "http://127.0.0.1:8080/api/bk-sops/prod", app_code = "app", app_secret = "secret",
  username = "admin", bk_biz_id = 2}
]]

-- the codes and the lines of the diagnostics, "code@line"
local function summary(diags)
  local out = {}
  for i, d in ipairs(diags) do out[i] = d.code .. "@" .. d.line end
  return out
end

describe("types/sops.lua", function()
  it("is what make docs makes from the endpoint table, the shapes, the options and csrc/errors.h", function()
    assert.equal(types.render(), TEXT, types.PATH .. " differs from what make docs makes: run make docs")
  end)

  it("is a Lua chunk (lua-language-server reads it as one) and a ---@meta file", function()
    assert((loadstring or load)(TEXT, "=" .. types.PATH)) -- luacheck: ignore 113 (Lua 5.1: load takes no string)
    assert.matches("^%-%-%-@meta sops\n", TEXT)
  end)

  it("declares every call on the client and on the module: its fields, which are required, its result", function()
    for name, call in pairs(api.CALLS) do
      for _, head in ipairs({"sops.Client:" .. name, "sops." .. name}) do
        local fn = assert(defs.functions[head], head)
        assert.equal("sops." .. name .. ".args", fn.params[1])
        assert.same({"sops." .. call.api .. ".result|nil", "string|nil", "sops.Error|table|nil"}, fn.returns)
      end
      local class = assert(defs.classes["sops." .. name .. ".args"], name)
      for field, f in pairs(call.fields) do
        if not (call.fixed and call.fixed[field]) then
          local declared = assert(class.fields[field], name .. "." .. field)
          assert.equal(not f[2], declared.optional, name .. "." .. field)
          assert.equal(types.KIND_TYPE[f[1]], declared.type, name .. "." .. field)
        end
      end
      for field in pairs(class.fields) do
        assert.truthy(call.fields[field], name .. " has no field " .. field)
      end
      assert(defs.classes["sops." .. call.api .. ".result"] or defs.aliases["sops." .. call.api .. ".result"],
        call.api .. ".result")
    end
  end)

  it("declares sops.new's options, wait's and wait_all's, the receivers', and the error's kinds", function()
    for _, row in ipairs(options.LIST) do
      local f = assert(defs.classes["sops.Options"].fields[row.name], row.name)
      assert.equal(not row.required, f.optional, row.name)
    end
    for _, which in ipairs({"wait", "wait_all"}) do
      for field in pairs(wait.FIELDS[which]) do
        assert(defs.classes["sops." .. which .. ".args"].fields[field], which .. "." .. field)
      end
      assert(defs.functions["sops.Client:" .. which], which)
      assert(defs.functions["sops." .. which], which)
    end
    assert(defs.classes["sops.callbacks.listen.opts"].fields.port)
    assert(defs.functions["sops.callbacks.listen"])
    local fields, kinds = types.error_facts(h.read("csrc/errors.h"))
    for _, f in ipairs(fields) do assert(defs.classes["sops.Error"].fields[f], f) end
    for _, k in ipairs({"api", "timeout", "transport", "closed", "cancelled"}) do
      assert.matches('"' .. k .. '"', defs.aliases["sops.ErrorKind"], 1, true)
    end
    assert.equal(11, #kinds)
  end)

  it("declares sops.states as the table it is (a field per state), not a function", function()
    assert.is_nil(defs.functions["sops.states"])
    assert.equal("sops.States", defs.classes.sops.fields.states.type)
    local declared = defs.classes["sops.States"].fields
    for state in pairs(require("sops").states) do
      assert.equal('"' .. state .. '"', declared[state] and declared[state].type, state)
    end
    for state in pairs(declared) do assert.is_string(require("sops").states[state], state) end
  end)
end)

describe("a script checked against types/sops.lua (our checker, not lua-language-server)", function()
  it("gets no diagnostic when it is right", function()
    local diags = diagnose(HEAD .. [[
local task, message, err = client:create_task{template_id = 1, name = "nightly", constants = {["${x}"] = 1}}
if not task then error(message) end
print(task.task_id, task.task_url, task.pipeline_tree.activities)
local started = client:start_task{task_id = task.task_id, ensure = true}
print(started.already_started)
local detail = client:get_task_detail{task_id = task.task_id}
print(detail.outputs, detail.constants, detail.elapsed_time)
local status = client:wait{task_id = task.task_id, timeout = 60, until_states = {"FINISHED"}}
client:retry_node{task_id = 1, node_id = "n1", inputs = {a = 1}}
client:callback{token = "t", anything = "goes"}
]])
    assert.same({}, diags, checker.format(diags))
  end)

  it("flags a misspelt field of a call's argument table", function()
    local diags = diagnose(HEAD .. [[
client:get_task_status{task_id = 1, with_ex_dat = true}
]])
    assert.same({"undefined-field@4"}, summary(diags))
    assert.matches("`with_ex_dat` in `sops.get_task_status.args`", diags[1].message, 1, true)
  end)

  it("flags a string where a table is expected, and one where an integer is", function()
    local diags = diagnose(HEAD .. [[
client:create_task{template_id = 1, name = "nightly", constants = "x=1"}
client:get_task_list{limit = "10"}
]])
    assert.same({"param-type-mismatch@4", "param-type-mismatch@5"}, summary(diags))
    assert.matches("`constants`: cannot assign `string` to `table`", diags[1].message, 1, true)
    assert.matches("`limit`: cannot assign `string` to `integer`", diags[2].message, 1, true)
  end)

  it("flags the read of a field the result has not", function()
    local diags = diagnose(HEAD .. [[
local task = client:create_task{template_id = 1, name = "nightly"}
print(task.taskid)
local detail = client:get_task_detail{task_id = task.task_id}
print(detail.output)
]])
    assert.same({"undefined-field@5", "undefined-field@7"}, summary(diags))
    assert.matches("`taskid` in `sops.create_task.result`", diags[1].message, 1, true)
    assert.matches("`output` in `sops.get_task_detail.result`", diags[2].message, 1, true)
  end)

  it("flags a required field left out, a misspelt method and a wrong option of sops.new", function()
    local diags = diagnose([[
local sops = require "sops"
local client = sops.new{url = "http://x/api/bk-sops/prod", app_code = "a", app_secret = "s", timeout = "30"}
client:start_task{}
client:get_task_stauts{task_id = 1}
]])
    assert.same({"param-type-mismatch@2", "missing-fields@3", "undefined-field@4"}, summary(diags))
  end)
end)
