#!/usr/bin/env bash
# Creates (once) a venv with the reference ansible-core used by the inventory
# differential tests, and prints its bin dir. Idempotent: re-running is cheap.
set -euo pipefail
ORACLE_VERSION="2.19.14"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SRPLAY_ORACLE_VENV:-$repo_root/.venv-oracle}"

have_oracle() {
  [ -x "$venv/bin/ansible-inventory" ] &&
    "$venv/bin/python" -c "import ansible.release as r, sys; sys.exit(r.__version__ != '$ORACLE_VERSION')" 2>/dev/null
}

if ! have_oracle; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get install -y python3-venv >&2
    else
      echo "oracle.sh: python3-venv is missing (Debian: apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$ORACLE_VERSION" >&2
fi
echo "$venv/bin"
