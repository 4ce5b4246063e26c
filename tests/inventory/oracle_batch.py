"""Run many ansible-inventory / `ansible --list-hosts` commands for the
inventory oracle tests in one Python process.

Starting the interpreter and importing ansible costs about a second per
command, which made the oracle test the slowest in the suite. Here ansible
is imported once; each command then runs in a forked child (so no state
leaks from one command into the next), with its own working directory and
stdout captured to a file.

stdin: JSON list of {"cwd": DIR, "argv": ["ansible-inventory" | "ansible", ARGS...]}
stdout: JSON list of {"stdout": TEXT, "rc": INT}, in the same order.
"""

import json
import os
import sys
import tempfile

from ansible.cli.adhoc import AdHocCLI
from ansible.cli.inventory import InventoryCLI

CLIS = {"ansible-inventory": InventoryCLI, "ansible": AdHocCLI}


def warm_up():
    """Load the inventory plugins (and parse their option docs) once, in the
    parent, so that every child inherits them instead of redoing it. Vars
    plugins are left alone: loaded before a CLI has set its context, they
    stop reading group_vars/host_vars."""
    from ansible.plugins.loader import inventory_loader

    for _ in inventory_loader.all():
        pass


def run_child(job, out_path):
    """In the forked child: run one command, never return."""
    code = 1
    try:
        os.chdir(job["cwd"])
        fd = os.open(out_path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(fd, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        CLIS[job["argv"][0]].cli_executor(job["argv"])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run(job):
    with tempfile.NamedTemporaryFile(prefix="srplay-oracle-") as out:
        pid = os.fork()
        if pid == 0:
            run_child(job, out.name)
        _, status = os.waitpid(pid, 0)
        with open(out.name, encoding="utf-8", errors="replace") as f:
            text = f.read()
    return {"stdout": text, "rc": os.waitstatus_to_exitcode(status)}


def main():
    jobs = json.load(sys.stdin)
    warm_up()
    json.dump([run(job) for job in jobs], sys.stdout)


if __name__ == "__main__":
    main()
