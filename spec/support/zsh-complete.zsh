# What zsh's completion offers for a command line: one candidate a line,
# as compadd is given it (unquoted). For spec/35-cli_completion_spec.lua:
#   zsh -f spec/support/zsh-complete.zsh SCRIPT SETUP 'bksops run De'
# An interactive zsh runs in a pseudo-terminal (zsh/zpty) with compinit,
# the commands SETUP (defining bksops, say) and SCRIPT loaded, and compadd
# wrapped to print the candidates; the line is typed there and completed
# with Tab.
zmodload zsh/zpty || exit 3
script=$1 setup=$2 line=$3

zpty z zsh -f -i
zpty -w z 'PROMPT= RPROMPT=; unsetopt beep; autoload -U compinit; compinit -u'
zpty -w z "$setup"
zpty -w z "source ${(q)script}"
# (the calls that only ask, with -O, -A or -D, go through as they are)
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits; local h
  builtin compadd -A hits "$@"
  for h in $hits; do print -r -- "<candidate>$h</candidate>"; done
}'
# Tab completes, then says so: nothing more is typed until the completion
# has ended (typed ahead, the next keys could reach zsh while it completes)
zpty -w z 'tab-and-mark() { zle complete-word; print -rn -- "<comp""leted>" }; zle -N tab-and-mark'
zpty -w z "bindkey '^I' tab-and-mark; echo __rea''dy__"
zpty -r z out '*__ready__*' || exit 4
zpty -w -n z "$line"$'\t'
# (the markers' echoes differ from what they print: the typed line is not
# the answer)
zpty -r z out '*<completed>*' || exit 4
zpty -w z $'\C-u'"echo __do''ne__"
zpty -r z rest '*__done__*' || exit 4
zpty -d z
for l in ${(f)out}; do
  [[ $l == *'<candidate>'*'</candidate>'* ]] && print -r -- ${${l#*<candidate>}%%</candidate>*}
done
exit 0
