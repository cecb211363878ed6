-- The endpoint table (sops.api) against bk-sops' own declaration of its API
-- gateway resources, gcloud/apigw/management/commands/data/api-resources.yml,
-- on each branch: spec/fixtures/upstream/<branch>.lua holds the facts, made
-- by tools/upstream.lua (`make upstream-check FILE=... BRANCH=... COMMIT=...`),
-- never bk-sops' file itself, which nothing here reads.
local h = require "helpers"
local api = require "sops.api"
local upstream = require "tools.upstream"

-- the branches with a fixture: bk-sops' three, and any other that `make
-- upstream-check` wrote
local KNOWN = {"release_humming_bird", "master", "dev_multi_tenant"}
local BRANCHES = {}
do
  local p = assert(io.popen("ls " .. upstream.FIXTURES))
  for line in p:lines() do BRANCHES[#BRANCHES + 1] = line:match("^([%w_.%-]+)%.lua$") end
  p:close()
end

-- Resources the endpoint table leaves out on purpose: {[operationId] = why}
-- (a twin by its own name, system_<name>). None: every resource of the three
-- branches is in the table.
local OMITTED = {}

-- Fields (and path parameters) a branch's schema declares that the table's
-- entry lacks, known and left to lua/sops/api.lua's owner:
-- {["<branch> <call> <field>"] = why}. None at the fixtures' commits.
-- (bk_biz_id, project_id and scope are no gap on a call of a project: sops.api
-- gives every call whose path has {bk_biz_id} both bk_biz_id and scope.)
local GAPS = {}

local ALLOW = {omitted = OMITTED, gaps = GAPS}

local function fixture(branch)
  return assert(upstream.load_fixture(upstream.FIXTURES .. "/" .. branch .. ".lua"))
end

local function fixtures()
  local out = {}
  for i, b in ipairs(BRANCHES) do out[i] = fixture(b) end
  return out
end

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return out
end

-- the problems that name `branch`
local function of_branch(problems, branch)
  local out = {}
  for _, p in ipairs(problems) do
    if p:sub(1, #branch + 2) == branch .. ": " then out[#out + 1] = p end
  end
  return out
end

local function find(fx, name)
  for i, r in ipairs(fx.resources) do
    if r.name == name then return r, i end
  end
end

-- whether a problem in the list contains `text`
local function reports(problems, text)
  for _, p in ipairs(problems) do
    if p:find(text, 1, true) then return true end
  end
  return false
end

local function temp_dir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. h.shell_quote(dir)))
  return dir
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

describe("bk-sops' gateway resources", function()
  it("have a fixture for each branch, its header naming the branch, a 40-hex commit and bk-sops' path", function()
    for _, b in ipairs(KNOWN) do
      assert.is_truthy(h.read(upstream.FIXTURES .. "/" .. b .. ".lua"), b)
    end
    for _, b in ipairs(BRANCHES) do
      local path = upstream.FIXTURES .. "/" .. b .. ".lua"
      local text = h.read(path)
      local first = text:match("^([^\n]*)")
      local branch, commit = first:match("on branch ([%w_.%-]+), commit (%x+),$")
      assert.equal(b, branch, path)
      assert.equal(40, #commit, path)
      assert.matches("read from " .. upstream.RESOURCE_FILE, text, 1, true)
      local fx = fixture(b)
      assert.equal(b, fx.branch)
      assert.equal(commit, fx.commit)
      assert.equal(upstream.RESOURCE_FILE, fx.source)
      assert.is_true(#fx.resources > 50, b)
      -- made by the script, sorted: rendered again, the same text
      assert.equal(text, upstream.render(fx), path)
      for i = 2, #fx.resources do
        assert.is_true(fx.resources[i - 1].name < fx.resources[i].name, fx.resources[i].name)
      end
    end
    -- the multi-tenant branch declares the app-state twins, under /system/
    local twins = 0
    for _, r in ipairs(fixture("dev_multi_tenant").resources) do
      if r.system then
        twins = twins + 1
        assert.matches("^/system/", r.path)
        assert.matches("^system_", r.name)
      end
    end
    assert.is_true(twins > 0)
  end)

  for _, b in ipairs(BRANCHES) do
    it("on " .. b .. " are all in the endpoint table, with their methods, path shapes and fields", function()
      assert.same({}, of_branch(upstream.check({fixture(b)}, api.ENDPOINTS, ALLOW), b))
    end)
  end

  it("and the table agree across the branches: twins, declared = false, the allowances still needed", function()
    assert.same({}, upstream.check(fixtures(), api.ENDPOINTS, ALLOW))
  end)

  it("name a call's project by {project_id} or {bk_biz_id}: the same URL shape", function()
    local e = api.BY_NAME.get_task_operate_record
    local master = find(fixture("master"), "get_task_operate_record")
    local mt = find(fixture("dev_multi_tenant"), "get_task_operate_record")
    assert.equal("/get_task_operate_record/{task_id}/{bk_biz_id}/", master.path)
    assert.equal("/get_task_operate_record/{task_id}/{project_id}/", mt.path)
    assert.equal(upstream.normal_path(e.path), upstream.normal_path(master.path))
    assert.equal(upstream.normal_path(e.path), upstream.normal_path(mt.path))
    -- another shape is not: the parameters the other way round
    local fx = fixture("master")
    local r = find(fx, "get_task_operate_record")
    r.path, r.path_params = "/get_task_operate_record/{project_id}/{task_id}/", {"project_id", "task_id"}
    assert.is_true(reports(upstream.check({fx}, api.ENDPOINTS),
      "master: get_task_operate_record is at /get_task_operate_record/{project_id}/{task_id}/, the table says"))
  end)

  describe("are checked by a check that fails", function()
    it("on a resource the table lacks, and on one it leaves out on purpose only when it is gone", function()
      local fx = fixture("master")
      local fake = copy(find(fx, "get_task_status"))
      fake.name, fake.path = "get_task_future", "/get_task_future/{task_id}/{bk_biz_id}/"
      table.insert(fx.resources, fake)
      local problems = upstream.check({fx}, api.ENDPOINTS)
      assert.same({"master: get_task_future GET /get_task_future/{task_id}/{bk_biz_id}/ is not in the endpoint table"},
        of_branch(problems, "master"))
      assert.same({}, of_branch(upstream.check({fx}, api.ENDPOINTS, {omitted = {get_task_future = "spec"}}),
        "master"))
      -- an omission no branch has any more
      assert.is_true(reports(upstream.check(fixtures(), api.ENDPOINTS, {omitted = {get_task_future = "spec"}}),
        "omitted get_task_future: no branch has it"))
    end)

    it("on a field the table's entry lacks, and on a known gap only when it is closed", function()
      local fx = fixture("dev_multi_tenant")
      local r = find(fx, "system_get_task_status")
      r.fields.with_future = "query"
      local problems = of_branch(upstream.check({fx}, api.ENDPOINTS), "dev_multi_tenant")
      assert.same({"dev_multi_tenant: system_get_task_status declares with_future (query), not in the table's fields"},
        problems)
      -- a path parameter too
      fx = fixture("master")
      r = find(fx, "get_task_detail")
      r.path = "/get_task_detail/{task_id}/{bk_biz_id}/{node}/"
      r.path_params[#r.path_params + 1] = "node"
      problems = of_branch(upstream.check({fx}, api.ENDPOINTS), "master")
      assert.is_true(reports(problems, "master: get_task_detail declares node (path), not in the table's fields"))
      -- scope and the project's id are no field of their own on a call of a project, but on one outside
      fx = fixture("master")
      find(fx, "get_common_template_list").fields.scope = "query"
      find(fx, "get_task_status").fields.scope = "query"
      problems = of_branch(upstream.check({fx}, api.ENDPOINTS), "master")
      assert.same({"master: get_common_template_list declares scope (query), not in the table's fields"}, problems)
      -- a known gap silences it; once the table has the field, the gap is reported as stale
      local gaps = {["master get_common_template_list scope"] = "spec"}
      assert.same({}, of_branch(upstream.check({fx}, api.ENDPOINTS, {gaps = gaps}), "master"))
      assert.is_true(reports(upstream.check(fixtures(), api.ENDPOINTS, {gaps = gaps}),
        "known gap master get_common_template_list scope: no longer missing"))
    end)

    it("on a method or a path that differs", function()
      local fx = fixture("release_humming_bird")
      find(fx, "get_task_status").method = "POST"
      find(fx, "create_task").path = "/create_task/{bk_biz_id}/{template_id}/"
      local problems = of_branch(upstream.check({fx}, api.ENDPOINTS), "release_humming_bird")
      assert.same({
        "release_humming_bird: create_task is at /create_task/{bk_biz_id}/{template_id}/, the table says "
          .. "/create_task/{template_id}/{bk_biz_id}/",
        "release_humming_bird: get_task_status is POST, the table says GET",
      }, problems)
    end)

    it("on a twin of a call without system = true, and on system = true without a twin", function()
      -- create_and_start_task has no twin upstream, and no system = true here
      local fx = fixture("dev_multi_tenant")
      local twin = copy(find(fx, "create_and_start_task"))
      twin.name, twin.path, twin.system = "system_create_and_start_task",
        "/system" .. twin.path, true
      table.insert(fx.resources, twin)
      local problems = upstream.check({fx}, api.ENDPOINTS)
      assert.is_true(reports(problems,
        "dev_multi_tenant: create_and_start_task has a twin system_create_and_start_task, but no system = true"))
      -- the twin of get_task_status gone
      fx = fixture("dev_multi_tenant")
      local _, i = find(fx, "system_get_task_status")
      table.remove(fx.resources, i)
      problems = upstream.check({fixture("release_humming_bird"), fixture("master"), fx}, api.ENDPOINTS, ALLOW)
      assert.same({"get_task_status has system = true, but no branch has system_get_task_status"}, problems)
    end)

    it("on an entry no branch declares, unless it has declared = false", function()
      local endpoints = copy(api.ENDPOINTS)
      endpoints[#endpoints + 1] = {name = "get_nowhere", method = "GET", path = "/get_nowhere/{bk_biz_id}/",
        fields = {}}
      assert.same({"get_nowhere is on no branch (declared = false if bk-sops does not declare it)"},
        upstream.check(fixtures(), endpoints, ALLOW))
      endpoints[#endpoints].declared = false
      assert.same({}, upstream.check(fixtures(), endpoints, ALLOW))
      -- and declared = false on a call a branch declares
      for _, e in ipairs(endpoints) do
        if e.name == "get_task_status" then e.declared = false end
      end
      assert.same({"get_task_status has declared = false, but a branch declares it"},
        upstream.check(fixtures(), endpoints, ALLOW))
    end)
  end)
end)

-- The resources of a small swagger 2.0 file, in the shapes bk-sops writes
-- (a sequence at its key's indentation, "- key: value" items, quoted keys,
-- plain scalars over several lines, empty {} and [])
local SWAGGER = [[
swagger: '2.0'
basePath: /
info:
  version: '0.1'
  title: API Gateway Resources
  description: ''
schemes:
- http
paths:
  /get_thing/{thing_id}/{project_id}/:
    get:
      operationId: get_thing
      description: 获取 thing
      tags:
      - 通用接口
      parameters:
      - name: thing_id
        in: path
        required: true
        type: string
      - name: with_detail
        in: query
        required: false
        type: boolean
        description: a description that goes on
          over a second line, with a colon: here
      responses:
        '200':
          schema:
            type: object
            properties:
                  code:
                    type: integer
      x-bk-apigateway-resource:
        isPublic: true
        allowApplyPermission: false
        matchSubpath: false
        backend:
          type: HTTP
          method: get
          path: /{env.api_sub_path}apigw/get_thing/{thing_id}/{project_id}/
          upstreams: {}
          transformHeaders: { }
        authConfig:
          userVerifiedRequired: true
          appVerifiedRequired: false
        disabledStages: [ ]
  /set_thing/{project_id}/:
    post:
      operationId: set_thing
      parameters:
      - in: body
        name: body
        schema:
          type: object
          required:
          - name
          properties:
            name:
              type: string
            "it's":
              type: string
              description: 'quoted, with '' inside'
      x-bk-apigateway-resource:
        isPublic: false
        authConfig:
          userVerifiedRequired: false
]]

-- An OpenAPI 3 file: parameters with schemas, a request body, a parameter
-- shared by the path's methods, a /system/ twin
local OPENAPI = [[
openapi: 3.0.1
servers:
- url: /
info:
  version: '0.1'
  title: API Gateway Resources
paths:
  /get_thing/{thing_id}/{bk_biz_id}/:
    parameters:
    - in: header
      name: X-Tenant
      schema:
        type: string
    get:
      operationId: get_thing
      tags:
        - 通用接口
      parameters:
      - in: path
        name: thing_id
        schema:
          type: string
        required: true
      - name: scope
        in: query
        schema:
          type: string
          default: "cmdb_biz"
          enum:
          - "cmdb_biz"
          - "project"
      x-bk-apigateway-resource:
        isPublic: true
        allowApplyPermission: true
        authConfig:
          userVerifiedRequired: true
  /system/set_thing/{project_id}/:
    post:
      operationId: system_set_thing
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required:
              - name
              properties:
                name:
                  type: string
                things:
                  type: array
                  items:
                    oneOf:
                    - type: string
                    - type: integer
      x-bk-apigateway-resource:
        isPublic: false
        allowApplyPermission: false
]]

local COMMIT = string.rep("ab12", 10)

describe("tools/upstream.lua", function()
  local dir
  before_each(function() dir = temp_dir() end)
  after_each(function() os.execute("rm -rf " .. h.shell_quote(dir)) end)

  -- runs the script on the Lua under test: stdout, stderr, exit code
  local function script(...)
    local words = {}
    for i, w in ipairs({...}) do words[i] = h.shell_quote(w) end
    return h.run("LUA_PATH='./lua/?.lua;./?.lua;;' " .. h.LUA .. " tools/upstream.lua " .. table.concat(words, " "))
  end

  it("extracts a swagger 2.0 file's resources: path parameters apart, query and body fields", function()
    write(dir .. "/swagger.yml", SWAGGER)
    local out, err, code = script(dir .. "/swagger.yml", "sample", COMMIT, "--out", dir)
    assert.equal(0, code, err)
    assert.matches(dir .. "/sample.lua: sample at " .. COMMIT .. ", 2 resources (0 system twins), swagger 2.0", out, 1,
      true)
    assert.matches("(no previous fixture)", out, 1, true)
    local fx = assert(upstream.load_fixture(dir .. "/sample.lua"))
    assert.equal("sample", fx.branch)
    assert.equal(COMMIT, fx.commit)
    assert.equal("swagger 2.0", fx.format)
    assert.matches("^%-%- bk%-sops' API gateway resources on branch sample, commit " .. COMMIT .. ",\n",
      h.read(dir .. "/sample.lua"))
    assert.same({
      {name = "get_thing", method = "GET", path = "/get_thing/{thing_id}/{project_id}/",
        path_params = {"thing_id", "project_id"}, fields = {with_detail = "query"}, required = {},
        auth = {userVerifiedRequired = true, appVerifiedRequired = false}, public = true, allow_apply = false,
        backend = "GET /{env.api_sub_path}apigw/get_thing/{thing_id}/{project_id}/"},
      {name = "set_thing", method = "POST", path = "/set_thing/{project_id}/", path_params = {"project_id"},
        fields = {name = "body", ["it's"] = "body"}, required = {"name"}, auth = {userVerifiedRequired = false},
        public = false},
    }, fx.resources)
    -- the scalars as YAML reads them
    local doc = upstream.parse_yaml(SWAGGER)
    local p = doc.paths["/get_thing/{thing_id}/{project_id}/"].get.parameters[2]
    assert.equal("a description that goes on over a second line, with a colon: here", p.description)
    assert.equal(false, p.required)
    assert.equal("0.1", doc.info.version)
    assert.equal("", doc.info.description)
    assert.same({"http"}, doc.schemes)
    assert.equal("quoted, with ' inside",
      doc.paths["/set_thing/{project_id}/"].post.parameters[1].schema.properties["it's"].description)
    assert.is_table(doc.paths["/get_thing/{thing_id}/{project_id}/"].get.responses["200"])
  end)

  it("extracts an OpenAPI 3 file's, a /system/ twin's too, from a bk-sops checkout", function()
    local file = dir .. "/bk-sops/" .. upstream.RESOURCE_FILE
    assert(os.execute("mkdir -p " .. h.shell_quote(file:match("^(.*)/")) .. " " .. h.shell_quote(dir .. "/out")))
    write(file, OPENAPI)
    local out, err, code = script(dir .. "/bk-sops", "sample", COMMIT, "--out", dir .. "/out")
    assert.equal(0, code, err)
    assert.matches("2 resources (1 system twins), openapi 3.0.1", out, 1, true)
    local fx = assert(upstream.load_fixture(dir .. "/out/sample.lua"))
    assert.same({
      {name = "get_thing", method = "GET", path = "/get_thing/{thing_id}/{bk_biz_id}/",
        path_params = {"thing_id", "bk_biz_id"}, fields = {["X-Tenant"] = "header", scope = "query"},
        required = {}, auth = {userVerifiedRequired = true}, public = true, allow_apply = true},
      {name = "system_set_thing", method = "POST", path = "/system/set_thing/{project_id}/", system = true,
        path_params = {"project_id"}, fields = {name = "body", things = "body"}, required = {"name"},
        public = false, allow_apply = false},
    }, fx.resources)
    -- run again on a changed file: what changed since the fixture
    write(file, (OPENAPI:gsub("                things:\n", "                other:\n")
      :gsub("operationId: get_thing", "operationId: get_thing_v2"):gsub("    post:", "    get:")))
    out, err, code = script(dir .. "/bk-sops", "sample", COMMIT, "--out", dir .. "/out")
    assert.equal(0, code, err)
    assert.matches("+ resource get_thing_v2: GET /get_thing/{thing_id}/{bk_biz_id}/\n"
      .. "- resource get_thing: GET /get_thing/{thing_id}/{bk_biz_id}/\n"
      .. "~ system_set_thing: method POST -> GET\n"
      .. "+ field system_set_thing.other (body)\n"
      .. "- field system_set_thing.things (body)\n", out, 1, true)
    -- the same file again: no change
    out = script(dir .. "/bk-sops", "sample", COMMIT, "--out", dir .. "/out")
    assert.matches("no change in the resources", out, 1, true)
  end)

  it("says what it needs, and where a file leaves the YAML it reads", function()
    write(dir .. "/a.yml", SWAGGER)
    local _, err, code = script(dir .. "/a.yml", "sample", "abc", "--out", dir)
    assert.equal(1, code)
    assert.matches("a commit (40 hex digits) expected", err, 1, true)
    _, err, code = script(dir .. "/a.yml", "../x", COMMIT, "--out", dir)
    assert.equal(1, code)
    assert.matches("a branch name", err, 1, true)
    _, err, code = script(dir .. "/a.yml")
    assert.equal(2, code)
    assert.matches("usage:", err, 1, true)
    for text, want in pairs({
      ["a: &x 1\n"] = "line 1: anchors, aliases and tags are not supported",
      ["a:\n  b: |\n    text\n"] = "line 2: block scalars are not supported",
      ["a: {b: 1}\n"] = "line 1: flow collections are not supported",
      ["a: 1\na: 2\n"] = "line 2: key 'a' twice",
      ["a:\n  b: 1\n c: 2\n"] = "line 3: bad indentation",
      ["a: 'open\n  quote'\n"] = "line 1: quoted scalars over several lines are not supported",
    }) do
      local ok, msg = pcall(upstream.parse_yaml, text)
      assert.is_false(ok, text)
      assert.equal(want, msg, text)
    end
    write(dir .. "/b.yml", "a:\n  - b: |\n      x\n")
    _, err, code = script(dir .. "/b.yml", "sample", COMMIT, "--out", dir)
    assert.equal(1, code)
    assert.matches(dir .. "/b.yml: line 2: block scalars are not supported", err, 1, true)
    write(dir .. "/c.yml", "openapi: 3.0.1\ninfo:\n  title: x\n")
    _, err, code = script(dir .. "/c.yml", "sample", COMMIT, "--out", dir)
    assert.equal(1, code)
    assert.matches("no `paths` mapping", err, 1, true)
  end)
end)
