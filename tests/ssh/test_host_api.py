"""pyinfra 3.10's host API and results on test fleet hosts over SSH, run by the CLI as a
pyinfra project is run: ``corral inventory.py tasks/web.py`` from the project's directory
(relative paths from there, ``pathlib.Path`` sources, ``host.loop``, ``host.when``,
``restarted=unit.will_change``, ``@deploy(data_defaults=...)``, a missing local file caught
as ``IOError``), and a host's facts read from another host's deploy code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corral import api, host
from corral.facts.server import Command, Hostname
from corral.model.errors import FactError
from corral.testing.fleet import Fleet

from .conftest import KEYS_HOST, PASSWORD_HOST, corral, host_inventory, host_root

pytestmark = pytest.mark.integration

WEB = '''
from pathlib import Path

from corral import host
from corral.api import deploy, operation
from corral.operations import files


@operation()
def service(marker: str, restarted: bool = False):
    """A service restart as systemd.service(restarted=...) makes it: only when asked."""
    if restarted:
        yield f"echo restarted >> {marker}"


@deploy("Web", data_defaults={"port": 8080, "sites": ["a", "b"]})
def web():
    files.directory(path="/srv/web")
    unit = files.template(src=Path("templates/app.conf.j2"), dest="/srv/web/app.conf")
    service(marker="/srv/web/restarts", restarted=unit.will_change)
    for site in host.loop(host.data.sites):
        files.put(src=f"files/{site}.html", dest=f"/srv/web/{site}.html")
    with host.when(lambda: unit.did_change()):
        files.line(path="/srv/web/log", line="config changed")
    try:
        files.put(src="files/optional.txt", dest="/srv/web/optional.txt")
    except IOError:
        host.log("no optional file")


web()
'''


def _project(root: Path, port_line: str) -> Path:
    (root / "tasks").mkdir(parents=True, exist_ok=True)
    (root / "templates").mkdir(exist_ok=True)
    (root / "files").mkdir(exist_ok=True)
    (root / "tasks" / "web.py").write_text(WEB)
    (root / "templates" / "app.conf.j2").write_text(
        port_line + "\n{% include 'templates/footer.j2' %}")
    (root / "templates" / "footer.j2").write_text("# from corral\n")
    for site in "ab":
        (root / "files" / f"{site}.html").write_text(f"<p>{site}</p>\n")
    return root


def test_a_pyinfra_style_project_converges_and_restarts_only_on_change(
        fleet: Fleet, tmp_path: Path) -> None:
    project = _project(tmp_path / "project", "port={{ host.data.port }}")
    inventory = host_inventory(fleet, KEYS_HOST, project)
    root = host_root(fleet, KEYS_HOST)

    first = corral(inventory.name, "tasks/web.py", "-y", cwd=project)
    assert first.code == 0, first
    assert "[" in first.out and "no optional file" in first.out, first
    assert (root / "srv/web/app.conf").read_text() == "port=8080\n# from corral\n"
    assert (root / "srv/web/restarts").read_text() == "restarted\n"
    assert (root / "srv/web/b.html").read_text() == "<p>b</p>\n"
    assert (root / "srv/web/log").read_text() == "config changed\n"

    again = corral(inventory.name, "tasks/web.py", "-y", cwd=project)
    assert again.code == 0, again
    assert (root / "srv/web/restarts").read_text() == "restarted\n"  # nothing changed
    assert re.search(r"fleet-\d+ +│ ok +│ +0 │", again.out), again  # no change at all

    _project(project, "port={{ host.data.port }}\nworkers=4")
    third = corral(inventory.name, "tasks/web.py", "-y", cwd=project)
    assert third.code == 0, third
    assert (root / "srv/web/restarts").read_text() == "restarted\nrestarted\n"


def test_a_missing_local_file_not_caught_is_bad_input_and_changes_nothing(
        fleet: Fleet, tmp_path: Path) -> None:
    project = _project(tmp_path / "project", "x")
    (project / "tasks" / "bad.py").write_text(
        "from corral.operations import files\n"
        "files.directory(path='/srv/bad-input')\n"
        "files.put(src='files/nope.txt', dest='/srv/bad-input/nope')\n")
    inventory = host_inventory(fleet, KEYS_HOST, project)
    ran = corral(inventory.name, "tasks/bad.py", "-y", cwd=project)
    assert ran.code == 4, ran
    assert "bad.py:3" in ran.err and "local file not found" in ran.err, ran
    assert not (host_root(fleet, KEYS_HOST) / "srv/bad-input").exists()


def test_a_host_reads_another_hosts_facts(fleet: Fleet, tmp_path: Path) -> None:
    """The token pattern: workers read a file on the first host of the cluster."""
    first, second = fleet.host(KEYS_HOST), fleet.host(PASSWORD_HOST)
    (host_root(fleet, KEYS_HOST) / "srv/token").write_text("s3cret-token\n")
    inventory = tmp_path / "inventory.py"
    entries = dict(fleet.inventory())
    inventory.write_text(f"master = [({first.name!r}, {entries[first.name]!r})]\n"
                         f"workers = [({second.name!r}, {entries[second.name]!r})]\n")
    seen: dict[str, object] = {}

    def deploy() -> None:
        if host.name != second.name:
            return
        from corral import inventory as inv

        master = inv.get_group("master")[0]
        seen["token"] = master.get_fact(Command, "cat /srv/token")
        seen["hostname"] = master.get_fact(Hostname)
        seen["mine"] = host.get_fact(Hostname)
        try:
            master.get_fact(Command, "cat /srv/no-such-token")
        except FactError as exc:
            seen["error"] = str(exc)

    result = api.run(str(inventory), deploy)
    assert result.exit_code == 0, result
    assert seen["token"] == "s3cret-token"
    assert seen["hostname"] != seen["mine"]
    assert first.name in str(seen["error"]) and "No such file" in str(seen["error"])


def test_a_custom_fact_whose_command_fails_fails_the_host(fleet: Fleet, tmp_path: Path
                                                          ) -> None:
    """As pyinfra 3.10 (exit 1): not its default, not a run that succeeds."""
    (tmp_path / "deploy.py").write_text(
        "from corral import host\n"
        "from corral.api import FactBase\n"
        "from corral.operations import files\n\n"
        "class Token(FactBase):\n"
        "    def command(self):\n"
        "        return 'cat /srv/no-such-token'\n\n"
        "token = host.get_fact(Token)\n"
        "files.directory(path='/srv/after-token')\n")
    inventory = host_inventory(fleet, KEYS_HOST, tmp_path)
    ran = corral(inventory.name, "deploy.py", "-y", cwd=tmp_path)
    assert ran.code == 1, ran
    assert "Token" in ran.out + ran.err and "No such file" in ran.out + ran.err, ran
    assert not (host_root(fleet, KEYS_HOST) / "srv/after-token").exists()
