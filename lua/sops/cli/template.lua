-- The template a person names on the command line (TEMPLATE, --template):
-- its id, or its name, exact or in any case; when none has it, the closest
-- name is suggested.
local check = require "sops.check"

local M = {}

-- The edit distance of a and b (Levenshtein: insertions, deletions and
-- substitutions of bytes), stopping early once it is over bound.
function M.distance(a, b, bound)
  if #a > #b then a, b = b, a end
  if #b - #a > bound then return bound + 1 end
  local row = {}
  for j = 0, #a do row[j] = j end
  for i = 1, #b do
    local diagonal, smallest = row[0], i
    row[0] = i
    local bi = b:byte(i)
    for j = 1, #a do
      local above = row[j]
      local cost = a:byte(j) == bi and 0 or 1
      local v = math.min(above + 1, row[j - 1] + 1, diagonal + cost)
      row[j], diagonal = v, above
      if v < smallest then smallest = v end
    end
    if smallest > bound then return bound + 1 end
  end
  return row[#a]
end

-- The name of list closest to word, or nil: a name that holds the word
-- (or that the word holds), the shortest such, else one within a few
-- edits (a third of the word's length, at least 2).
function M.closest(list, word)
  local w = word:lower()
  local best, best_score
  for _, t in ipairs(list) do
    local name = type(t.name) == "string" and t.name or nil
    local n = name and name:lower()
    if n and n ~= "" and (n:find(w, 1, true) or w:find(n, 1, true)) then
      local score = math.abs(#n - #w)
      if not best_score or score < best_score then best, best_score = name, score end
    end
  end
  if best then return best end
  local bound = math.max(2, math.floor(#w / 3))
  for _, t in ipairs(list) do
    local name = type(t.name) == "string" and t.name or nil
    if name then
      local d = M.distance(name:lower(), w, bound)
      if d <= bound and (not best_score or d < best_score) then best, best_score = name, d end
    end
  end
  return best
end

-- The templates of list whose name is word, exactly; else in any case.
local function named(list, word)
  local exact, any_case = {}, {}
  local w = word:lower()
  for _, t in ipairs(list) do
    if type(t) == "table" and type(t.name) == "string" then
      if t.name == word then exact[#exact + 1] = t end
      if t.name:lower() == w then any_case[#any_case + 1] = t end
    end
  end
  return #exact > 0 and exact or any_case
end

-- The business's templates (get_template_list, one request): a list, or
-- nil, the error.
function M.list(c)
  local list, _, err = c:get_template_list{}
  if not list then return nil, err end
  return type(list) == "table" and list or {}
end

-- find(ctx, c, word[, info]) -> the template's id and name; or nil, exit
-- code after saying why. A number is an id (info: its name is asked for,
-- with get_template_info); other words a name, matched exactly, else in
-- any case, over the business's templates.
function M.find(ctx, c, word, info)
  local id = check.id(word)
  if id then
    if not info then return id end
    local t, _, err = c:get_template_info{template_id = id}
    if not t then return nil, ctx:fail(err) end
    return id, t.name
  end
  local list, err = M.list(c)
  if not list then return nil, ctx:fail(err) end
  local found = named(list, word)
  if #found == 1 then return found[1].id, found[1].name end
  if #found == 0 then
    local near = M.closest(list, word)
    if near then return nil, ctx:usage(string.format("no template '%s'; did you mean '%s'?", word, near)) end
    return nil, ctx:usage(string.format("no template named '%s' (bksops templates lists them)", word))
  end
  local ids = {}
  for _, t in ipairs(found) do ids[#ids + 1] = tostring(t.id) end
  return nil, ctx:usage(string.format("%d templates are named '%s' (ids %s): give the id", #found, word,
    table.concat(ids, ", ")))
end

return M
