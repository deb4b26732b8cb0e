# Sourced before every `sh` block of docs/operations.md (scripts/ops/BlockRunner.ts): the blocks run like
# commands typed into one terminal, so the variables and functions a block defines (exported or not), the
# directory it ends in and its umask carry over to the next block. `set -e -o pipefail`: a failing command fails its block.
# Usage: bash prelude.sh <state dir> <block file>
__state="$1"
__block="$2"
for __f in vars.sh funcs.sh; do
  # shellcheck disable=SC1090
  if [ -f "$__state/$__f" ]; then source "$__state/$__f"; fi
done
cd "$(cat "$__state/pwd")" || exit 70
if [ -f "$__state/umask" ]; then umask "$(cat "$__state/umask")"; fi

__save() {
  __rc=$?
  set +e
  {
    for __v in $(compgen -v); do
      case "$__v" in
        __* | BASH* | COMP_* | EPOCH* | FUNCNAME | GROUPS | HIST* | LINENO | OLDPWD | PIPESTATUS | PPID | PWD \
          | RANDOM | SECONDS | SHELLOPTS | SHLVL | SRANDOM | EUID | UID | _ | IFS | OPTIND | OPTERR | PS1 | PS2 | PS4 \
          | COLUMNS | LINES | DIRSTACK | MAILCHECK | HOSTNAME | HOSTTYPE | MACHTYPE | OSTYPE) continue ;;
      esac
      __d=$(declare -p "$__v" 2>/dev/null) || continue
      __f=${__d#declare }
      case "${__f%% *}" in *r*) continue ;; esac
      printf '%s\n' "$__d"
    done
  } > "$__state/vars.sh.next"
  mv "$__state/vars.sh.next" "$__state/vars.sh"
  for __v in $(compgen -A function); do
    [ "$__v" = __save ] || declare -f "$__v"
  done > "$__state/funcs.sh"
  pwd > "$__state/pwd"
  umask > "$__state/umask"
  exit "$__rc"
}
trap __save EXIT
set -e -o pipefail
# shellcheck disable=SC1090
source "$__block"
