#!/usr/bin/env bash
# Run one playbook under ansible-playbook and under srplay and compare
# what matters: the exit code, the PLAY RECAP counts per host and, with
# --work-dir-var NAME, the files each run wrote (each run gets its own
# empty directory passed as `-e NAME=DIR`; listing + sha256 compared).
#
#   tests/compare-with-ansible.sh site.yml -i inventory
#   tests/compare-with-ansible.sh --work-dir-var work_dir site.yml -i inventory -c local
#
# Every argument after the options goes to both tools unchanged.
# Environment: SRPLAY_ORACLE_BIN (dir of ansible-playbook; default
# <repo>/.venv-oracle/bin, or the one on PATH), SRPLAY_BIN (default
# srplay on PATH, else <repo>/target/debug/srplay).
# Exit: 0 same, 1 different, 2 a tool is missing.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
var=""
if [ "${1:-}" = "--work-dir-var" ]; then
  var=$2
  shift 2
fi
[ $# -ge 1 ] || { sed -n '2,14p' "$0" >&2; exit 2; }

oracle=${SRPLAY_ORACLE_BIN:-$repo/.venv-oracle/bin}
ansible=$oracle/ansible-playbook
[ -x "$ansible" ] || ansible=$(command -v ansible-playbook || true)
srplay=${SRPLAY_BIN:-$(command -v srplay || echo "$repo/target/debug/srplay")}
[ -x "$ansible" ] || { echo "ansible-playbook not found (set SRPLAY_ORACLE_BIN)" >&2; exit 2; }
[ -x "$srplay" ] || { echo "srplay not found (set SRPLAY_BIN)" >&2; exit 2; }

# A local run uses the oracle's own Python (interpreter discovery may find
# a shim that does not work); remote hosts keep Ansible's discovery.
case " $* " in
  *" -c local "*|*" --connection local "*|*" --connection=local "*)
    if [ -z "${ANSIBLE_PYTHON_INTERPRETER:-}" ] && [ -x "$oracle/python" ]; then
      export ANSIBLE_PYTHON_INTERPRETER=$oracle/python
    fi
    ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # name tool args...
  local name=$1 tool=$2
  shift 2
  local extra=()
  if [ -n "$var" ]; then
    mkdir -p "$tmp/$name-work"
    extra=(-e "$var=$tmp/$name-work")
  fi
  ANSIBLE_NOCOLOR=1 NO_COLOR=1 ANSIBLE_RETRY_FILES_ENABLED=false \
    "$tool" "$@" "${extra[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
  echo $? >"$tmp/$name.rc"
}

# "host : ok=1 changed=0 ..." lines of the recap, blanks squeezed, sorted.
recap() { sed -n '/^PLAY RECAP/,$p' "$1" | grep -E '^[^ ].* : ok=' | tr -s ' ' | sort; }

# Every file and link under a dir, with its sha256 (links: their target).
tree() {
  [ -n "$var" ] || return 0
  (cd "$1" && find . -mindepth 1 \( -type f -o -type l -o -type d \) -print | LC_ALL=C sort | while read -r p; do
    if [ -L "$p" ]; then echo "link $p -> $(readlink "$p")"
    elif [ -d "$p" ]; then echo "dir  $p"
    else echo "file $p $(sha256sum <"$p" | cut -d' ' -f1)"; fi
  done)
}

run ansible "$ansible" "$@"
run srplay "$srplay" "$@"

status=0
report() { # what ansible-file srplay-file
  if ! diff -u --label "ansible-playbook $1" --label "srplay $1" "$2" "$3"; then status=1; fi
}
echo "exit $(cat "$tmp/ansible.rc")" >"$tmp/a.rc"; echo "exit $(cat "$tmp/srplay.rc")" >"$tmp/s.rc"
report "exit code" "$tmp/a.rc" "$tmp/s.rc"
recap "$tmp/ansible.out" >"$tmp/a.recap"; recap "$tmp/srplay.out" >"$tmp/s.recap"
report "recap" "$tmp/a.recap" "$tmp/s.recap"
if [ -n "$var" ]; then
  tree "$tmp/ansible-work" >"$tmp/a.tree"; tree "$tmp/srplay-work" >"$tmp/s.tree"
  report "files" "$tmp/a.tree" "$tmp/s.tree"
fi
if [ $status -ne 0 ]; then
  echo "--- srplay output:"; cat "$tmp/srplay.out" "$tmp/srplay.err"
  echo "--- ansible-playbook output:"; cat "$tmp/ansible.out" "$tmp/ansible.err"
else
  echo "same: $(cat "$tmp/a.rc"), $(wc -l <"$tmp/a.recap") recap line(s)${var:+, $(wc -l <"$tmp/a.tree") path(s)}"
fi
exit $status
