"""What a run keeps to itself and what it reads again, on real shells (``@local``): the
caller's config is left as given; a fact that cannot say what it reads is read again after
a change."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from corral import api, host
from corral.model.config import Config
from corral.model.facts import FactBase
from corral.model.keys import Key
from corral.operations import server


class ContentsOf(FactBase[str]):
    """A file's text; its ``reads`` fails (a custom fact with a bug in it)."""

    def command(self, path: str) -> str:
        return f"cat {shlex.quote(path)} 2>/dev/null || true"

    def process(self, output: list[str]) -> str:
        return "\n".join(output)

    def reads(self, path: str) -> frozenset[Key]:
        raise ValueError("no idea")


def test_a_fact_whose_reads_fails_is_read_again_after_a_change(tmp_path: Path) -> None:
    """It may read anything: a change (here one that may change anything) makes it stale,
    as an operation that cannot say what it changes changes anything."""
    path = tmp_path / "f"
    path.write_text("before\n")
    seen: list[str] = []

    def deploy() -> None:
        seen.append(host.get_fact(ContentsOf, path=str(path)))
        server.shell(commands=[f"echo after > {shlex.quote(str(path))}"])
        seen.append(host.get_fact(ContentsOf, path=str(path)))

    result = api.run("@local", deploy)
    assert result.exit_code == 0
    assert seen == ["before", "after"]


def test_the_callers_config_is_left_as_given(tmp_path: Path) -> None:
    """``parallel=`` is the run's: deploy code reads it as ``config.PARALLEL``, the config
    object the caller passed keeps its own value."""
    config = Config()
    config.PARALLEL = 7
    seen: dict[str, Any] = {}

    def deploy() -> None:
        from corral import config as current

        seen["parallel"] = current.PARALLEL

    result = api.run("@local", deploy, parallel=3, config=config)
    assert result.exit_code == 0
    assert seen == {"parallel": 3}
    assert config.PARALLEL == 7
    assert config == Config(PARALLEL=7)


def test_fact_keys_are_equal_for_the_same_privilege() -> None:
    """Who a fact is read as is one value: the same user settings give equal (and equally
    hashed) keys whatever else the global arguments say; another user gives another key."""
    from corral.engine.probe import make_fact_key
    from corral.facts.server import Command
    from corral.model.operation import GlobalArgs
    from corral.model.privilege import Privilege
    from corral.model.secrets import Secret

    plain = GlobalArgs(sudo=True, sudo_password=Secret("pw"), env={"A": "1"}, timeout=3.0)
    other = GlobalArgs(sudo=True, sudo_password=Secret("pw"), chdir="/tmp")
    assert plain.privilege() == other.privilege() == Privilege(sudo=True,
                                                                sudo_password=Secret("pw"))
    a = make_fact_key(Command, ("id -un",), {}, plain.privilege())
    b = make_fact_key(Command, ("id -un",), {}, other.privilege())
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    root = make_fact_key(Command, ("id -un",), {}, GlobalArgs(sudo=True).privilege())
    assert root != a
    assert GlobalArgs.of_privilege(plain.privilege()).privilege() == plain.privilege()


#: how many times the step reading each Counted fact was made, by its argument
MADE: dict[str, int] = {}


class Counted(FactBase[str]):
    """Echoes its argument; counts how many times the step reading it is made (the engine
    asks ``runs_inline`` only then)."""

    def command(self, word: str) -> str:
        return f"echo {shlex.quote(word)}"

    def runs_inline(self, word: str) -> bool:
        MADE[word] = MADE.get(word, 0) + 1
        return False

    def process(self, output: list[str]) -> str:
        return "\n".join(output)


def test_two_runs_at_once_in_one_process_keep_their_own_state(tmp_path: Path) -> None:
    """Two ``api.arun`` at once, on different hosts: the second run starting does not
    make the first forget what it worked out (the step reading a fact is made once per
    run, however many times and hosts read it), and each run's facts and results are its
    own."""
    import asyncio

    MADE.clear()
    seen: dict[str, list[str]] = {"a": [], "b": []}
    flag = tmp_path / "flag"

    def deploy_a() -> None:
        seen["a"].append(host.get_fact(Counted, word="from-a"))
        # a change that may change anything (the fact is read again after it), slow
        # enough for the second run to start meanwhile
        server.shell(commands=[f"sleep 0.6; touch {shlex.quote(str(flag))}"])
        seen["a"].append(host.get_fact(Counted, word="from-a"))

    def deploy_b() -> None:
        seen["b"].append(host.get_fact(Counted, word="from-b"))
        server.shell(commands=["true"])

    async def later(delay: float) -> api.RunResult:
        await asyncio.sleep(delay)
        return await api.arun("@testlocal/b", deploy_b)

    async def both() -> list[api.RunResult]:
        return list(await asyncio.gather(api.arun("@testlocal/a", deploy_a), later(0.3)))

    a, b = asyncio.run(both())
    assert (a.exit_code, b.exit_code) == (0, 0)
    assert [h.host for h in a.hosts] == ["@testlocal/a"]
    assert [h.host for h in b.hosts] == ["@testlocal/b"]
    assert seen == {"a": ["from-a", "from-a"], "b": ["from-b"]}
    assert flag.exists()
    assert MADE == {"from-a": 1, "from-b": 1}
