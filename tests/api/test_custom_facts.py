"""Facts written as pyinfra's are (P:pyinfra/api/facts.py), read on @local: a command
given as plain text, state kept on the instance from ``command()`` to ``process()``, a
``ShortFactBase``, a ``FactProcessError`` from ``process()``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corral import api, host
from corral.api import FactBase, ShortFactBase
from corral.api.exceptions import FactProcessError
from corral.model.results import HostStatus


class Greeting(FactBase[str]):
    command = "echo hello"  # type: ignore[assignment]


class LineCount(FactBase[str]):
    def command(self, path: str) -> str:
        self.path = path  # kept for process(), as pyinfra's own facts do
        return f"wc -l < {path}"

    def process(self, output: list[str]) -> str:
        return f"{self.path}: {output[0].strip()}"


class Words(FactBase[list[str]]):
    def command(self, text: str) -> str:
        return f"echo {text}"

    def process(self, output: list[str]) -> list[str]:
        return output[0].split()


class WordCount(ShortFactBase[int]):
    fact = Words

    def process_data(self, data: Any) -> int:
        return len(data)


class Strict(FactBase[int]):
    def command(self) -> str:
        return "echo not-a-number"

    def process(self, output: list[str]) -> int:
        if not output[0].isdigit():
            raise FactProcessError(f"expected a number, got {output[0]!r}")
        return int(output[0])


def test_pyinfra_style_facts(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a\nb\nc\n")
    got: list[Any] = []

    def deploy() -> None:
        got.append(host.get_fact(Greeting))
        got.append(host.get_fact(LineCount, str(tmp_path / "f")))
        got.append(host.get_fact(WordCount, "one two three"))

    assert api.run("@local", deploy).exit_code == 0
    assert got == ["hello", f"{tmp_path / 'f'}: 3", 3]


def test_fact_process_error_fails_the_host_with_its_message() -> None:
    h = api.run("@local", lambda: host.get_fact(Strict)).hosts[0]
    assert h.status is HostStatus.FAILED
    assert "expected a number, got 'not-a-number'" in (h.error or "")
