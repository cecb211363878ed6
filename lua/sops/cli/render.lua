-- Text output of `bksops`: status trees, event lines, colours.
local tree = require "sops.tree"
local core = require "sops.core"

local M = {}

local COLORS = {
  FINISHED = "32", FAILED = "31", RUNNING = "36", READY = "36", SUSPENDED = "33", NODE_SUSPENDED = "33",
  REVOKED = "35", EXPIRED = "35", CREATED = "2",
}

-- Text for the terminal is made in two steps, so that nothing the server
-- sent can drive it (task and node names, ex_data and error messages are
-- anyone's text: an OSC 52 writes the operator's clipboard, a bare CR
-- makes FAILED read FINISHED). A painter marks its colours with MARK, a
-- token of this process that no server can know, instead of escapes; then
-- M.terminal, which every human line goes through, shows every control
-- character visibly and only then turns the marks into colours.
local MARK = "\238\128\128" .. (core.random_hex(8) or tostring(os.time()) .. tostring(math.random(1e9))) .. ":"
local MARKED = MARK:gsub("%p", "%%%0") .. "(%d+)m"

-- A painter: paint(state_or_style, text). style may be "bold" or "dim".
function M.painter(color)
  return function(style, text)
    if not color then return text end
    local code = COLORS[style] or (style == "bold" and "1") or (style == "dim" and "2") or nil
    if not code then return text end
    return MARK .. code .. "m" .. text .. MARK .. "0m"
  end
end

-- C0 controls but tab, and DEL, in caret notation (ESC is "^[", CR "^M",
-- a newline "^J": a line is one line, whatever a name holds); C1 controls
-- (U+0080 to U+009F) as "\x9b" and the like.
local function caret(ch)
  local b = ch:byte()
  return "^" .. (b == 127 and "?" or string.char(b + 64))
end
local function c1(b)
  return ("\\x%02x"):format(b:byte())
end

-- s as a terminal may be given it, as one line: every control character
-- visible, a painter's colours as escapes.
function M.terminal(s)
  s = tostring(s):gsub("[%z\1-\8\10-\31\127]", caret):gsub("\194([\128-\159])", c1)
  return (s:gsub(MARKED, "\27[%1m"))
end

-- JSON text with DEL and the C1 controls escaped as well (\u007f,
-- \u0085...): the same document, and nothing a terminal would act on.
local function u00(ch)
  return ("\\u%04x"):format(ch == "\127" and 127 or ch:byte(2))
end
function M.json_for_terminal(text)
  return (text:gsub("\127", u00):gsub("\194[\128-\159]", u00))
end

-- Whether to use colour on fd 1: a terminal, no NO_COLOR, not TERM=dumb.
function M.want_color(isatty, getenv)
  local no = getenv("NO_COLOR")
  if no and no ~= "" then return false end
  if getenv("TERM") == "dumb" then return false end
  return isatty
end

function M.duration(seconds)
  seconds = math.floor((tonumber(seconds) or 0) + 0.5)
  if seconds < 60 then return seconds .. "s" end
  if seconds < 3600 then return string.format("%dm%02ds", math.floor(seconds / 60), seconds % 60) end
  return string.format("%dh%02dm", math.floor(seconds / 3600), math.floor(seconds % 3600 / 60))
end

local function one_line(s)
  s = tostring(s):gsub("%s+$", "")
  local last
  -- an engine traceback: its last line says what happened
  if s:find("^fail: Traceback") then
    for line in s:gmatch("[^\n]+") do last = line end
    return last
  end
  return (s:gsub("\n", " "))
end
M.one_line = one_line

-- A listing's cell: its text on one line, "-" for nothing (nil, null, "").
function M.cell(v)
  if v == nil or v == "" or type(v) == "userdata" then return "-" end
  return one_line(v)
end

-- Lines of a status tree. opts: all (also unnamed events and gateways),
-- paint, ex_data (root ex_data map). Returns a list of strings.
function M.tree_lines(status, opts)
  opts = opts or {}
  local paint = opts.paint or M.painter(false)
  local ex = type(status.ex_data) == "table" and status.ex_data or {}
  local lines = {}
  lines[1] = string.format("%s  %s  %s", paint("bold", tostring(status.name or "task")),
    paint(status.state, status.state or "?"), M.duration(status.elapsed_time))
  local function visit(node, prefix)
    local ids = {}
    for _, id in ipairs(tree.child_ids(node)) do
      local child = node.children[id]
      if opts.all or (child.name and child.name ~= "") then ids[#ids + 1] = id end
    end
    for i, id in ipairs(ids) do
      local child = node.children[id]
      local last = i == #ids
      local name = (child.name and child.name ~= "") and child.name or paint("dim", id)
      if opts.short and child.name and child.name ~= "" then name = name .. " " .. paint("dim", opts.short[id]) end
      local extra = {}
      if (child.retry or 0) > 0 then extra[#extra + 1] = "retry " .. child.retry end
      if child.skip == true then extra[#extra + 1] = "skipped" end
      if child.error_ignored == true then extra[#extra + 1] = "error ignored" end
      lines[#lines + 1] = string.format("%s%s %s  %s  %s%s", prefix, last and "└─" or "├─", name,
        paint(child.state, child.state), M.duration(child.elapsed_time),
        #extra > 0 and ("  (" .. table.concat(extra, ", ") .. ")") or "")
      local inner = prefix .. (last and "   " or "│  ")
      if ex[id] and ex[id] ~= "" then
        lines[#lines + 1] = inner .. "   " .. paint("FAILED", one_line(ex[id]))
      end
      visit(child, inner)
    end
  end
  visit(status, "")
  return lines
end

-- One line per change event, for logs.
function M.event_line(ev, paint)
  paint = paint or M.painter(false)
  local when = os.date("%H:%M:%S", math.floor(ev.at or os.time()))
  if ev.kind and ev.kind ~= "change" then
    return string.format("%s task %d %s", when, ev.task_id, M.one_line(ev.message or ev.kind))
  end
  local what = ev.node_id and (((ev.name or "") ~= "" and string.format("node %s (%s)", ev.name, ev.node_id))
    or string.format("gateway or event (%s)", ev.node_id))
    or string.format("task %s", ev.name or "")
  local change = ev.from and (ev.from .. " -> " .. paint(ev.to, ev.to)) or paint(ev.to, ev.to)
  local retry = ev.node and (ev.node.retry or 0) > 0 and ("  retry " .. ev.node.retry) or ""
  return string.format("%s task %d %s %s%s", when, ev.task_id, what, change, retry)
end

-- Columns a code point takes on a terminal: 2 for the wide East Asian
-- ranges (CJK, Hangul, full-width forms) and emoji, else 1.
local WIDE = {
  {0x1100, 0x115F}, {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF},
  {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE30, 0xFE4F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F},
  {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
}
local function cells(cp)
  if cp < 0x1100 then return 1 end
  for _, r in ipairs(WIDE) do
    if cp >= r[1] and cp <= r[2] then return 2 end
  end
  return 1
end

-- the code point of a UTF-8 sequence (a stray byte counts as itself)
local function codepoint(ch)
  local b = ch:byte(1)
  if #ch == 1 or b < 0xC0 then return b end
  local n = b >= 0xF0 and 4 or b >= 0xE0 and 3 or 2
  local cp = b % (2 ^ (7 - n))
  for i = 2, #ch do cp = cp * 64 + ch:byte(i) % 64 end
  return cp
end

-- the pieces of s: escape sequences (no width) and characters
local PIECE = "\27%[[%d;?]*%a"
local CHAR = "[%z\1-\127\194-\244][\128-\191]*"

-- fit(s, columns) -> s cut to at most `columns` cells on a terminal (a cut
-- line ends with "…" and a colour reset), and the cells it takes.
function M.fit(s, columns)
  local out, used, i, cut = {}, 0, 1, false
  while i <= #s do
    local a, b = s:find("^" .. PIECE, i)
    if a then
      out[#out + 1] = s:sub(a, b)
    else
      a, b = s:find("^" .. CHAR, i)
      if not a then a, b = i, i end
      local ch = s:sub(a, b)
      local w = cells(codepoint(ch))
      if used + w > columns then
        cut = true
        break
      end
      out[#out + 1] = ch
      used = used + w
    end
    i = b + 1
  end
  if cut then
    -- room for the "…": take back characters until it fits
    while used + 1 > columns and #out > 0 do
      local last = table.remove(out)
      if not last:find("^\27") then used = used - cells(codepoint(last)) end
    end
    out[#out + 1] = "…\27[0m"
    used = used + 1
  end
  return table.concat(out), used
end

-- The cells s takes on a terminal.
function M.width(s)
  return select(2, M.fit(s, math.huge))
end

-- "3rd" and the like, for attempts.
local function ordinal(n)
  local tens, ones = n % 100, n % 10
  if tens >= 11 and tens <= 13 then return n .. "th" end
  return n .. (({"st", "nd", "rd"})[ones] or "th")
end

-- What a wait says about a failed poll it will try again, after `failures`
-- failures in a row before this one: "retrying: connection refused (3rd
-- attempt)", the attempt it goes on to, the error's message on one line.
function M.retrying(err, failures, paint)
  paint = paint or M.painter(false)
  local message = M.one_line(err.message or tostring(err))
  return paint("FAILED", "retrying: ") .. message .. " (" .. ordinal(failures + 2) .. " attempt)"
end

return M
