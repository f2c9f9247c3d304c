"""``corral --list-ops`` and ``--list-facts`` name everything pyinfra 3.10 has: every
operation and every fact of pyinfra's installed package (read by pyinfra's own interpreter,
``_pyinfra_probe.py names``) is listed by corral under the same name.

While the missing ones are being built, the names corral does not have yet are written
below. The test fails for a name missing that is not written there, and for a name written
there that corral now has (remove it: the lists only shrink). Names corral has and pyinfra
has not are fine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ._harness import REPO, pyinfra_bin

PROBE = Path(__file__).resolve().parent / "_pyinfra_probe.py"

#: pyinfra 3.10's operations corral does not have yet (sorted)
MISSING_OPERATIONS: tuple[str, ...] = ()

#: pyinfra 3.10's facts corral does not have yet (sorted)
MISSING_FACTS: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def pyinfra_names() -> dict[str, list[str]]:
    found = pyinfra_bin()
    if isinstance(found, str):
        pytest.skip(found)
    done = subprocess.run([str(found.parent / "python"), str(PROBE), "names"],
                          capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    names: dict[str, list[str]] = json.loads(done.stdout)
    return names


def listed(flag: str) -> set[str]:
    """The names corral's command line prints for ``--list-ops``/``--list-facts``."""
    done = subprocess.run([sys.executable, "-m", "corral", flag], capture_output=True,
                          text=True, check=True, cwd=REPO)
    return {line.split()[0] for line in done.stdout.splitlines() if line.strip()}


def mismatch(pyinfra: list[str], corral: set[str], expected_missing: tuple[str, ...]) -> str:
    """What is wrong with the written list, or "" when it is exactly what is missing."""
    missing = set(pyinfra) - corral
    problems = []
    unlisted = sorted(missing - set(expected_missing))
    if unlisted:
        problems.append(f"missing from corral ({len(unlisted)}): {', '.join(unlisted)}")
    built = sorted(set(expected_missing) - missing)
    if built:
        problems.append(f"corral has these now, remove them from the list ({len(built)}): "
                        + ", ".join(built))
    return "\n".join(problems)


@pytest.mark.parametrize(("kind", "flag", "expected"), [
    ("operations", "--list-ops", MISSING_OPERATIONS),
    ("facts", "--list-facts", MISSING_FACTS),
])
def test_corral_lists_pyinfra_names(pyinfra_names: dict[str, list[str]], kind: str, flag: str,
                                    expected: tuple[str, ...]) -> None:
    assert len(pyinfra_names[kind]) > 100  # pyinfra's package was read (3.10: 182, 199)
    problems = mismatch(pyinfra_names[kind], listed(flag), expected)
    assert not problems, f"{kind}: {problems}"


def test_missing_lists_are_sorted_and_unique() -> None:
    for names in (MISSING_OPERATIONS, MISSING_FACTS):
        assert list(names) == sorted(set(names))


def test_mismatch_names_both_ways() -> None:
    """The check fails for an unlisted missing name and for a listed name now built."""
    assert mismatch(["a.x", "a.y"], {"a.x", "a.y", "b.z"}, ()) == ""
    assert mismatch(["a.x", "a.y"], {"a.x"}, ("a.y",)) == ""
    assert "missing from corral (1): a.y" in mismatch(["a.x", "a.y"], {"a.x"}, ())
    assert "remove them from the list (1): a.x" in mismatch(["a.x"], {"a.x"}, ("a.x",))
