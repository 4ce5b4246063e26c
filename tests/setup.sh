#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine, only what is
# missing, so a second run costs well under a second:
#   - system packages: a real sshd, sudo, MariaDB, the mariadb client,
#     python3-venv (for the ansible-core oracle), iproute2 (ss), acl,
#     krb5-user (kinit, for the keytab module), zip/unzip/file (unarchive,
#     stat), openssl (test CA and certificates for the sql TLS tests);
#   - a venv with ansible-core (the behavioural oracle) at
#     $SRPLAY_ORACLE_VENV (default: <repo>/.venv-oracle).
# Prints the oracle's bin directory on the last line.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${SRPLAY_ORACLE_VENV:-$repo/.venv-oracle}
ansible_version=$(cat "$repo/tests/ORACLE_VERSION")

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have sshd || [ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
have ssh || need_pkgs+=(openssh-client)
have sudo || need_pkgs+=(sudo)
have script || need_pkgs+=(bsdutils) # `script` gives tests/playbook/pause_tty.rs a pty
have mariadbd || [ -x /usr/sbin/mariadbd ] || need_pkgs+=(mariadb-server)
have mariadb || need_pkgs+=(mariadb-client)
have ss || need_pkgs+=(iproute2)
have setfacl || need_pkgs+=(acl)
have kinit || need_pkgs+=(krb5-user)
have zip || need_pkgs+=(zip)
have unzip || need_pkgs+=(unzip)
have file || need_pkgs+=(file)
# reliability_faults mounts a tiny tmpfs (needs root) to fill a disk
have mount || [ -x /usr/bin/mount ] || need_pkgs+=(mount)
have curl || need_pkgs+=(curl)   # SOP checklist item 13 reads Grafana dashboards with curl
have openssl || need_pkgs+=(openssl)
python3 -c 'import ensurepip, venv' 2>/dev/null || need_pkgs+=(python3-venv)

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! have apt-get; then
    echo "tests/setup.sh: missing ${need_pkgs[*]}; install them (Debian: apt-get install ${need_pkgs[*]})" >&2
    exit 1
  fi
  echo "tests/setup.sh: installing ${need_pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_pkgs[@]}" >&2
fi

if ! "$venv/bin/ansible-playbook" --version 2>/dev/null | grep -q "core $ansible_version"; then
  echo "tests/setup.sh: creating $venv with ansible-core==$ansible_version" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$ansible_version" PyYAML >&2
fi
echo "$venv/bin"
