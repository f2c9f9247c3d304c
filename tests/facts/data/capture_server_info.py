"""Re-capture the outputs of the server facts pyinfra 3.10 has that read system information
(server.User, KernelVersion, LinuxName, LoadAverage, EtcHosts, AuthorizedKeys, Last,
Lastb...) on a host of the test fleet (Debian 12 over SSH), as root and as the ``corral``
user (as root, with sudo):

    .venv/bin/python tests/facts/data/capture_server_info.py

Each fact's own command runs as an operation's command (the same shell, ``LC_ALL=C`` as
fact steps have it); its standard output, standard error and exit code are kept. Before,
the host is given a few more /etc/hosts lines, a second authorized key with a comment and a
blank line, one failed login (for lastb) and one successful login (for last).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from corral import api
from corral.facts import server
from corral.model.facts import FactBase
from corral.operations import server as ops
from corral.testing.fleet import Fleet

HERE = Path(__file__).parent

SETUP = r"""
printf '10.0.0.5 db.internal db\n# a comment line\n10.0.0.5 db2 # trailing\n::1 ip6-extra\n' \
  >> /etc/hosts
mkdir -p /root/.ssh
printf '\n# ops team\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample ops@example\n' \
  >> /root/.ssh/authorized_keys
"""

#: (name, user to log in as, sudo, fact, arguments)
CAPTURES: list[tuple[str, str, bool, type[FactBase[Any]], dict[str, Any]]] = [
    ("server_user_root", "root", False, server.User, {}),
    ("server_user_corral", "corral", False, server.User, {}),
    ("server_user_sudo", "corral", True, server.User, {}),
    ("server_kernelversion", "root", False, server.KernelVersion, {}),
    ("server_osversion", "root", False, server.OsVersion, {}),
    ("server_macosversion", "root", False, server.MacosVersion, {}),
    ("server_linuxname", "root", False, server.LinuxName, {}),
    ("server_linuxgui", "root", False, server.LinuxGui, {}),
    ("server_hasgui", "root", False, server.HasGui, {}),
    ("server_loadaverage", "root", False, server.LoadAverage, {}),
    ("server_etchosts", "root", False, server.EtcHosts, {}),
    ("server_etchosts_missing", "root", False, server.EtcHosts, {"path": "/etc/no-hosts"}),
    ("server_authorizedkeys_root", "root", False, server.AuthorizedKeys, {"user": "root"}),
    ("server_authorizedkeys_corral", "root", False, server.AuthorizedKeys, {"user": "corral"}),
    ("server_authorizedkeys_none", "root", False, server.AuthorizedKeys, {"user": "nobody"}),
    ("server_authorizedkeys_odd_name", "root", False, server.AuthorizedKeys,
     {"user": "no such user"}),
    ("server_authorizedkeys_path", "root", False, server.AuthorizedKeys,
     {"user": "root", "path": "/root/.ssh/authorized_keys"}),
    ("server_last", "root", False, server.Last, {}),
    ("server_lastb", "root", False, server.Lastb, {}),
    ("server_lastb_unprivileged", "corral", False, server.Lastb, {}),
    ("server_last_no_wtmp", "root", False, server.Last, {}),
]

#: shell run before a capture (as root), and after it
AROUND = {"server_last_no_wtmp": ("mv /var/log/wtmp /var/log/wtmp.away",
                                  "mv /var/log/wtmp.away /var/log/wtmp")}


def _run(fleet: Fleet, user: str, sudo: bool, commands: list[str]) -> list[Any]:
    name, data = fleet.inventory(user)[0]
    inventory = fleet.directory / f"capture-{user}.py"
    inventory.write_text(f"hosts = [({name!r}, {data!r})]\n")
    metas: list[Any] = []

    def deploy() -> None:
        for command in commands:
            metas.append(ops.shell(commands=[command], _sudo=sudo, _env={"LC_ALL": "C"},
                                   _success_exit_codes=list(range(256))))

    result = api.run(str(inventory), deploy)
    assert result.exit_code == 0, result
    return [m.raw_result.outputs[0] for m in metas]


def main() -> None:
    fleet = Fleet(1).start()
    try:
        _run(fleet, "root", False, [SETUP])
        address = fleet.hosts[0].address
        # a failed login (lastb) and a good one (last)
        subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                        "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
                        "-i", "/dev/null", f"nosuchuser@{address}", "true"],
                       capture_output=True, timeout=30, check=False)
        for name, user, sudo, fact, kwargs in CAPTURES:
            command = fact().command(**kwargs)
            before, after = AROUND.get(name, ("true", "true"))
            _run(fleet, "root", False, [before])
            out = _run(fleet, user, sudo, [command])[0]
            _run(fleet, "root", False, [after])
            record = {"fact": fact.name, "kwargs": kwargs, "where": f"fleet, {user}"
                      + (" with sudo" if sudo else ""), "command": command,
                      "exit": out.exit_code, "output": out.stdout.split("\n")[:-1]
                      if out.stdout else []}
            if out.exit_code:
                record["stderr"] = out.stderr
            (HERE / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
            print(name, out.exit_code, len(record["output"]))
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
