#!/usr/bin/env python3
"""Regenerate the example runs in docs/playbooks/*.md from real runs.

One playground (1 FE, 3 BEs, a spare FE and BE, the demo database) gets the
playbooks in the order an operator would use them; each command's output
replaces the fenced block that starts with `$ <the same command>` in the
playbook's page. Run from anywhere, after `cargo build`:

    python3 docs/playbooks/regenerate-examples.py [path/to/srplay]
"""

import os
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "playbooks"
PG = pathlib.Path("/tmp/pg")  # short: its paths appear in the output
ROLLOUT_VARS = "'{\"sr_be_conf\": {\"mem_limit\": \"75%\"}}'"

# (page, command after `srplay `), in the order they run
RUNS = [
    ("precheck", "playbooks/precheck.yml -i hosts"),
    ("add_be", "playbooks/add_be.yml -i hosts"),
    ("add_fe", "playbooks/add_fe.yml -i hosts"),
    ("decommission_be", "playbooks/decommission_be.yml -i hosts -e sr_confirm=yes"),
    ("drop_fe", "playbooks/drop_fe.yml -i hosts -e sr_targets=fe2 -e sr_confirm=yes"),
    ("scale_up_be", "playbooks/scale_up_be.yml -i hosts -e sr_targets=be1 -e sr_confirm=yes -e sr_be_mem_limit=80%"),
    ("scale_up_fe", "playbooks/scale_up_fe.yml -i hosts -e sr_confirm=yes -e sr_fe_xmx=4g"),
    ("rollout_config", f"playbooks/rollout_config.yml -i hosts -e sr_targets=be1:be2 -e {ROLLOUT_VARS} --check --diff"),
    ("rollout_config", f"playbooks/rollout_config.yml -i hosts -e sr_targets=be1:be2 -e {ROLLOUT_VARS} -e sr_confirm=yes"),
]


def srplay(binary, args, check=True):
    env = dict(os.environ, NO_COLOR="1")
    env.pop("SR_ROOT_PASSWORD", None)
    p = subprocess.run(
        f"{binary} {args}", shell=True, cwd=PG, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    if check and p.returncode != 0:
        sys.exit(f"srplay {args} failed ({p.returncode}):\n{p.stdout}")
    return p.stdout


def replace_block(page, command, output):
    path = DOCS / f"{page}.md"
    text = path.read_text()
    pattern = re.compile(
        r"```\n\$ srplay " + re.escape(command.split(" -i hosts")[0]) + r" -i hosts[^\n]*\n.*?```",
        re.S,
    )
    blocks = [m for m in pattern.finditer(text) if ("--check" in m.group(0).split("\n")[1]) == ("--check" in command)]
    if len(blocks) != 1:
        sys.exit(f"{path}: {len(blocks)} example blocks for `{command}`")
    new = f"```\n$ srplay {command}\n{output.rstrip()}\n```"
    m = blocks[0]
    path.write_text(text[: m.start()] + new + text[m.end():])


def main():
    binary = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "target" / "debug" / "srplay").resolve()
    if PG.exists():
        srplay(binary, f"playground down --dir {PG}", check=False)
        subprocess.run(["rm", "-rf", str(PG)], check=True)
    PG.mkdir()
    print(srplay(binary, f"playground up --dir {PG} --subnet 127.0.9"), end="")
    (PG / "playbooks").symlink_to(REPO / "playbooks")
    try:
        for page, command in RUNS:
            print(f"$ srplay {command}")
            replace_block(page, command, srplay(binary, command))
    finally:
        srplay(binary, f"playground down --dir {PG}", check=False)


if __name__ == "__main__":
    main()
