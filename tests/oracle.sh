#!/usr/bin/env bash
# Creates (once) a venv with the reference ansible-core used by the inventory
# differential tests, and prints its bin dir (export it as SRPLAY_ORACLE_BIN).
# Idempotent: when the venv already has the right version it only prints.
set -euo pipefail
ORACLE_VERSION="2.19.14"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SRPLAY_ORACLE_VENV:-$repo_root/.venv-oracle}"

have_oracle() {
  [ -x "$venv/bin/ansible-inventory" ] && [ -x "$venv/bin/ansible" ] &&
    "$venv/bin/python" -c "import ansible.release as r, sys; sys.exit(r.__version__ != '$ORACLE_VERSION')" 2>/dev/null
}

install_venv_support() {
  # Debian ships venv/ensurepip separately (python3-venv).
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y python3-venv >&2 || { apt-get update >&2 && apt-get install -y python3-venv >&2; }
  else
    echo "oracle.sh: cannot create a venv; install python3-venv (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
}

if ! have_oracle; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >&2 2>/dev/null; then
    rm -rf "$venv"
    install_venv_support
    python3 -m venv "$venv" >&2
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$ORACLE_VERSION" >&2
  have_oracle || { echo "oracle.sh: ansible-core $ORACLE_VERSION not usable in $venv" >&2; exit 1; }
fi
echo "$venv/bin"
