-- The C core's JSON decoder and encoder: the JSONTestSuite corpus, integer
-- and null fidelity, limits.
local h = require "helpers"
local sops = require "sops"
local cjson = require "cjson"

local SUITE = "spec/jsontestsuite/test_parsing/"
local FIXTURES = "spec/fixtures/"
-- the corpus as committed: a spec that generates its cases from a folder
-- fails when the folder is not all there, instead of generating none
local SUITE_SIZE = 318

local read = h.read

local function suite_files()
  local p = assert(io.popen("ls " .. SUITE .. " 2>/dev/null"))
  local list = {}
  for name in p:lines() do list[#list + 1] = name end
  p:close()
  if #list ~= SUITE_SIZE then
    error(string.format("JSONTestSuite corpus: %d files in %s, %d expected", #list, SUITE, SUITE_SIZE))
  end
  return list
end

describe("sops.decode", function()
  describe("JSONTestSuite", function()
    local files = suite_files()
    it("has the whole corpus", function()
      assert.equal(SUITE_SIZE, #files)
    end)
    for _, name in ipairs(files) do
      local kind = name:sub(1, 1)
      if kind == "y" then
        it("accepts " .. name, function()
          local v, err = sops.decode(read(SUITE .. name))
          assert.is_nil(err)
          assert.is_not_nil(v)
        end)
      elseif kind == "n" then
        it("rejects " .. name, function()
          local v, err = sops.decode(read(SUITE .. name))
          assert.is_nil(v)
          assert.is_string(err)
        end)
      else
        it("survives " .. name, function()
          local ok = pcall(sops.decode, read(SUITE .. name))
          assert.is_true(ok)
        end)
      end
    end
  end)

  it("gives integers as integers", function()
    local v = sops.decode('{"a": 10, "b": -3, "c": 1.5, "d": 1e2}')
    assert.is_true(h.is_integer(v.a))
    assert.equal(10, v.a)
    assert.equal(-3, v.b)
    assert.equal(1.5, v.c)
    assert.equal(100, v.d)
  end)

  -- Lua 5.3+ has 64-bit integers; 5.1 and LuaJIT have doubles only
  if math.type then -- luacheck: ignore 143
    it("gives other numbers as floats, and the whole 64-bit integer range", function()
      local mt = math.type -- luacheck: ignore 143
      local v = sops.decode('{"c": 1.5, "d": 1e2, "e": 9223372036854775807, "f": 9223372036854775808}')
      assert.equal("float", mt(v.c))
      assert.equal("float", mt(v.d))
      assert.equal(100.0, v.d)
      assert.equal(math.maxinteger, v.e) -- luacheck: ignore 143
      assert.equal("float", mt(v.f))
      assert.equal(math.mininteger, sops.decode("-9223372036854775808")) -- luacheck: ignore 143
    end)
  else
    pending("gives other numbers as floats, and the whole 64-bit integer range (skipped: " .. _VERSION
      .. " has no integer type)")
  end

  it("gives null as sops.null, the same value as cjson.null", function()
    local v = sops.decode('{"finish_time": null, "list": [null, 1]}')
    assert.equal(sops.null, v.finish_time)
    assert.equal(cjson.null, v.finish_time)
    assert.equal(sops.null, v.list[1])
    assert.equal(1, v.list[2])
  end)

  it("keeps keys as sent", function()
    local v = sops.decode('{"root_id:": "n1", "": 1, "a\\u0000b": 2}')
    assert.equal("n1", v["root_id:"])
    assert.equal(1, v[""])
    assert.equal(2, v["a\0b"])
  end)

  it("decodes escapes and surrogate pairs to UTF-8", function()
    assert.equal('q"\\/\b\f\n\r\t', sops.decode('"q\\"\\\\\\/\\b\\f\\n\\r\\t"'))
    assert.equal("é€𝄞", sops.decode('"\\u00e9\\u20ac\\ud834\\udd1e"'))
    assert.equal("节点", sops.decode('"节点"'))
  end)

  it("refuses nesting deeper than the limit, and accepts it up to there", function()
    assert.is_table(sops.decode(string.rep("[", 1000) .. string.rep("]", 1000)))
    local v, err = sops.decode(string.rep("[", 1001) .. string.rep("]", 1001))
    assert.is_nil(v)
    assert.matches("nesting too deep", err)
    v, err = sops.decode(string.rep('{"a":', 100000))
    assert.is_nil(v)
    assert.matches("nesting too deep", err)
  end)

  it("builds large objects and arrays whole, the last duplicate key winning", function()
    local parts, items = {}, {}
    for i = 1, 300 do
      parts[#parts + 1] = string.format('"k%d": %d', i, i)
      items[i] = tostring(i)
    end
    -- duplicates inside the first 64 members, and past them
    parts[#parts + 1] = '"k1": "again"'
    parts[#parts + 1] = '"k200": "again"'
    local obj = sops.decode("{" .. table.concat(parts, ",") .. "}")
    local count = 0
    for _ in pairs(obj) do count = count + 1 end
    assert.equal(300, count)
    assert.equal("again", obj.k1)
    assert.equal("again", obj.k200)
    assert.equal(64, obj.k64)
    assert.equal(65, obj.k65)
    assert.equal(300, obj.k300)
    local arr = sops.decode("[" .. table.concat(items, ",") .. "]")
    assert.equal(300, #arr)
    for i = 1, 300 do assert.equal(i, arr[i]) end
    local small = sops.decode('{"a": 1, "a": 2, "b": [1, 2, 3]}')
    assert.equal(2, small.a)
    assert.same({1, 2, 3}, small.b)
    -- nested containers inside a long array keep their place
    local nested = sops.decode("[" .. string.rep('{"x": [1]},', 99) .. '{"x": [2]}]')
    assert.equal(100, #nested)
    assert.equal(2, nested[100].x[1])
  end)

  it("says where the error is", function()
    local v, err = sops.decode('{"a": tru}')
    assert.is_nil(v)
    assert.equal("invalid literal at byte 7", err)
    v, err = sops.decode('{"a": 1} x')
    assert.is_nil(v)
    assert.equal("trailing data after JSON value at byte 10", err)
    v, err = sops.decode("")
    assert.is_nil(v)
    assert.matches("empty body", err)
  end)

  it("survives 3,000 seeded mutations of the fixtures, and still decodes after", function()
    local dir = FIXTURES
    local texts = {}
    for _, name in ipairs({"get_task_status_subprocess_v2.json", "get_tasks_status.json",
        "operate_node_retry_not_failed_v2.json", "create_task_success.json"}) do
      texts[#texts + 1] = read(dir .. name)
    end
    local seed = 20261123
    local function rand(n) -- a small LCG, so every run mutates the same way
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n + 1
    end
    local bytes = {"\0", "\\", '"', "{", "}", "[", "]", ",", ":", "-", "e", "\255", "\\u", "\\ud800", " "}
    local decoded, refused = 0, 0
    for _ = 1, 3000 do
      local s = texts[rand(#texts)]
      for _ = 1, rand(4) do
        local at = rand(#s)
        local kind = rand(3)
        if kind == 1 then
          s = s:sub(1, at - 1) .. s:sub(at + 1) -- drop a byte
        elseif kind == 2 then
          s = s:sub(1, at - 1) .. bytes[rand(#bytes)] .. s:sub(at) -- insert one
        else
          s = s:sub(1, at) -- cut the end off
        end
      end
      local v, err = sops.decode(s)
      if v ~= nil then decoded = decoded + 1 else refused = refused + 1 end
      assert.is_true(v ~= nil or type(err) == "string")
    end
    assert.is_true(decoded > 0 and refused > 0)
    -- nothing broken for the next decode
    assert.equal("NODE_SUSPENDED", sops.decode(texts[1]).data.state)
  end)

  it("decodes the fixtures", function()
    local dir = FIXTURES
    local v = sops.decode(read(dir .. "get_task_status_failed_v2_with_ex_data.json"))
    assert.equal("FAILED", v.data.state)
    assert.equal(sops.null, v.data.finish_time)
    assert.is_true(h.is_integer(v.data.elapsed_time))
    assert.equal("n3f2c9a1b7e4d4f0a8c6b5e2d1f0a9b8", v.data["root_id:"])
    local created = sops.decode(read(dir .. "get_task_status_created.json"))
    assert.equal(0, created.data.skip)
    assert.is_true(h.is_integer(created.data.skip))
  end)
end)

describe("the decoder's string cache", function()
  local core = require "sops.core"

  -- a and b equal all the way down: integers as integers, the same
  -- metatables (empty arrays marked as such)
  local function same(a, b, path)
    path = path or "value"
    if type(a) ~= type(b) then return false, path .. ": " .. type(a) .. " vs " .. type(b) end
    if type(a) == "number" and h.is_integer(a) ~= h.is_integer(b) then return false, path .. ": integer vs float" end
    if type(a) ~= "table" then
      if a == b then return true end
      return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b)
    end
    if getmetatable(a) ~= getmetatable(b) then return false, path .. ": metatables differ" end
    for k, v in pairs(a) do
      local ok, where = same(v, b[k], path .. "." .. tostring(k))
      if not ok then return false, where end
    end
    for k in pairs(b) do
      if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing" end
    end
    return true
  end

  -- decoded without the cache, then twice with it (the second time from
  -- it): all three the same, or all three refused with the same message
  local function check(text)
    local plain, err = core.decode(text, {cache = false})
    local first, err1 = core.decode(text)
    local again, err2 = core.decode(text)
    assert.equal(err, err1)
    assert.equal(err, err2)
    local ok, where = same(plain, first)
    assert(ok, where)
    ok, where = same(plain, again)
    assert(ok, where)
    return plain, err
  end

  it("gives what a decode without it gives, the first time and the next: fixtures and the JSONTestSuite", function()
    local p = assert(io.popen("ls " .. FIXTURES .. "*.json " .. SUITE .. "*.json"))
    local n = 0
    for name in p:lines() do
      check(read(name))
      n = n + 1
    end
    p:close()
    assert.is_true(n > SUITE_SIZE)
  end)

  it("is left alone by a decode with cache = false, and max_depth goes in the same options", function()
    core.decode_cache("clear")
    local before = core.decode_cache()
    assert.same({a = {"b"}}, core.decode('{"a": ["b"]}', {cache = false}))
    local after = core.decode_cache()
    assert.equal(before.hits, after.hits)
    assert.equal(before.misses, after.misses)
    assert.equal(before.used, after.used)
    local v, err = core.decode("[[[1]]]", {max_depth = 2, cache = false})
    assert.is_nil(v)
    assert.matches("nesting too deep", err)
    assert.same({{{1}}}, core.decode("[[[1]]]", {max_depth = 3}))
    assert.same({{{1}}}, core.decode("[[[1]]]", 3))
    assert.has_error(function() core.decode("[]", {max_depth = "x"}) end)
    assert.has_error(function() core.decode("[]", {max_depth = 0}) end)
  end)

  it("keeps strings of every length right: short, at the limit, past it, with escapes, at the end of the text", function()
    local max = core.decode_cache().max_len
    assert.equal(40, max)
    local chars = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    local strings = {}
    for len = 0, 2 * max + 3 do
      -- the same first and last bytes and length, one byte apart in the
      -- middle; one a byte shorter or longer
      for variant = 1, 3 do
        local s = {}
        for i = 1, len do s[i] = chars:sub((i * 7 + variant) % #chars + 1, (i * 7 + variant) % #chars + 1) end
        if len > 2 then s[1], s[len] = "x", "y" end
        strings[#strings + 1] = table.concat(s)
      end
    end
    local quoted = {}
    for i, s in ipairs(strings) do quoted[i] = '"' .. s .. '"' end
    for _ = 1, 2 do
      local list = check("[" .. table.concat(quoted, ",") .. "]")
      for i, s in ipairs(strings) do assert.equal(s, list[i]) end
      -- each string alone as a whole text (its last bytes are the text's)
      -- and as an object's key
      for _, s in ipairs(strings) do
        assert.equal(s, check('"' .. s .. '"'))
        assert.equal(1, check('{"' .. s .. '":1}')[s])
      end
    end
    -- escapes anywhere, cached strings around them
    local escaped = {
      ['"a\\"b"'] = 'a"b', ['"\\n"'] = "\n", ['"state\\u0041"'] = "stateA", ['"\\u00e9t\\u00e9"'] = "\195\169t\195\169",
      ['"' .. string.rep("x", 39) .. '\\t"'] = string.rep("x", 39) .. "\t",
      ['"' .. string.rep("x", 50) .. '\\/"'] = string.rep("x", 50) .. "/",
    }
    for text, want in pairs(escaped) do
      assert.equal(want, check(text))
      assert.same({state = want, [want] = "state"}, check('{"state":' .. text .. ',' .. text .. ':"state"}'))
    end
    -- what stops a string: a control character or the end, at every place in a word
    for len = 0, 17 do
      local s = string.rep("k", len)
      assert.is_nil((check('["' .. s .. '\1", 1]')))
      assert.is_nil((check('["' .. s)))
      assert.is_nil((check('["' .. s .. '\0"]')))
    end
  end)

  it("keeps containers right whatever sizes came at the same depth before", function()
    local function obj(n, tag)
      local parts = {}
      for i = 1, n do parts[i] = string.format('"%s%d": %d', tag, i, i) end
      return "{" .. table.concat(parts, ",") .. "}"
    end
    local function arr(n)
      local parts = {}
      for i = 1, n do parts[i] = tostring(i) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local sizes = {14, 1, 14, 60, 64, 65, 2, 200, 3, 0, 14, 64, 1}
    for _, n in ipairs(sizes) do
      local o, a = check(obj(n, "k")), check(arr(n))
      local count = 0
      for _ in pairs(o) do count = count + 1 end
      assert.equal(n, count)
      assert.equal(n, #a)
      check("[" .. obj(n, "a") .. "," .. arr(n) .. "," .. obj(n + 1, "b") .. ",[" .. arr(n) .. "]]")
    end
    -- duplicate keys in a table made at its size at once: the last wins
    check('{"a":1,"b":2}')
    assert.same({a = 2}, check('{"a":1,"a":2}'))
    assert.same({a = 3, b = 2}, check('{"a":1,"b":2,"a":3}'))
  end)

  it("stays bounded: 100,000 distinct strings decode right, it grows to its largest, and their memory comes back",
      function()
    local function round(from)
      for chunk = 0, 99 do
        local parts = {}
        for i = 1, 1000 do parts[i] = string.format('"s-%d-%d"', from, chunk * 1000 + i) end
        local list = core.decode("[" .. table.concat(parts, ",") .. "]")
        assert.equal(1000, #list)
        for i = 1, 1000, 111 do assert.equal(string.format("s-%d-%d", from, chunk * 1000 + i), list[i]) end
      end
      collectgarbage("collect")
      collectgarbage("collect")
      return collectgarbage("count")
    end
    -- none until a decode makes one, small at first
    core.decode_cache("clear")
    assert.same({slots = 0, used = 0, hits = 0, misses = 0, max_len = 40}, core.decode_cache())
    collectgarbage("collect")
    collectgarbage("collect")
    local start = collectgarbage("count")
    assert.same({"a"}, core.decode('["a"]'))
    local first = core.decode_cache()
    assert.is_true(first.slots > 0 and first.used > 0 and first.used <= first.slots)
    local once = round(1)
    local stats = core.decode_cache()
    assert.is_true(stats.slots > first.slots and stats.used <= stats.slots)
    local twice = round(2)
    local again = core.decode_cache()
    assert.equal(stats.slots, again.slots) -- its largest
    -- at most what full slots hold (a short string, its slot and its table
    -- entry each); and no more for the next 100,000
    assert.is_true(once - start < stats.slots * 0.125, string.format("%.0f KB more", once - start))
    assert.is_true(twice - once < 64, string.format("%.0f KB more again", twice - once))
    -- dropped, the cache lets its strings go (what stays is Lua's own
    -- string table, grown for them, which shrinks a step a collection)
    core.decode_cache("clear")
    collectgarbage("collect")
    collectgarbage("collect")
    local left = collectgarbage("count") - start
    assert.is_true(left < 256, string.format("%.0f KB left", left))
  end)

  it("keeps decoding right when finalizers decode, and drop the cache, in the middle of a decode", function()
    local parts = {}
    for i = 1, 3000 do parts[i] = string.format('{"id": "n%d", "state": "S%d", "k%d": [%d, "v%d"]}', i, i % 7, i % 50, i, i) end
    local text = "[" .. table.concat(parts, ",") .. "]"
    local ran = 0
    local function finalized(fn)
      if newproxy then -- luacheck: ignore 113 (Lua 5.1 and LuaJIT: a userdata's __gc)
        local p = newproxy(true) -- luacheck: ignore 113
        getmetatable(p).__gc = fn
      else
        setmetatable({}, {__gc = fn})
      end
    end
    for round = 1, 10 do
      for i = 1, 200 do
        finalized(function()
          ran = ran + 1
          assert(core.decode(string.format('{"id": "n%d", "x%d": ["w%d", {"state": "S%d"}]}', i, i % 13, i, i % 7)))
          if (i + round) % 37 == 0 then core.decode_cache("clear") end
        end)
      end
      local list = check(text)
      assert.equal(3000, #list)
      assert.equal("n3000", list[3000].id)
    end
    collectgarbage("collect")
    assert.is_true(ran > 0)
  end)

  it("is one for the Lua state: a client's answers (as the cosocket transport hands them over) and sops.decode share it",
      function()
    -- no server: core.answer decodes an answer as it came, as libcurl's are
    -- (spec 27 has a call over libcurl share it too)
    local c = sops.new{url = "http://127.0.0.1:9/prod", app_code = "app", app_secret = "secret", username = "admin",
      bk_biz_id = 2}
    finally(function() c:close() end)
    local name = "cache-shared-" .. tostring(os.time())
    core.decode_cache("clear")
    local value = core.answer(c, "get_task_status", {status = 200, sent = true,
      body = '{"result":true,"code":0,"data":{"state":"RUNNING","name":"' .. name .. '"}}'})
    assert.equal(name, value.name)
    local s1 = core.decode_cache()
    assert.is_true(s1.slots > 0 and s1.hits > 0 and s1.misses > 0)
    -- the name the client's answer brought is a hit for sops.decode
    assert.equal(name, sops.decode('["' .. name .. '", 1]')[1])
    local s2 = core.decode_cache()
    assert.equal(s1.misses, s2.misses)
    assert.equal(s1.hits + 1, s2.hits)
    -- and sops.decode's strings are hits for the client
    local other = "cache-shared-other-" .. tostring(os.time())
    sops.decode('["' .. other .. '", 1]')
    local s3 = core.decode_cache()
    value = core.answer(c, "get_task_status", {status = 200, sent = true,
      body = '{"result":true,"code":0,"data":{"state":"RUNNING","name":"' .. other .. '"}}'})
    assert.equal(other, value.name)
    local s4 = core.decode_cache()
    assert.equal(s3.misses, s4.misses)
    assert.equal(s3.hits + 7, s4.hits) -- result, code, data, state, RUNNING, name, other
  end)
end)

-- Whether s is well-formed UTF-8 (no overlong forms, no surrogates, nothing
-- past U+10FFFF): what a JSON text must be. (Lua 5.1 has no utf8 library.)
local function utf8_valid(s)
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    local k, cp, min
    if c < 0x80 then k, cp, min = 0, c, 0
    elseif c >= 0xC2 and c <= 0xDF then k, cp, min = 1, c - 0xC0, 0x80
    elseif c >= 0xE0 and c <= 0xEF then k, cp, min = 2, c - 0xE0, 0x800
    elseif c >= 0xF0 and c <= 0xF4 then k, cp, min = 3, c - 0xF0, 0x10000
    else return false end
    for j = i + 1, i + k do
      local b = s:byte(j)
      if not b or b < 0x80 or b > 0xBF then return false end
      cp = cp * 64 + (b - 0x80)
    end
    if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return false end
    i = i + k + 1
  end
  return true
end

describe("lone surrogates (a \\uD800..\\uDFFF escape without its other half)", function()
  local HIGH, LOW = "\237\160\128", "\237\176\128" -- U+D800, U+DC00 in their 3-byte form (WTF-8)

  local SORTED = {order_key = "__order"} -- (objects' keys sorted: one text per value)

  -- encode(v) decodes to v again, and what that gives encodes to the same text
  local function encodes_back(v, what)
    local ok, out = pcall(sops.encode, v)
    assert.is_true(ok, what .. ": " .. tostring(out))
    local again = sops.decode(out)
    assert.same(v, again, what)
    assert.equal(sops.encode(v, SORTED), sops.encode(again, SORTED), what)
    return out
  end

  -- decode(x) gives `want`, which encodes back (as `text`, when given)
  local function round_trip(x, want, text)
    local v, err = sops.decode(x)
    assert.is_nil(err, x)
    assert.same(want, v, x)
    local out = encodes_back(v, x)
    if text then assert.equal(text, out, x) end
  end

  it("decode to their 3-byte form, which encode writes back as the escape", function()
    round_trip('"\\ud800"', HIGH, '"\\ud800"')                          -- lone high
    round_trip('"\\uDC00"', LOW, '"\\udc00"')                           -- lone low, either hex case
    round_trip('"\\udc00\\ud800"', LOW .. HIGH, '"\\udc00\\ud800"')         -- a pair reversed
    round_trip('"\\ud800\\u0041"', HIGH .. "A", '"\\ud800A"')               -- high, then another escape
    round_trip('"\\ud800\\n\\ud800\\\\u"', HIGH .. "\n" .. HIGH .. "\\u", '"\\ud800\\n\\ud800\\\\u"')
    round_trip('"x\\udbff"', "x\237\175\191", '"x\\udbff"')              -- high at the end
    round_trip('"\\udfff\\ud7ff\\ue000"', "\237\191\191\237\159\191\238\128\128", '"\\udfff\237\159\191\238\128\128"')
    round_trip('"\\ud800\\ud800\\udc00"', HIGH .. "\240\144\128\128", '"\\ud800\240\144\128\128"')
    round_trip('{"k\\ud800": ["\\udc00", {"\\udbff\\udbff": 1}]}',
      {["k" .. HIGH] = {LOW, {["\237\175\191\237\175\191"] = 1}}})       -- in keys, nested
    assert.equal('{"\\ud800":"\\udc00"}', sops.encode({[HIGH] = LOW}))
  end)

  it("leave a proper pair to its 4-byte UTF-8, written back as is", function()
    round_trip('"\\ud83d\\ude00"', "\240\159\152\128", '"\240\159\152\128"') -- U+1F600
    round_trip('"\\uD834\\uDD1E"', "\240\157\132\158", '"\240\157\132\158"') -- U+1D11E
    round_trip('"\\udbff\\udfff"', "\244\143\191\191", '"\244\143\191\191"') -- U+10FFFF
  end)

  it("round-trip in every JSON text of the corpus that decodes", function()
    local checked = 0
    for _, name in ipairs(suite_files()) do
      local text = read(SUITE .. name)
      local v = sops.decode(text)
      if v ~= nil then
        local ok, out = pcall(sops.encode, v)
        if ok then
          encodes_back(v, name)
          checked = checked + 1
        else
          -- refused only for what is no JSON text: bytes that are not UTF-8
          -- (a number too large for a double is infinity: not written either)
          assert.is_true(not utf8_valid(text) or out:find("NaN or infinity", 1, true) ~= nil, name .. ": " .. out)
        end
      end
    end
    assert.is_true(checked > 100)
  end)

  it("are all encode lets through: bytes that are not UTF-8 are refused", function()
    local bad = {
      "\255", "\128", "\192\128", "\193\191",   -- a stray byte, C0/C1: overlong 2-byte
      "\224\128\128", "\240\128\128\128",        -- overlong 3 and 4 bytes
      "\244\144\128\128", "\247\191\191\191",   -- past U+10FFFF
      "\248\136\128\128\128",                    -- a 5-byte form
      "\237\160", "a\226\130",                    -- cut short
      "\237\160\189\237\184\128",                 -- a pair in 3-byte halves (U+1F600 has 4 bytes)
      "\237\175\191\237\176\128",                 -- U+DBFF then U+DC00, the same
    }
    for _, s in ipairs(bad) do
      local ok, err = pcall(sops.encode, s)
      assert.is_false(ok, s)
      assert.truthy(err:find("invalid UTF-8 in a string", 1, true), err)
      ok, err = pcall(sops.encode, {[s] = 1})
      assert.is_false(ok, s)
      assert.truthy(err:find("invalid UTF-8 in an object key", 1, true), err)
      assert.is_false(pcall(sops.encode, {x = {"ok", s}}), s)
      assert.is_false(pcall(sops.encode, {x = s}, SORTED), s)
    end
    -- the surrogates' neighbours are ordinary characters
    assert.equal('"\237\159\191\238\128\128"', sops.encode("\237\159\191\238\128\128"))
  end)
end)

describe("sops.encode with a writer's own key order (order_key)", function()
  local core = {encode = sops.encode} -- (the documented feature: sops.encode is the core's)
  local ORDERED = {order_key = "__order"}
  local function obj(keys, t) return setmetatable(t, {__order = keys}) end

  it("writes listed keys in their order, then the others sorted; other objects sorted", function()
    local t = obj({"z", "k", "gone", "a"}, {z = 1, k = "x", a = 2})
    t.m, t.b = sops.array(), {y = 1, x = {2}}
    assert.equal('{"z":1,"k":"x","a":2,"b":{"x":[2],"y":1},"m":[]}', core.encode(t, ORDERED))
    -- the same values without the option: no order promised, same members
    assert.same(sops.decode(core.encode(t)), sops.decode(core.encode(t, ORDERED)))
    assert.equal('[{"b":1,"a":2}]', core.encode({obj({"b", "a"}, {a = 2, b = 1})}, ORDERED))
    assert.equal('{"aa":1,"b":2,"ba":3}', core.encode({ba = 3, b = 2, aa = 1}, ORDERED))
  end)

  it("refuses what it cannot write, as sops.encode does, and a bad option", function()
    assert.has_error(function() core.encode(obj({"a"}, {a = 1, [1] = 2, [3] = 4}), ORDERED) end)
    assert.has_error(function() core.encode({a = "\255"}, ORDERED) end)
    local ok, err = pcall(core.encode, {}, {order_key = 5})
    assert.is_false(ok)
    assert.matches("bad argument #2 to '[%w.?]*' %(order_key: a string expected%)", err) -- ('?' on 5.1)
  end)
end)

describe("sops.encode", function()
  it("writes objects, arrays, numbers, strings and null", function()
    assert.equal('{"a":1}', sops.encode({a = 1}))
    assert.equal("[1,2,3]", sops.encode({1, 2, 3}))
    assert.equal("[]", sops.encode(sops.array()))
    -- an empty array decoded is written back as one; an empty object too
    assert.equal('{"a":[]}', sops.encode(sops.decode('{"a":[]}')))
    assert.equal("[[],{},[[]]]", sops.encode(sops.decode("[[],{},[[]]]")))
    assert.equal(sops.array_mt or getmetatable(sops.array()), getmetatable(sops.decode("[]")))
    assert.is_nil(getmetatable(sops.decode("{}")))
    assert.equal("{}", sops.encode({}))
    assert.equal("10", sops.encode(10.0))
    assert.equal("1.5", sops.encode(1.5))
    assert.equal("null", sops.encode(sops.null))
    assert.equal('"a\\"b\\\\c\\n\\u0001"', sops.encode('a"b\\c\n\1'))
    assert.equal('"节点"', sops.encode("节点"))
  end)

  it("writes numbers past the integer range as they are, on every runtime", function()
    -- before 5.3 an integral double is written as an integer: only where it fits
    for _, x in ipairs({2 ^ 63, -2 ^ 63, 1e300, -1e300, 2 ^ 53, 2 ^ 64}) do
      local text = sops.encode(x)
      assert.equal(x, sops.decode(text), text)
      assert.is_nil(text:find("9223372036854775807", 1, true), text)
    end
  end)

  it("round-trips through the decoder", function()
    local v = {name = "x", list = {1, 2, {k = "v"}}, n = sops.null, t = true, f = false}
    local back = sops.decode(sops.encode(v))
    assert.same(v, back)
  end)

  it("raises on values JSON cannot hold", function()
    assert.has_error(function() sops.encode({f = print}) end)
    assert.has_error(function() sops.encode(0 / 0) end)
    assert.has_error(function() sops.encode({[true] = 1}) end)
    local cyclic = {}
    cyclic.self = cyclic
    assert.has_error(function() sops.encode(cyclic) end)
  end)
end)
