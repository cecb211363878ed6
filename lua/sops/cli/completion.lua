-- The bksops command's completion scripts for bash, zsh and fish, made
-- from the table of sops.cli.commands: its commands, their words and
-- options, and what each value is completed with (fixed words such as the
-- choices, -o's formats and the task states; files; or what `bksops
-- __complete KIND` lists from bk-sops: template names, task ids, a task's
-- nodes, profiles). Hidden commands and options are left out. `bksops
-- completion SHELL` prints one; `make share` writes all three to share/.
local commands = require "sops.cli.commands"
local output = require "sops.cli.output"
local tree = require "sops.tree"
local api = require "sops.api"

local M = {}

M.SHELLS = commands.BY_NAME.completion.words[1].choices

local function sorted(list)
  table.sort(list)
  return list
end

-- words a value is completed with, by the option's check
local FIXED = {output = output.WORDS}
do
  local states = {}
  for name in pairs(tree.states) do states[#states + 1] = name:lower() end
  FIXED.state = sorted(states)
end

local function api_names()
  local names = {}
  for name in pairs(api.CALLS) do names[#names + 1] = name end
  return sorted(names)
end

-- How a value (of an option or a word: x) is completed: {words = {...}},
-- {kind = "template" | "task" | "profile"}, {kind = "node", task = N} (the
-- nodes of the task the command's N-th word names), {files = true}, or nil:
-- nothing to offer, the person types it. task: the index of the
-- command's TASK word.
local function values(x, task)
  if x.choices then return {words = x.choices} end
  if x.complete == "file" then return {files = true} end
  if x.complete == "api" then return {words = api_names()} end
  if x.complete == "node" then return task and {kind = "node", task = task} or nil end
  if x.complete then return {kind = x.complete} end
  return FIXED[x.check] and {words = FIXED[x.check]} or nil
end

-- The help's text cut to what fits beside a candidate: its first clause
-- (up to a semicolon, a full stop, or a colon after a few words), without
-- what it says in parentheses.
local function brief(about)
  local s = about:gsub("%s*%b()", ""):gsub(";.*$", ""):gsub("%.%s.*$", ""):gsub("%.$", "")
  local head = s:match("^(.-): ")
  return head and #head > 12 and head or s
end

local HELP = {long = "--help", short = "-h", about = "show the help"}

-- The commands the shells complete, in --help's order: {name, about,
-- options = {{long, short, arg, about, list, values}}, words = {{name,
-- many, values}}}; the top level's options in M.TOP.
function M.model()
  local out = {}
  for _, c in ipairs(commands.LIST) do
    if not c.hidden then
      local task
      for i, w in ipairs(c.words) do
        if w.complete == "task" and not task then task = i end
      end
      local opts = {HELP}
      for _, o in ipairs(c.options) do
        if not o.hidden then
          opts[#opts + 1] = {long = o.long, short = o.short, arg = o.arg, about = brief(o.about),
            list = o.kind == "list", values = o.arg and values(o, task)}
        end
      end
      local words = {}
      for i, w in ipairs(c.words) do words[i] = {name = w[1], many = w.many, values = values(w, task)} end
      out[#out + 1] = {name = c.name, about = brief(c.about), options = opts, words = words}
    end
  end
  return out
end

M.TOP = {HELP, {long = "--version", about = "print the versions of bksops, lua-sops, Lua and libcurl"}}

-- The connection's options, passed on to `bksops __complete`: the
-- candidates come from the profile, URL or business the line names.
local function connection()
  local out = {}
  for _, o in ipairs(commands.CONNECTION) do
    if o.arg and not o.hidden then out[#out + 1] = o.long end
  end
  return out
end

-- an option's names: {"-o", "--output"}
local function names(o)
  return o.short and {o.short, o.long} or {o.long}
end

-- The lines of `text` with @NAME@ replaced by parts[NAME] (a string).
local function fill(text, parts)
  return (text:gsub("@(%u+)@", function(k) return assert(parts[k], k) end))
end

---------------------------------------------------------------------------
-- bash

local function sh_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- the act string of the bash script for values v (nil: none)
local function bash_act(v)
  if not v then return nil end
  if v.words then return "w " .. table.concat(v.words, " ") end
  if v.files then return "f" end
  if v.kind == "node" then return "n " .. v.task end
  return "k " .. v.kind
end

local function bash_spec(model)
  local lines = {}
  for _, c in ipairs(model) do
    local all, takes = {}, {}
    for _, o in ipairs(c.options) do
      for _, n in ipairs(names(o)) do
        all[#all + 1] = n
        if o.arg then takes[#takes + 1] = n end
      end
    end
    lines[#lines + 1] = string.format("        %s) opts=%s takes=%s ;;", c.name, sh_quote(table.concat(all, " ")),
      sh_quote(table.concat(takes, " ")))
  end
  return table.concat(lines, "\n")
end

-- An option whose values every command completes alike is one *:--name
-- arm; one that differs by command has an arm for each.
local function bash_optarg(model)
  local order, by = {}, {}
  for _, c in ipairs(model) do
    for _, o in ipairs(c.options) do
      local act = bash_act(o.values)
      if act then
        if not by[o.long] then
          order[#order + 1] = o
          by[o.long] = {}
        end
        by[o.long][#by[o.long] + 1] = {command = c.name, act = act}
      end
    end
  end
  local lines = {}
  for _, o in ipairs(order) do
    local uses = by[o.long]
    local same = true
    for _, u in ipairs(uses) do same = same and u.act == uses[1].act end
    local count = 0
    for _, c in ipairs(model) do
      for _, x in ipairs(c.options) do
        if x.long == o.long then count = count + 1 end
      end
    end
    local arms = (same and #uses == count) and {{command = "*", act = uses[1].act}} or uses
    for _, u in ipairs(arms) do
      local pats = {}
      for _, n in ipairs(names(o)) do pats[#pats + 1] = u.command .. ":" .. n end
      lines[#lines + 1] = string.format("        %s) act=%s ;;", table.concat(pats, "|"), sh_quote(u.act))
    end
  end
  return table.concat(lines, "\n")
end

local function bash_word(model)
  local lines = {}
  for _, c in ipairs(model) do
    for i, w in ipairs(c.words) do
      local act = bash_act(w.values)
      if act then
        local pat = (w.many == "+" or w.many == "*") and (c.name .. ":*") or (c.name .. ":" .. i)
        lines[#lines + 1] = string.format("        %s) act=%s ;;", pat, sh_quote(act))
      end
    end
  end
  return table.concat(lines, "\n")
end

local function command_names(model)
  local list = {}
  for _, c in ipairs(model) do list[#list + 1] = c.name end
  return list
end

local function top_names()
  local list = {}
  for _, o in ipairs(M.TOP) do
    for _, n in ipairs(names(o)) do list[#list + 1] = n end
  end
  return list
end

local BASH = [=[
# bash completion for bksops, made from lua-sops' table of commands by
# `bksops completion bash`: do not edit. Load it with
#   source <(bksops completion bash)
# or put it in /usr/share/bash-completion/completions/bksops (for yourself
# alone: ~/.local/share/bash-completion/completions/bksops).
# Template names, task ids and node names come from bk-sops through
# `bksops __complete`, which answers within 2 s, or with nothing.

# _bksops_spec COMMAND: its options (opts) and those that take a value (takes)
_bksops_spec() {
    case $1 in
@SPEC@
        *) return 1 ;;
    esac
}

# _bksops_optarg COMMAND OPTION: how the option's value is completed (act:
# see _bksops_act)
_bksops_optarg() {
    case $1:$2 in
@OPTARG@
        *) act= ;;
    esac
}

# _bksops_word COMMAND N: how the command's N-th word is completed (act)
_bksops_word() {
    case $1:$2 in
@WORD@
        *) act= ;;
    esac
}

# the options naming the connection, passed on to bksops __complete
_bksops_conn=' @CONN@ '

# REPLY: the word $1 as the shell reads it (quotes and backslashes undone)
_bksops_dequote() {
    local s=$1 c i
    REPLY=
    case $s in
        \'*) s=${s#\'}; REPLY=${s%\'}; return ;;
        \"*) s=${s#\"}; REPLY=${s%\"}; return ;;
    esac
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [[ $c == \\ ]]; then
            i=$((i + 1))
            c=${s:i:1}
        fi
        REPLY+=$c
    done
}

# COMPREPLY: those of the candidates "$@" that start with the word being
# completed ($cur as typed: bare, with backslashes or in quotes), each
# quoted for the line. (A name with spaces is one candidate: compgen -W
# would split it.)
_bksops_reply() {
    local quote= c
    case $cur in
        \'*) quote=\' ;;
        \"*) quote=\" ;;
    esac
    _bksops_dequote "$cur"
    COMPREPLY=()
    for c in "$@"; do
        [[ $c == "$REPLY"* ]] || continue
        # (inside quotes readline closes them: only what they cannot hold is escaped)
        case $quote in
            \') c=${c//\'/\'\\\'\'} ;;
            \") c=${c//\\/\\\\}; c=${c//\$/\\\$}; c=${c//\`/\\\`}; c=${c//\"/\\\"} ;;
            *) printf -v c '%q' "$c" ;;
        esac
        COMPREPLY+=("$lead$c")
    done
    # (field= waits for its path)
    if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

# what bksops __complete "$@" prints, its descriptions left out
_bksops_server() {
    local bin=${COMP_WORDS[0]} line
    local -a found=()
    [[ $bin == \~/* ]] && bin=$HOME/${bin:2}
    while IFS= read -r line; do
        found+=("${line%%$'\t'*}")
    done < <("$bin" __complete ${conn[@]+"${conn[@]}"} -- "$@" 2>/dev/null)
    _bksops_reply ${found[@]+"${found[@]}"}
}

# Completes the word as act says: "w WORD..." (those words), "k KIND"
# (bksops __complete KIND), "n N" (the nodes of the task the N-th word
# names), "f" (files).
_bksops_act() {
    local -a list
    case $act in
        w\ *) read -ra list <<< "${act#w }"; _bksops_reply "${list[@]}" ;;
        k\ *) _bksops_server "${act#k }" ;;
        n\ *)
            local task=${pos[${act#n }-1]}
            [[ -n $task ]] && _bksops_server node "$task"
            ;;
        f) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    esac
    return 0
}

_bksops() {
    local cur=${COMP_WORDS[COMP_CWORD]} n=$COMP_CWORD cmd= opts= takes= act= arg= rest= lead= w i
    local -a pos=() conn=()
    COMPREPLY=()
    # bash splits --option=value at the "=": what follows it is the option's
    if [[ $cur == = && ${COMP_WORDS[n-1]} == --* ]]; then
        arg=${COMP_WORDS[n-1]} cur= n=$((n - 1))
    elif ((n > 2)) && [[ ${COMP_WORDS[n-1]} == = && ${COMP_WORDS[n-2]} == --* ]]; then
        arg=${COMP_WORDS[n-2]} n=$((n - 2))
    fi
    for ((i = 1; i < n; i++)); do
        w=${COMP_WORDS[i]}
        if [[ -z $cmd ]]; then
            [[ $w == -* ]] || { cmd=$w; _bksops_spec "$cmd" || return 0; }
        elif [[ -z $rest && $w == -- ]]; then
            rest=1
        elif [[ -z $rest && $w == -?* ]]; then
            if [[ ${COMP_WORDS[i+1]} == = ]] && ((i + 2 < n)); then
                # --option = value
                _bksops_dequote "${COMP_WORDS[i+2]}"
                [[ $_bksops_conn == *" $w "* ]] && conn+=("$w=$REPLY")
                i=$((i + 2))
            elif [[ " $takes " == *" $w "* ]]; then
                if ((i + 1 < n)); then
                    i=$((i + 1))
                    _bksops_dequote "${COMP_WORDS[i]}"
                    [[ $_bksops_conn == *" $w "* ]] && conn+=("$w" "$REPLY")
                else
                    arg=$w
                fi
            fi
        else
            _bksops_dequote "$w"
            pos+=("$REPLY")
        fi
    done
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            _bksops_reply @TOP@
        else
            _bksops_reply @COMMANDS@
        fi
        return 0
    fi
    # (--option=value in one word: a COMP_WORDBREAKS without "=")
    if [[ -z $arg && -z $rest && $cur == --*=* ]]; then
        arg=${cur%%=*} lead=${cur%%=*}= cur=${cur#*=}
    fi
    if [[ -n $arg ]]; then
        _bksops_optarg "$cmd" "$arg"
    elif [[ -z $rest && $cur == -* ]]; then
        read -ra pos <<< "$opts"
        _bksops_reply "${pos[@]}"
        return 0
    else
        _bksops_word "$cmd" $((${#pos[@]} + 1))
    fi
    _bksops_act
}

complete -F _bksops bksops
]=]

function M.bash()
  local model = M.model()
  return fill(BASH, {
    SPEC = bash_spec(model), OPTARG = bash_optarg(model), WORD = bash_word(model),
    CONN = table.concat(connection(), " "), TOP = table.concat(top_names(), " "),
    COMMANDS = table.concat(command_names(model), " "),
  })
end

---------------------------------------------------------------------------
-- zsh

-- text for inside zsh's single quotes
local function zq(s)
  return (s:gsub("'", "'\\''"))
end

-- an _arguments description: brackets and colons escaped
local function zdesc(s)
  return zq(s:gsub("[%[%]:\\]", "\\%0"))
end

local function zsh_action(v)
  if not v then return " " end
  if v.words then
    local w = {}
    for i, x in ipairs(v.words) do w[i] = (x:gsub("[%s()\\:'\"]", "\\%0")) end
    return "(" .. table.concat(w, " ") .. ")"
  end
  if v.files then return "_files" end
  -- (a leading space: called as it is, without _arguments' compadd options)
  if v.kind == "node" then return " _bksops_server node " .. v.task end
  return " _bksops_server " .. v.kind
end

local function zsh_option(o)
  local specs = {}
  local all = names(o)
  local exclude = (#all > 1 and not o.list) and ("(" .. table.concat(all, " ") .. ")") or ""
  for _, n in ipairs(all) do
    local spec = exclude .. (o.list and "*" or "") .. n
    if o.arg then
      spec = spec .. (n:sub(2, 2) == "-" and "=" or "+") .. "[" .. zdesc(o.about) .. "]:" .. zdesc(o.arg) .. ":"
        .. zq(zsh_action(o.values))
    else
      spec = spec .. "[" .. zdesc(o.about) .. "]"
    end
    specs[#specs + 1] = "    '" .. spec .. "'"
  end
  return specs
end

local function zsh_word(i, w)
  local action = zq(zsh_action(w.values))
  local name = zdesc(w.name)
  if w.many == "+" or w.many == "*" then return "    '*:" .. name .. ":" .. action .. "'" end
  return "    '" .. i .. ":" .. (w.many == "?" and ":" or "") .. name .. ":" .. action .. "'"
end

local function zsh_functions(model)
  local out = {}
  for _, c in ipairs(model) do
    local specs = {}
    for _, o in ipairs(c.options) do
      for _, s in ipairs(zsh_option(o)) do specs[#specs + 1] = s end
    end
    for i, w in ipairs(c.words) do specs[#specs + 1] = zsh_word(i, w) end
    out[#out + 1] = "_bksops_command_" .. c.name:gsub("%-", "_") .. "() {\n  _arguments -s -S : \\\n"
      .. table.concat(specs, " \\\n") .. "\n}"
  end
  return table.concat(out, "\n\n")
end

local function zsh_commands(model)
  local lines = {}
  for _, c in ipairs(model) do
    lines[#lines + 1] = "    '" .. zq(c.name:gsub(":", "\\:") .. ":" .. c.about) .. "'"
  end
  return table.concat(lines, "\n")
end

local function zsh_top()
  local specs = {}
  for _, o in ipairs(M.TOP) do
    local all = names(o)
    -- ({-h,--help}: brace expansion, outside the quotes)
    local which = #all > 1 and ("'{" .. table.concat(all, ",") .. "}'") or all[1]
    specs[#specs + 1] = "    '(- :)" .. which .. "[" .. zdesc(o.about) .. "]'"
  end
  return table.concat(specs, " \\\n")
end

local ZSH = [=[
#compdef bksops
# zsh completion for bksops, made from lua-sops' table of commands by
# `bksops completion zsh`: do not edit. Put it in a directory of $fpath as
# _bksops (/usr/local/share/zsh/site-functions/_bksops; for yourself alone:
# a directory of your own added to fpath before compinit), or load it with
#   source <(bksops completion zsh)
# after compinit. Template names, task ids and node names come from bk-sops
# through `bksops __complete`, which answers within 2 s, or with nothing.

# the options naming the connection, passed on to bksops __complete
_bksops_conn=(@CONN@)

# Offers what bksops __complete KIND prints (a value, a tab, a description).
# node N: the nodes of the task the command's N-th word names.
_bksops_server() {
  local kind=$1 bin=${(Q)_bksops_bin} o l
  local -a args conn cands
  args=($kind)
  if [[ $kind == node ]]; then
    [[ -n ${line[$2]} ]] || return 1
    args+=(${(Q)line[$2]})
  fi
  for o in $_bksops_conn; do
    (( ${+opt_args[$o]} )) && conn+=($o ${(Q)opt_args[$o]})
  done
  [[ $bin == '~/'* ]] && bin=$HOME/${bin#\~/}
  for l in ${(f)"$($bin __complete $conn -- $args 2>/dev/null)"}; do
    if [[ $l == *$'\t'* ]]; then
      cands+=("${${l%%$'\t'*}//:/\\:}:${l#*$'\t'}")
    else
      cands+=("${l//:/\\:}")
    fi
  done
  # (tasks newest first and nodes parents first, as they come)
  local -a order
  [[ $kind == (task|node) ]] && order=(-V)
  _describe $order -t bksops-$kind $kind cands
}

_bksops_commands() {
  local -a list
  list=(
@COMMANDS@
  )
  _describe -t commands 'bksops command' list
}

@FUNCTIONS@

_bksops() {
  local _bksops_bin=$words[1] curcontext=$curcontext state line ret=1
  typeset -A opt_args
  _arguments -C \
@TOP@ \
    '1:command:_bksops_commands' \
    '*::arg:->args' && ret=0
  if [[ $state == args ]]; then
    curcontext=${curcontext%:*:*}:bksops-$words[1]:
    if (( $+functions[_bksops_command_${words[1]//-/_}] )); then
      _bksops_command_${words[1]//-/_} && ret=0
    fi
  fi
  return ret
}

# (autoloaded from fpath, this file is _bksops's body: complete; sourced,
# register)
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _bksops "$@"
else
  compdef _bksops bksops
fi
]=]

function M.zsh()
  local model = M.model()
  return fill(ZSH, {
    CONN = table.concat(connection(), " "), COMMANDS = zsh_commands(model), FUNCTIONS = zsh_functions(model),
    TOP = zsh_top(),
  })
end

---------------------------------------------------------------------------
-- fish

local function fq(s)
  return "'" .. s:gsub("[\\']", "\\%0") .. "'"
end

local function fish_values(v)
  if not v then return " -x" end
  if v.files then return " -r -F" end
  if v.words then return " -x -a " .. fq(table.concat(v.words, " ")) end
  -- (-k: tasks newest first and nodes parents first, as they come)
  if v.kind == "node" then return " -k -x -a " .. fq("(__bksops_server node " .. v.task .. ")") end
  return (v.kind == "task" and " -k" or "") .. " -x -a " .. fq("(__bksops_server " .. v.kind .. ")")
end

local function fish_option(o)
  local parts = {}
  if o.short then parts[#parts + 1] = " -s " .. o.short:sub(2) end
  parts[#parts + 1] = " -l " .. o.long:sub(3)
  return table.concat(parts) .. (o.arg and fish_values(o.values) or "") .. " -d " .. fq(o.about)
end

-- the lines of the options, one for each option and the commands that
-- share it alike, in the order of their first use
local function fish_options(model)
  local order, by = {}, {}
  for _, c in ipairs(model) do
    for _, o in ipairs(c.options) do
      local text = fish_option(o)
      if not by[text] then
        order[#order + 1] = text
        by[text] = {}
      end
      by[text][#by[text] + 1] = c.name
    end
  end
  local lines = {}
  for _, text in ipairs(order) do
    lines[#lines + 1] = "complete -c bksops -n " .. fq("__bksops_is " .. table.concat(by[text], " ")) .. text
  end
  return table.concat(lines, "\n")
end

local function fish_words(model)
  local lines = {}
  for _, c in ipairs(model) do
    for i, w in ipairs(c.words) do
      if w.values then
        local many = (w.many == "+" or w.many == "*") and " more" or ""
        lines[#lines + 1] = "complete -c bksops -n " .. fq("__bksops_at " .. c.name .. " " .. i .. many)
          .. fish_values(w.values) .. " -d " .. fq(w.name)
      end
    end
  end
  return table.concat(lines, "\n")
end

local function fish_takes(model)
  local lines = {}
  for _, c in ipairs(model) do
    local takes = {}
    for _, o in ipairs(c.options) do
      if o.arg then
        for _, n in ipairs(names(o)) do takes[#takes + 1] = n end
      end
    end
    lines[#lines + 1] = "        case " .. c.name .. "\n            printf '%s\\n' " .. table.concat(takes, " ")
  end
  return table.concat(lines, "\n")
end

local function fish_commands(model)
  local lines = {}
  for _, c in ipairs(model) do
    lines[#lines + 1] = "complete -c bksops -n 'not __bksops_is' -a " .. fq(c.name) .. " -d " .. fq(c.about)
  end
  for _, o in ipairs(M.TOP) do
    lines[#lines + 1] = "complete -c bksops -n 'not __bksops_is'" .. fish_option(o)
  end
  return table.concat(lines, "\n")
end

local FISH = [=[
# fish completion for bksops, made from lua-sops' table of commands by
# `bksops completion fish`: do not edit. Put it in
# /usr/share/fish/vendor_completions.d/bksops.fish (for yourself alone:
# ~/.config/fish/completions/bksops.fish), or load it with
#   bksops completion fish | source
# Template names, task ids and node names come from bk-sops through
# `bksops __complete`, which answers within 2 s, or with nothing.

# the options naming the connection, passed on to bksops __complete
set -g __bksops_conn_options @CONN@

# the options of command $argv[1] that take a value
function __bksops_takes
    switch $argv[1]
@TAKES@
    end
end

# Reads the line before the word being completed: __bksops_command, its
# words (__bksops_words), the connection options given (__bksops_given)
# and the option whose value is being typed (__bksops_option).
function __bksops_scan
    set -g __bksops_command
    set -g __bksops_words
    set -g __bksops_given
    set -g __bksops_option
    set -l tokens (commandline -opc)
    set -l takes
    set -l rest
    set -l i 2
    while test $i -le (count $tokens)
        set -l w $tokens[$i]
        if test -z "$__bksops_command"
            if not string match -q -- '-*' $w
                set -g __bksops_command $w
                set takes (__bksops_takes $w)
            end
        else if test -z "$rest"; and test "$w" = --
            set rest 1
        else if test -z "$rest"; and string match -q -- '-?*' $w
            if string match -q -- '--*=*' $w
                if contains -- (string split -m 1 = -- $w)[1] $__bksops_conn_options
                    set -a __bksops_given $w
                end
            else if contains -- $w $takes
                set i (math $i + 1)
                if test $i -le (count $tokens)
                    if contains -- $w $__bksops_conn_options
                        set -a __bksops_given $w $tokens[$i]
                    end
                else
                    set -g __bksops_option $w
                end
            end
        else
            set -a __bksops_words $w
        end
        set i (math $i + 1)
    end
end

# whether the line's command is one of $argv (no argument: whether it has one)
function __bksops_is
    set -l tokens (commandline -opc)
    for w in $tokens[2..-1]
        if not string match -q -- '-*' $w
            test (count $argv) -eq 0; or contains -- $w $argv
            return
        end
    end
    return 1
end

# whether the word being completed is command $argv[1]'s $argv[2]-th word
# (with "more": or one after it)
function __bksops_at
    string match -q -- '-*' (commandline -ct); and return 1
    __bksops_scan
    test "$__bksops_command" = $argv[1]; and test -z "$__bksops_option"; or return 1
    set -l n (math (count $__bksops_words) + 1)
    test $n -eq $argv[2]; or begin; test "$argv[3]" = more; and test $n -gt $argv[2]; end
end

# what bksops __complete KIND prints (node N: the nodes of the task the
# command's N-th word names)
function __bksops_server
    __bksops_scan
    set -l args $argv[1]
    if test $argv[1] = node
        set -l task $__bksops_words[$argv[2]]
        test -n "$task"; or return
        set -a args $task
    end
    set -l bin (commandline -opc)[1]
    $bin __complete $__bksops_given -- $args 2>/dev/null
end

complete -c bksops -f
@COMMANDS@
@OPTIONS@
@WORDS@
]=]

function M.fish()
  local model = M.model()
  return fill(FISH, {
    CONN = table.concat(connection(), " "), TAKES = fish_takes(model), COMMANDS = fish_commands(model),
    OPTIONS = fish_options(model), WORDS = fish_words(model),
  })
end

-- The script for shell (one of M.SHELLS).
function M.script(shell)
  return assert(M[shell], shell)()
end

return M
