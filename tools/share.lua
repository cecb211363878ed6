-- share/: the bksops command's completion scripts (bash, zsh, fish) and its
-- man page, made from sops.cli.commands (the man page through the parser's
-- help). `make share` writes them; spec/29-cli_workflow_spec.lua fails when
-- share/ holds anything else.
--   lua tools/share.lua DIR   writes DIR/bash-completion/completions/bksops,
--                                    DIR/zsh/site-functions/_bksops,
--                                    DIR/fish/vendor_completions.d/bksops.fish
--                                    and DIR/man/man1/bksops.1
local parser = require "sops.cli.parser"
local commands = require "sops.cli.commands"
local completion = require "sops.cli.completion"
local version = require "sops.version"

local M = {}

-- each shell's script, where its completion loader looks (under a prefix's share/)
M.COMPLETIONS = {
  bash = "bash-completion/completions/bksops",
  zsh = "zsh/site-functions/_bksops",
  fish = "fish/vendor_completions.d/bksops.fish",
}
M.MAN = "man/man1/bksops.1"

function M.completion(shell)
  return completion.script(shell)
end

-- roff-safe text: backslashes doubled, a leading dot or quote escaped,
-- hyphens as minus signs (they are options to type)
local function roff(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-")
  return (s:gsub("^([.'])", "\\&%1"):gsub("\n([.'])", "\n\\&%1"))
end

-- a help text as a no-fill block: the help's own layout, kept
local function block(text)
  return ".nf\n" .. roff(text:gsub("\n+$", "")) .. "\n.fi\n"
end

function M.man()
  local out = {
    ".\\\" made from bksops --help by `make share`; do not edit",
    string.format('.TH %s 1 "" "lua-sops %s" "User Commands"', commands.PROGRAM:upper(), version.number),
    ".SH NAME",
    commands.PROGRAM .. " \\- " .. roff(commands.SUMMARY:gsub("%.$", ""):gsub("^%u", string.lower)),
    ".SH SYNOPSIS",
    ".B " .. commands.PROGRAM,
    "\\fICOMMAND\\fR [\\fIARGS\\fR] [\\fIOPTIONS\\fR]",
    ".SH DESCRIPTION",
    block(parser.help()),
    ".SH COMMANDS",
  }
  for _, c in ipairs(commands.LIST) do
    if not c.hidden then
      out[#out + 1] = ".SS " .. roff(c.name)
      out[#out + 1] = block(parser.help(c.name))
    end
  end
  out[#out + 1] = ".SH EXIT STATUS"
  for _, e in ipairs(commands.EXIT_CODES) do
    out[#out + 1] = ".TP\n.B " .. e[1] .. "\n" .. roff(e[2])
  end
  out[#out + 1] = ".SH ENVIRONMENT"
  for _, e in ipairs(commands.ENVIRONMENT) do
    out[#out + 1] = ".TP\n.B " .. roff(e[1]) .. "\n" .. roff(e[2])
  end
  out[#out + 1] = ".SH FILES"
  out[#out + 1] = ".TP\n\\fI~/.config/bksops/config\\fR\nthe profiles (\\fI$XDG_CONFIG_HOME/bksops/config\\fR; "
    .. "\\fBBKSOPS_CONFIG\\fR names another file; until lua\\-sops 0.4.0, \\fI~/.config/sops/config\\fR "
    .. "and \\fBSOPS_CONFIG\\fR are read, with a notice). It decides where the app secret goes, so the command "
    .. "refuses it unless it is owned by you or root and no one else may change it"
  -- (no default path: only the flag or a profile names one)
  out[#out + 1] = ".TP\n\\fISECRET_FILE\\fR\nthe app secret, the file's text less its trailing blanks, when "
    .. "\\fB\\-\\-app\\-secret\\-file\\fR or a profile's \\fBapp_secret_file\\fR names the file "
    .. "(there is no default one). The command refuses it unless it is owned by you or root and no one else may "
    .. "read or change it (\\fBchmod 600\\fR)"
  -- what make install-completion and install-man put under PREFIX
  -- (/usr/local unless given), the paths of M.COMPLETIONS and M.MAN
  local installed = {
    {"bash", "bash's completion script"},
    {"zsh", "zsh's completion function (the directory must be in \\fBfpath\\fR, as /usr/local's is)"},
    {"fish", "fish's completion script"},
  }
  for _, f in ipairs(installed) do
    out[#out + 1] = string.format(".TP\n\\fI/usr/local/share/%s\\fR\n%s, as \\fBmake install\\-completion\\fR "
      .. "installs it (under the default \\fBPREFIX\\fR); \\fBbksops completion %s\\fR prints it", roff(M.COMPLETIONS[f[1]]),
      f[2], f[1])
  end
  out[#out + 1] = ".TP\n\\fI/usr/local/share/" .. roff(M.MAN) .. "\\fR\nthis page, as \\fBmake install\\-man\\fR "
    .. "installs it (under the default \\fBPREFIX\\fR)"
  out[#out + 1] = ".SH EXAMPLES"
  out[#out + 1] = roff(commands.EXAMPLES_NOTE)
  for _, c in ipairs(commands.LIST) do
    for _, ex in ipairs(not c.hidden and c.examples or {}) do out[#out + 1] = ".PP\n.nf\n" .. roff(ex) .. "\n.fi" end
  end
  out[#out + 1] = ".SH SEE ALSO"
  out[#out + 1] = "The lua\\-sops README: https://github.com/lua\\-sops/lua\\-sops"
  return table.concat(out, "\n") .. "\n"
end

local function write(path, text)
  assert(os.execute("mkdir -p '" .. path:match("^(.*)/[^/]*$") .. "'"))
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

if arg and arg[0] and arg[0]:find("share%.lua$") and arg[1] then
  for _, shell in ipairs(completion.SHELLS) do write(arg[1] .. "/" .. M.COMPLETIONS[shell], M.completion(shell)) end
  write(arg[1] .. "/" .. M.MAN, M.man())
end

return M
