"""pyinfra-style projects run with pyinfra 3.10 and with corral (imports renamed) on fresh
fleet hosts, twice each: same exit codes, same changed operations per host, same end state.

``test_pyinfra_reference`` checks the project itself against pyinfra (it exits as expected,
its second run converges, and it leaves what it is written to leave): a project that does
not do under pyinfra what it claims proves nothing about corral. ``test_corral_matches``
is the comparison; a case whose corral side cannot pass yet is xfail(strict) naming the
missing feature, so it turns into a failure the moment the feature lands and the mark must
go.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._harness import Case
from .conftest import outcome

CASES = [
    Case(
        "baseline",
        hosts=("web1", "web2", "db1"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/app", "/etc/motd.d"),
        expect={"web1": {"/srv/app/etc/app.conf": "# web1 (web)\nlisten = 8081\n",
                         "/srv/app/restarts": "restarted\n"},
                "db1": {"/srv/app/etc/app.conf": "# db1 (db)\nlisten = 5432\n"}},
    ),
    Case(
        "inventory_shapes",
        hosts=("web1", "web2", "db1"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/shapes",),
    ),
    Case(
        "group_data_cwd",
        hosts=("web1", "web2", "db1"),
        args=("inventories/production.py", "deploy.py"),
        paths=("/srv/gd",),
        expect={"web1": {"/srv/gd/report": "motd: managed by the deploy\n"
                         "environment: production\nrole: Web Server\nlisten: 8080\n"
                         "workers: 4\n"},
                "db1": {"/srv/gd/report": "motd: managed by the deploy\n"
                        "environment: production\nrole: none\nlisten: 1\nworkers: 1\n"}},
    ),
    Case(
        "data_sudo",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploy.py"),
        paths=("/etc/compat", "/home/corral/own"),
        second_changes=2,
        expect={"web1": {"/etc/compat/whoami": "root\n", "/etc/compat/mode": "none\n",
                         "/etc/compat/fact": "profile: found\n"},
                "web2": {"/etc/compat/mode": "staging\n"}},
    ),
    Case(
        "local_include",
        hosts=("web1", "web2", "db1"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/inc",),
        expect={"web1": {"/srv/inc/www/vhost.conf":
                         "server_name www.example.org;\nroot /srv/inc/www;\n"},
                "web2": {"/srv/inc/www/vhost.conf":
                         "server_name www.example.net;\nroot /srv/inc/www;\n"},
                "db1": {"/srv/inc/base": "base for db1\n"}},
    ),
    Case(
        "python_call",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/marker",),
        local_paths=("results/*",),
        second_changes=2,
    ),
    Case(
        "when_loop",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/loop",),
        second_changes=1,
        expect={"web1": {"/srv/loop/beta.conf": "server beta;\n",
                         "/srv/loop/reloads": "reload\n", "/srv/loop/extra": "extra\n",
                         "/srv/loop/where": "/srv/loop\n"},
                "web2": {"/srv/loop/gamma.conf": "server gamma;\n"}},
    ),
    Case(
        "will_change",
        hosts=("app1", "app2"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/svc",),
        expect={"app1": {"/srv/svc/actions": "daemon-reload\nrestart app\nboth\neither\n",
                         "/srv/svc/app.service":
                         "[Service]\nExecStart=/usr/bin/app --port 8001\n"}},
    ),
    Case(
        "custom_facts_ops",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/custom", "/etc/default/rsync", "/etc/default/rsync.log"),
        expect={"web1": {"/etc/default/rsync.log":
                         "RSYNC_ENABLE was false\nRSYNC_TIMEOUT was None\n"},
                "web2": {"/etc/default/rsync.log": "RSYNC_TIMEOUT was None\n",
                         "/srv/custom/kernel": "kernel: Linux\n"}},
    ),
    Case(
        "failures",
        hosts=("web1", "web2", "db1"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/fail",),
        exit_codes=(1, 1),
        expect={"web1": {"/srv/fail/after": "after\n"},
                "db1": {"/srv/fail/before": "before\n"}},
    ),
    Case(
        "paths",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploys/site.py"),
        paths=("/srv/paths",),
        expect={"web1": {"/srv/paths/site.conf": "listen 8080;\nserver_name web1;\n",
                         "/srv/paths/motd": "Managed host\n",
                         "/srv/paths/banner": "from a package's resources\n"}},
    ),
    Case(
        "config_deploy",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploy.py"),
        paths=("/home/corral/before", "/home/corral/after", "/home/corral/whoami"),
        second_changes=1,
        expect={"web1": {"/home/corral/whoami": "root\n"},
                "web2": {"/home/corral/whoami": "corral\n"}},
    ),
    Case(
        "config_file",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploy.py"),
        paths=("/etc/cfgfile",),
        second_changes=1,
        expect={"web1": {"/etc/cfgfile/whoami": "root\n"}},
    ),
    Case(
        "nested_deploy",
        hosts=("web1", "web2"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/nested",),
        second_changes=1,
        expect={"web1": {"/srv/nested/app.conf": "port = 8000\nname = app.conf\n",
                         "/srv/nested/installed-by": "root\n"},
                "web2": {"/srv/nested/app.conf": "port = 9000\nname = app.conf\n"}},
    ),
    Case(
        "api_names",
        hosts=("web1", "web2", "db1"),
        args=("inventory.py", "deploy.py"),
        paths=("/srv/api",),
    ),
    Case(
        "cli_flags",
        hosts=("web1", "web2", "db1"),
        args=("--sudo", "--data", "release=7", "--data", "channel=stable", "--limit", "web",
              "inventory.py", "deploy.py"),
        paths=("/srv/cli",),
        idle=("db1",),
        second_changes={"web1": 1, "web2": 1},
        expect={"web1": {"/srv/cli/report": "release: 7 (int)\nchannel: stable\n"
                         "db hosts: ['db1']\n",
                         "/srv/cli/whoami": "root\n"}},
    ),
    Case(
        "web_app",
        hosts=("web1", "web2", "db1"),
        args=("inventories/production.py", "deploy.py"),
        paths=("/opt/shop", "/etc/shop.service", "/var/log/services"),
        expect={"web2": {"/var/log/services": "daemon-reload\nrestart shop\n",
                         "/etc/shop.service": "[Service]\nUser=shop\n"
                         "WorkingDirectory=/opt/shop\nExecStart=/opt/shop/bin/shop --port "
                         "8001\n"},
                "db1": {"/opt/shop/db.conf": "max_connections = 20\n"}},
    ),
]


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.missing)] if case.missing else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_pyinfra_reference(case: Case, pyinfra: Path) -> None:
    runs = outcome(case, pyinfra).pyinfra
    for number, (run, code) in enumerate(zip(runs, case.exit_codes, strict=True), 1):
        assert run.code == code, f"pyinfra run {number}:\n{run.summary()}"
    first, second = runs
    assert set(first.changes) == set(case.hosts) - set(case.idle), first.summary()
    assert any(first.changes.values()), f"the first run changed nothing:\n{first.summary()}"
    assert second.changes == {h: case.second(h) for h in case.hosts if h not in case.idle}, \
        second.summary()
    for host, files in case.expect.items():
        for path, text in files.items():
            assert f"{text!r}" in first.state[host][path], (host, path, first.state[host][path])
    assert first.state == second.state or case.second_changes, \
        "a converged second run changed the hosts"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corral_matches(case: Case, pyinfra: Path) -> None:
    result = outcome(case, pyinfra)
    for number, (py, co) in enumerate(zip(result.pyinfra, result.corral, strict=True), 1):
        context = (f"run {number}\n=== pyinfra\n{py.summary(3000)}\n"
                   f"=== corral\n{co.summary(3000)}")
        assert co.code == py.code, context
        assert co.changes == py.changes, context
        assert co.state == py.state, context
        assert co.local == py.local, context
