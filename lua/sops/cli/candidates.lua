-- bksops __complete KIND [WORD...]: what the shell completion scripts
-- (sops.cli.completion) offer for a word, one candidate a line: the value,
-- and after a tab a description that zsh and fish show. KIND is template
-- (the business's template names), task (its newest task ids), node TASK
-- (the nodes of the task) or profile (the config file's profiles); the
-- words after it, the start of the word being completed, keep the
-- candidates that start so.
--
-- A shell waits for it on every Tab: it takes the configuration every
-- command takes, with a short budget for the whole request, and prints
-- nothing, exit 0, when it cannot answer (no configuration, no network, a
-- refusal, a slow server). Never an error: stderr would land in the
-- middle of the command line.
local sops = require "sops"
local check = require "sops.check"
local config = require "sops.config"
local nodes = require "sops.nodes"
local parser = require "sops.cli.parser"
local template = require "sops.cli.template"

local M = {}

-- seconds the whole of it may take, connecting included
M.BUDGET = 2
-- how many of the newest tasks are offered
M.TASKS = 20

-- The lists: kind -> function(c, words) -> {{value, description}}, or nil
-- (c: a client; nil for kinds that need none). words: those after KIND.
local LISTS = {}

function LISTS.template(c)
  local list = template.list(c)
  if not list then return nil end
  local out = {}
  for _, t in ipairs(list) do
    if type(t) == "table" and type(t.name) == "string" then out[#out + 1] = {t.name, "template " .. tostring(t.id)} end
  end
  return out
end

function LISTS.task(c)
  local list = c:get_task_list{limit = M.TASKS}
  if type(list) ~= "table" then return nil end
  local out = {}
  for _, t in ipairs(list) do
    if type(t) == "table" and check.id(t.id) then out[#out + 1] = {tostring(t.id), tostring(t.name)} end
  end
  return out
end

function LISTS.node(c, words)
  local task_id = check.id(words[1] or "")
  if not task_id then return nil end
  local status = c:get_task_status{task_id = task_id}
  if type(status) ~= "table" then return nil end
  local out = {}
  for _, n in ipairs(nodes.words(status)) do
    -- what the word does not say already: "per region/sync n1a2b3c4 FAILED"
    local about = {}
    if n.name == "" then about[1] = "unnamed" elseif n.word ~= n.path then about[1] = n.path end
    if n.word ~= n.short then about[#about + 1] = n.short end
    about[#about + 1] = n.state
    out[#out + 1] = {n.word, table.concat(about, " ")}
  end
  return out
end

-- (no client: the config file alone)
function M.profiles(getenv)
  local file = config.file(getenv)
  local out = {}
  for name in pairs(file and file.profiles or {}) do out[#out + 1] = {name, "profile"} end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- A client of the configuration in effect, on the short budget; nil when
-- there is none to be had.
local function client(a, getenv)
  local opts = config.client_options(a, getenv)
  if not opts or not opts.bk_biz_id then return nil end
  opts.timeout = math.min(opts.timeout, M.BUDGET)
  opts.connect_timeout = M.BUDGET
  local ok, c = pcall(sops.new, opts)
  return ok and c or nil
end

-- The candidates for parsed arguments a: a list of {value, description}, or nil.
local function candidates(a, getenv)
  if a.app_secret then return nil end
  local words = a.WORD or {}
  if a.KIND == "profile" then return M.profiles(getenv) end
  local c = client(a, getenv)
  if not c then return nil end
  local ok, list = pcall(LISTS[a.KIND], c, words)
  c:close()
  return ok and list or nil
end

-- a candidate's text as one line: a value with a control character (a
-- newline, a tab) cannot be typed and is left out; a description's are spaces
local function clean(value, about)
  if value == "" or value:find("%c") then return nil end
  about = tostring(about or ""):gsub("%c", " ")
  return about ~= "" and (value .. "\t" .. about) or value
end

-- run(argv, out, getenv) -> 0, having written the candidates to out (argv
-- as main has it: "__complete" first).
function M.run(argv, out, getenv)
  local ok, a, help = pcall(parser.parse, argv)
  -- (--help, asked for, is printed; nothing else but candidates)
  if ok and a == false then out:write(help, "\n") end
  if not ok or not a or a.command ~= "__complete" then return 0 end
  local got, list = pcall(candidates, a, getenv)
  if not got or type(list) ~= "table" then return 0 end
  -- the start typed so far: for node, the words after the task's id
  local prefix = (a.WORD or {})[a.KIND == "node" and 2 or 1] or ""
  local seen = {}
  for _, cand in ipairs(list) do
    local value = cand[1]
    local line = not seen[value] and value:sub(1, #prefix) == prefix and clean(value, cand[2])
    if line then
      seen[value] = true
      out:write(line, "\n")
    end
  end
  return 0
end

return M
