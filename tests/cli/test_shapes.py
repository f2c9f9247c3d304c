"""The argument shapes pyinfra 3.10 accepts after INVENTORY, on ``@local`` (every deploy here
touches only tmp_path): several deploy files, deploy and plain functions by import name or
from a file, operations with positional arguments, inventory functions, several facts,
debug-inventory. Each runs the real command in a subprocess."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ._helpers import Ran, argv, corral, env, write

TASKS = """\
from corral import host
from corral.api import deploy
from corral.operations import files, server

TARGET = {target!r}


@deploy("Install")
def install(word="default", count: int = 1, flag=False):
    files.line(name="install", path=TARGET, line=f"install {{word!r}} {{count!r}} {{flag!r}}")


def plain(*words):
    files.line(name="plain", path=TARGET, line="plain " + " ".join(map(repr, words)))


def who():
    server.shell(name="who", commands=["id -un"])
"""


def bad(ran: Ran, *parts: str) -> None:
    """Exit 4, one line on stderr holding every part, nothing on stdout."""
    assert ran.code == 4, ran
    assert len(ran.err_lines) == 1, ran
    for part in parts:
        assert part in ran.err, (part, str(ran))
    assert "Traceback" not in ran.err


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write(tmp_path / "tasks.py", TASKS.format(target=str(tmp_path / "out")))
    return tmp_path


def lines(site: Path) -> list[str]:
    return (site / "out").read_text().splitlines()


# -- deploy files -------------------------------------------------------------------------


def test_several_deploy_files_run_in_order(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for name in ("one", "two", "three"):
        write(tmp_path / "tasks" / f"{name}.py",
              f"from corral.operations import files\n"
              f"files.line(name={name!r}, path={str(out)!r}, line={name!r})\n")
    ran = corral("@local", "tasks/two.py", "tasks/one.py", "tasks/three.py", "-y",
                 cwd=tmp_path)
    assert ran.code == 0, ran
    assert out.read_text() == "two\none\nthree\n"


def test_a_directory_is_refused_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "deploys").mkdir()
    bad(corral("@local", "deploys", "-y", cwd=tmp_path), "deploys is a directory",
        "package.function")


# -- functions ----------------------------------------------------------------------------


def test_a_deploy_function_by_import_name_with_arguments(site: Path) -> None:
    ran = corral("@local", "tasks.install", "word", "count=3", "flag=true", "-y", cwd=site)
    assert ran.code == 0, ran
    # positional words and key=value words; an int annotation reads 3, an unannotated
    # argument reads true as pyinfra does (a bool)
    assert lines(site) == ["install 'word' 3 True"]
    assert "@local: install: changed" in ran.out
    again = corral("@local", "tasks.install", "word", "count=3", "flag=true", "-y", cwd=site)
    assert again.code == 0 and ": changed" not in again.out, again


def test_module_colon_function_and_the_console_script(site: Path) -> None:
    """The console script has no working directory on sys.path by itself (``python -m``
    has): the function's module is still found there."""
    script = Path(argv()[0]).parent / "corral"
    if not script.exists():
        pytest.skip("no console script in this environment")
    proc = subprocess.run([str(script), "@local", "tasks:plain", "a", "2", "-y"], cwd=site,
                          env=env(), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc
    assert lines(site) == ["plain 'a' 2"]


def test_a_function_from_a_file(site: Path) -> None:
    write(site / "sub" / "helper.py", "WORD = 'from helper'\n")
    write(site / "sub" / "more.py", f"""\
from helper import WORD  # a neighbour of the file
from corral.operations import files

def go(extra="x"):
    files.line(name="go", path={str(site / 'out')!r}, line=WORD + " " + extra)
""")
    ran = corral("@local", "sub/more.py:go", "extra=y", "-y", cwd=site)
    assert ran.code == 0, ran
    assert lines(site) == ["from helper y"]


def test_json_arguments(site: Path) -> None:
    ran = corral("@local", "tasks.install", '[["w"], {"count": 7}]', "-y", cwd=site)
    assert ran.code == 0, ran
    assert lines(site) == ["install 'w' 7 False"]


def test_an_operation_with_a_positional_argument(tmp_path: Path) -> None:
    path = tmp_path / "adhoc"
    ran = corral("@local", "files.line", str(path), "line=123", "-y", cwd=tmp_path)
    assert ran.code == 0, ran
    assert path.read_text() == "123\n"  # a str argument keeps the text as it is


def test_dry_and_no_terminal_plan_a_function_without_changing(site: Path) -> None:
    dry = corral("@local", "tasks.install", "--dry", cwd=site)
    assert dry.code == 2 and not (site / "out").exists(), dry
    assert "@local: install: would change" in dry.out
    unconfirmed = corral("@local", "tasks.install", cwd=site)
    assert unconfirmed.code == 2 and not (site / "out").exists(), unconfirmed


FUNCTION_CASES = {
    "unknown keyword": (["tasks.install", "colour=red"], ["install", "colour"]),
    "too many positionals": (["tasks.who", "a"], ["who", "too many positional"]),
    "no such function": (["tasks.nothing"], ["tasks.nothing", "has no nothing"]),
    "no such module": (["nomodule.func"], ["no module nomodule"]),
    "not a function": (["tasks.TARGET"], ["tasks.TARGET is str"]),
    "no such file": (["nofile.py:func"], ["no file nofile.py"]),
    "bad global argument": (["tasks.install", "_sudo_user=a;b"], ["_sudo_user",
                                                                  "user name"]),
}


@pytest.mark.parametrize("case", list(FUNCTION_CASES))
def test_bad_function_calls(site: Path, case: str) -> None:
    words, parts = FUNCTION_CASES[case]
    bad(corral("@local", *words, "-y", cwd=site), *parts)
    assert not (site / "out").exists()


def test_an_error_importing_the_module_names_its_line(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "x = 1\ny = 1 / 0\n\ndef f():\n    pass\n")
    bad(corral("@local", "broken.f", "-y", cwd=tmp_path), "broken.py:2", "ZeroDivisionError")
    write(tmp_path / "syntax.py", "def f(:\n")
    bad(corral("@local", "syntax.f", "-y", cwd=tmp_path), "syntax.py:1", "syntax error")


# -- inventories --------------------------------------------------------------------------


def test_an_inventory_function(tmp_path: Path) -> None:
    write(tmp_path / "inventories.py", """\
def make():
    return {"web": [("@local", {"role": "web"})]}

HOSTS = ["@local"]
""")
    ran = corral("inventories.make", "debug-inventory", "--json", cwd=tmp_path)
    assert ran.code == 0, ran
    (event,) = ran.events()
    # the connector's group after the function's, as pyinfra has it
    assert event == {"event": "inventory",
                     "hosts": [{"name": "@local", "groups": ["web", "@local"],
                                "data": {"role": "web"}}]}
    ran = corral("inventories:HOSTS", "exec", "--", "echo", "listed", cwd=tmp_path)
    assert ran.code == 0 and "@local: listed" in ran.out, ran


INVENTORY_CASES = {
    "raises": ("def make():\n    raise KeyError('NO_ENV')\n", "inventories.make",
               ["inventory function inventories.make", "KeyError", "inventories.py:2"]),
    "not a dict": ("def make():\n    return 5\n", "inventories.make", ["returned int"]),
    "not an inventory": ("X = 5\n", "inventories.X", ["inventories.X is int"]),
    "bad host": ("def make():\n    return {'g': ['bad host!']}\n", "inventories.make",
                 ["malformed host name"]),
}


@pytest.mark.parametrize("case", list(INVENTORY_CASES))
def test_bad_inventory_functions(tmp_path: Path, case: str) -> None:
    source, spec, parts = INVENTORY_CASES[case]
    write(tmp_path / "inventories.py", source)
    bad(corral(spec, "exec", "--", "touch", str(tmp_path / "t"), cwd=tmp_path), *parts)
    assert not (tmp_path / "t").exists()


def test_a_host_name_with_dots_is_not_imported(tmp_path: Path) -> None:
    """``json.example.com`` names no module (``json`` has no ``example``): it stays a host
    name, listed without being contacted."""
    ran = corral("json.example.com", "debug-inventory", cwd=tmp_path)
    assert ran.code == 0 and ran.out.startswith("json.example.com\n"), ran


# -- facts and debug-inventory ------------------------------------------------------------


def test_several_facts_each_with_its_arguments(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("abc")
    ran = corral("@local", "fact", "server.Os", "files.File", f"path={tmp_path / 'f'}",
                 "server.Arch", cwd=tmp_path)
    assert ran.code == 0, ran
    out = ran.out.splitlines()
    assert out[:2] == ["server.Os", '@local: "Linux"']
    assert out[2] == f"files.File (path={tmp_path / 'f'})"
    assert out[-2] == "server.Arch"
    js = corral("@local", "fact", "server.Os", "files.File", f"path={tmp_path / 'f'}",
                "--json", cwd=tmp_path)
    assert js.code == 0, js
    facts = [e for e in js.events() if e["event"] == "fact"]
    assert [(f["fact"], f["arguments"]) for f in facts] == [
        ("server.Os", {}), ("files.File", {"path": str(tmp_path / "f")})]
    assert facts[1]["values"]["@local"]["size"] == 3


def test_a_fact_that_fails_is_null_there_and_the_others_are_still_read(tmp_path: Path) -> None:
    ran = corral("@local", "fact", "server.Command", "command=echo out; exit 3", "server.Os",
                 cwd=tmp_path)
    assert ran.code == 1, ran  # pyinfra exits 0 here
    out = ran.out.splitlines()
    assert "failed (exit code 3)" in out[0] and out[0].startswith("@local: ")
    assert out[1:] == ["server.Command (command=echo out; exit 3)", "@local: null",
                       "server.Os", '@local: "Linux"']
    js = corral("@local", "fact", "server.Command", "command=exit 3", "--json", cwd=tmp_path)
    (event,) = [e for e in js.events() if e["event"] == "fact"]
    assert event["values"] == {"@local": None} and "exit code 3" in event["errors"]["@local"]


@pytest.mark.parametrize(("words", "parts"), [
    (["fact", "path=/x"], ["fact arguments follow a fact's name"]),
    (["fact", "server.Os", "/etc"], ["key=value", "'/etc'"]),
    (["fact", "server.Os", "server.NoSuch"], ["unknown fact server.NoSuch"]),
    (["debug-inventory", "extra"], ["debug-inventory takes no arguments"]),
])
def test_bad_fact_and_debug_words(tmp_path: Path, words: list[str], parts: list[str]) -> None:
    bad(corral("@local", *words, cwd=tmp_path), *parts)


def test_debug_inventory_shows_groups_and_data_with_passwords_masked(tmp_path: Path) -> None:
    write(tmp_path / "inventory.py", 'web = [("@local", {"port": 8080, '
                                     '"db_password": "hunter22"})]\n')
    write(tmp_path / "group_data" / "web.py", "role = 'frontend'\n")
    ran = corral("inventory.py", "debug-inventory", "--data", "extra=[1, 2]",
                 "--ssh-password", "sekrit-pw", cwd=tmp_path)
    assert ran.code == 0, ran
    # the file-name group and the connector's, as in pyinfra
    assert ran.out.splitlines()[:2] == ["@local", "    groups: web, inventory, @local"]
    data = json.loads(ran.out.split("data: ", 1)[1])
    assert data == {"extra": [1, 2], "ssh_password": "***", "port": 8080,
                    "db_password": "***", "role": "frontend"}
    assert "hunter22" not in ran.out + ran.err and "sekrit-pw" not in ran.out + ran.err
    # nothing is contacted: an unreachable host is listed all the same
    ran = corral("@chroot/nonexistent-root", "debug-inventory", cwd=tmp_path)
    assert ran.code == 0 and ran.out.startswith("@chroot/nonexistent-root\n"), ran
