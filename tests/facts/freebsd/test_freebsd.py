"""FreeBSD facts.

FreeBSD's service(8), sysrc(8) and pkg(8) do not run here nor on the fleet: the commands
run on a real sh (dash) with stand-ins written after the tools' documented output:
``service -l`` lists the rc.d scripts' names one a line, ``sysrc -n`` prints the value
only, ``pkg info -E`` prints ``name-version`` and exits 1 when the package is not
installed (pkg-info(8)), a script's ``status`` exits 0 when the service runs (rc.subr(8))."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from corral.facts import freebsd

TEXT = st.text(st.characters(exclude_characters="\0", codec="utf-8"), max_size=20)


def run(command: str, stubs: dict[str, str], where: Path) -> tuple[int, list[str], str]:
    """The command on dash, each stub a program whose body is sh code; its arguments are
    recorded NUL-separated in ``args``."""
    for name, body in stubs.items():
        path = where / name
        path.write_text(f"#!/bin/sh\nprintf '%s\\0' \"$@\" >> {where}/args\n{body}\n")
        path.chmod(0o755)
    done = subprocess.run(["sh", "-c", command], capture_output=True,
                          env={"PATH": f"{where}:/usr/bin:/bin"})
    return done.returncode, done.stdout.decode().splitlines(), done.stdout.decode()


def args(where: Path) -> list[str]:
    return (where / "args").read_bytes().decode().split("\0")[:-1]


LISTING = "printf '%s\\n' accounting nginx 'two words' sshd"


def test_service_script_is_a_whole_listed_name(tmp_path: Path) -> None:
    for name, found in [("nginx", "nginx"), ("ngin", None), ("two words", "two words"),
                        ("two", None), ("*", None)]:
        _rc, out, _ = run(freebsd.ServiceScript().command(name), {"service": LISTING}, tmp_path)
        assert freebsd.ServiceScript().process(out) == found


def test_service_script_in_a_jail(tmp_path: Path) -> None:
    run(freebsd.ServiceScript().command("nginx", jail="web 1"), {"service": LISTING}, tmp_path)
    assert args(tmp_path) == ["-j", "web 1", "-l"]


def test_service_status(tmp_path: Path) -> None:
    fact = freebsd.ServiceStatus()
    _rc, out, _ = run(fact.command("nginx"), {"service": "exit 0"}, tmp_path)
    assert fact.process(out) == "running"
    _rc, out, _ = run(fact.command("nginx", jail="web"), {"service": "exit 1"}, tmp_path)
    assert fact.process(out) is None
    assert args(tmp_path) == ["nginx", "status", "-j", "web", "nginx", "status"]


def test_sysrc_and_pkg_values(tmp_path: Path) -> None:
    _rc, out, _ = run(freebsd.Sysrc().command("nginx_enable"), {"sysrc": "echo YES"}, tmp_path)
    assert freebsd.Sysrc().process(out) == "YES"
    assert freebsd.Sysrc().process([]) is None
    rc, out, _ = run(freebsd.PkgPackage().command("nginx"), {"pkg": "echo nginx-1.24.0"},
                     tmp_path)
    assert (rc, freebsd.PkgPackage().process(out)) == (0, "nginx-1.24.0")
    rc, _out, _ = run(freebsd.PkgPackage().command("nope"), {"pkg": "exit 1"}, tmp_path)
    assert rc in freebsd.PkgPackage.absent_exit_codes


@given(TEXT, st.one_of(st.none(), TEXT))
def test_names_reach_the_tools_as_one_word(name: str, jail: str | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        where = Path(d)
        jailed = ["-j", jail] if jail is not None else []
        run(freebsd.PkgPackage().command(name, jail=jail), {"pkg": "exit 1"}, where)
        assert args(where) == [*jailed, "info", "-E", "--", name]
        (where / "args").unlink()
        run(freebsd.Sysrc().command(name, jail=jail), {"sysrc": ""}, where)
        assert args(where) == [*jailed, "-in", "--", name]
        (where / "args").unlink()
        _rc, out, _ = run(freebsd.ServiceScript().command(name, jail=jail),
                          {"service": "printf '%s\\n' a b"}, where)
        assert freebsd.ServiceScript().process(out) == (name if name in ("a", "b") else None)
