-- make bench-startup: what starting costs, which a command-line user pays on
-- every invocation (issue 27). Each command runs BENCH_RUNS times (41 by
-- default), the commands taking turns so that a busy moment of the machine
-- falls on all of them alike, through bench/timed (the child's wall time and
-- its CPU from wait4, in microseconds); then once each under valgrind's
-- callgrind (BENCH_IR=0 leaves that out), whose count of user-space
-- instructions (the dynamic loader's included) is the same from run to run.
-- The floor is bare Lua starting and stopping; `require "sops.core"` shows
-- what loading the C core and libcurl's shared libraries costs on its own.
local LUA = os.getenv("BENCH_LUA") or "lua5.4"
local RUNS = tonumber(os.getenv("BENCH_RUNS") or "") or 41
local IR = os.getenv("BENCH_IR") ~= "0"

local function quote(s)
  if s:find("^[%w%./_=-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function shell(words)
  local out = {}
  for i, w in ipairs(words) do out[i] = quote(w) end
  return table.concat(out, " ")
end

local COMMANDS = {
  {"bare Lua (the floor)", {LUA, "-e", ""}},
  {"require \"sops.core\"", {LUA, "-e", "require \"sops.core\""}},
  {"require \"sops\"", {LUA, "-e", "require \"sops\""}},
  {"bksops --version", {LUA, "bin/bksops", "--version"}},
  {"bksops --help", {LUA, "bin/bksops", "--help"}},
}

local function run(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

-- one timed run: wall, user + system CPU (ms)
local function timed(words)
  local out, ok = run("bench/timed " .. shell(words))
  local wall, user, sys = out:match("^(%d+) (%d+) (%d+)")
  assert(ok and wall, "failed: " .. shell(words))
  return tonumber(wall) / 1e3, (tonumber(user) + tonumber(sys)) / 1e3
end

local function quantile(sorted, q)
  local pos = 1 + (#sorted - 1) * q
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, #sorted)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
end

local function summary(list)
  local s = {}
  for i, v in ipairs(list) do s[i] = v end
  table.sort(s)
  return {median = quantile(s, 0.5), q1 = quantile(s, 0.25), q3 = quantile(s, 0.75), min = s[1], max = s[#s]}
end

-- instructions, callgrind's total for the whole process
local function instructions(words)
  local out = run("valgrind --tool=callgrind --callgrind-out-file=/dev/null " .. shell(words) .. " 2>&1 >/dev/null")
  return assert(tonumber(out:match("Collected : (%d+)")), "callgrind failed: " .. out)
end

-- each once first: it works, and the files are in the page cache
for _, c in ipairs(COMMANDS) do timed(c[2]) end

local walls, cpus = {}, {}
for i = 1, #COMMANDS do walls[i], cpus[i] = {}, {} end
for r = 1, RUNS do
  for i, c in ipairs(COMMANDS) do walls[i][r], cpus[i][r] = timed(c[2]) end
end

local rows = {}
for i, c in ipairs(COMMANDS) do
  rows[i] = {name = c[1], wall = summary(walls[i]), cpu = summary(cpus[i]), ir = IR and instructions(c[2]) or nil}
end
local floor = rows[1]

print(string.format("start-up on %s, %d runs of each command taking turns: ms are medians [the middle half of the "
  .. "runs]; +: above the floor (bare Lua's median), x: the ratio to it; instructions: callgrind's count", LUA, RUNS))
print(string.format("%-22s %-30s %-30s %s", "", "wall ms", "CPU ms", IR and "instructions" or ""))
local function cell(s, base)
  local text = string.format("%.1f [%.1f-%.1f]", s.median, s.q1, s.q3)
  if base then text = text .. string.format(" +%.1f x%.1f", s.median - base.median, s.median / base.median) end
  return text
end
for _, r in ipairs(rows) do
  local base = r ~= floor and floor or nil
  local ir = ""
  if r.ir then
    ir = string.format("%.1fM", r.ir / 1e6)
    if base then ir = ir .. string.format(" +%.1fM x%.0f", (r.ir - floor.ir) / 1e6, r.ir / floor.ir) end
  end
  print(string.format("%-22s %-30s %-30s %s", r.name, cell(r.wall, base and base.wall), cell(r.cpu, base and base.cpu),
    ir))
end
