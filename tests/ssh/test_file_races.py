"""Two runs editing one file at the same time, on a fleet host: each corral process edits
its own block of the same file (or one a block, the other a line with sed). files.block
computes the new content on the controller from what it read; before, the second upload
silently replaced the first (both runs exit 0, "changed", one block lost). Now every run
either succeeds, with its edit in the file, or fails with "changed on the host since it
was read"; no edit is ever lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corral.testing.fleet import Fleet

from .conftest import ROOT_HOST, Cli, host_inventory, host_root

pytestmark = pytest.mark.integration

ROUNDS = int(os.environ.get("CORRAL_RACE_ROUNDS", "25"))
CONFLICT = "changed on the host since it was read"


def _deploy(directory: Path, who: str, kind: str, remote: str, round_: int) -> Path:
    path = directory / f"{who}.py"
    if kind == "block":
        op = (f"files.block(name='block {who}', path={remote!r}, marker='# {{mark}} {who}',\n"
              f"            content=['{who} round {round_}', 'shared line'])\n")
    else:  # sed -i when the line is there, an append the first time
        op = (f"files.line(name='line {who}', path={remote!r}, line='^{who} round ',\n"
              f"           replace='{who} round {round_} & \\\\1')\n")
    path.write_text("from corral.operations import files\n" + op)
    return path


def _present(text: str, who: str, kind: str, win: str) -> bool:
    if kind == "block":
        return f"# BEGIN {who}\n{win}\nshared line\n# END {who}\n" in text
    return f"\n{win} & \\1\n" in text


@pytest.mark.parametrize("kind_b", ["block", "line"])
def test_two_runs_editing_one_file_never_lose_an_edit(fleet: Fleet, tmp_path: Path,
                                                      kind_b: str) -> None:
    inventory = host_inventory(fleet, ROOT_HOST, tmp_path)
    remote = f"/srv/race/shared-{kind_b}.conf"
    kinds = {"a": "block", "b": kind_b}
    local = host_root(fleet, ROOT_HOST) / remote.lstrip("/")
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(b"base\r\nlatin \xe9\n")
    wins = {"a": "", "b": ""}  # the content each block must hold: its last success
    outcomes = {"both": 0, "one failed": 0}
    for round_ in range(ROUNDS):
        runs = {who: Cli(inventory, _deploy(tmp_path, who, kinds[who], remote, round_), "-y",
                         cwd=tmp_path) for who in ("a", "b")}
        done = {who: cli.wait(120) for who, cli in runs.items()}
        text = local.read_bytes().decode("utf-8", "replace")
        assert text.startswith("base\r\nlatin \ufffd\n"), text
        for who, cli in done.items():
            if cli.code == 0:
                wins[who] = f"{who} round {round_}"
            else:
                assert cli.code == 1 and CONFLICT in cli.out + cli.err, str(cli)
            if wins[who]:
                assert _present(text, who, kinds[who], wins[who]), (
                    f"round {round_}: {who}'s edit lost\n{text}\n{done['a']}\n{done['b']}")
        failed = sum(cli.code != 0 for cli in done.values())
        assert failed < 2, f"round {round_}: both runs failed\n{done['a']}\n{done['b']}"
        outcomes["one failed" if failed else "both"] += 1
    # the runs did overlap (otherwise this proves nothing)
    print(outcomes)
    assert outcomes["one failed"] > 0, outcomes
