#!/bin/zsh -f
# Prints the candidates zsh's completion system offers for a command line, one per line.
# Usage: zsh -f complete.zsh COMPLETION_SCRIPT 'pmsync-host sync --d'
# An interactive zsh runs in a pty (zsh/zpty); `compadd` is wrapped to print what it adds,
# and NUL lines mark the start and end of one completion.
zmodload zsh/zpty || { print -u2 'zsh/zpty is missing'; exit 2 }
zpty shell zsh -f -i
setup=$(mktemp)
cat > $setup <<'SETUP'
PROMPT=
autoload -U compinit && compinit -u -D
bindkey '^I' complete-word
bindkey '^M' undefined
bindkey '^J' undefined
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
marker() { print -rn -- $'\0\n' }
compprefuncs=( marker )
comppostfuncs=( marker exit )
compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
        builtin compadd "$@"
        return $?
    fi
    local -a hits
    builtin compadd -A hits "$@"
    (( $#hits )) && print -rl -- $hits
    builtin compadd "$@"
}
print ready
SETUP
zpty -w shell "source $setup; source ${(q)1}; compdef _pmsync-host pmsync-host"
line=
repeat 50; do
    zpty -r -t shell line && [[ $line == ready* ]] && break
    sleep 0.1
done
[[ $line == ready* ]] || { print -u2 'zsh did not start'; exit 2 }
zpty -w -n shell "$2"$'\t'
integer seen=0
while zpty -r shell line; do
    if [[ $line == *$'\0'* ]]; then
        (( seen++ ))
        (( seen == 2 )) && break
        continue
    fi
    (( seen == 1 )) && print -r -- ${line%$'\r'}
done
rm -f $setup
