"""The wave-1 server operations applied for real on a fleet host.

A fleet host has its own mount, UTS and PID namespaces but shares the machine's kernel
and network namespace: only kernel.domainname (UTS) is set with server.sysctl, no kernel
module is loaded (this kernel has no module support) and the host is not rebooted.
"""

from __future__ import annotations

import pytest

from corral.operations import files, server
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc5dW1teWtleWZvcnRlc3Rz corral@test"


def test_hostname_and_domainname(host_fleet: Fleet) -> None:
    def deploy() -> None:
        server.hostname(hostname="web1.corral.test")
        server.sysctl(key="kernel.domainname", value="corral.test", persist=True,
                      persist_file="/etc/sysctl.d/90-corral.conf")

    converge(host_fleet, deploy)
    assert sh(host_fleet, "hostname").strip() == "web1.corral.test"
    assert sh(host_fleet, "cat /etc/hostname") == "web1.corral.test\n"
    assert sh(host_fleet, "cat /proc/sys/kernel/domainname") == "corral.test\n"
    assert sh(host_fleet, "cat /etc/sysctl.d/90-corral.conf") == (
        "kernel.domainname = corral.test\n")


def test_crontab_entries(host_fleet: Fleet) -> None:
    def first() -> None:
        server.crontab(command="/usr/local/bin/backup", cron_name="backup", hour=2, minute=0)
        server.crontab(command="echo tick >/dev/null", minute="*/15", user="nobody")

    def second() -> None:
        server.crontab(command="/usr/local/bin/backup --all", cron_name="backup", hour=3,
                       minute=30)
        server.crontab(command="echo tick >/dev/null", user="nobody", present=False)

    converge(host_fleet, first)
    assert sh(host_fleet, "crontab -l") == (
        "# pyinfra-name=backup\n0 2 * * * /usr/local/bin/backup\n")
    assert sh(host_fleet, "crontab -l -u nobody") == "*/15 * * * * echo tick >/dev/null\n"
    converge(host_fleet, second)
    assert sh(host_fleet, "crontab -l") == (
        "# pyinfra-name=backup\n30 3 * * * /usr/local/bin/backup --all\n")
    assert sh(host_fleet, "crontab -l -u nobody", check=False) == ""


def test_mount_a_tmpfs(host_fleet: Fleet) -> None:
    def mounted() -> None:
        files.directory(path="/mnt/corral scratch")
        server.mount(path="/mnt/corral scratch", device="tmpfs", fs_type="tmpfs",
                     options=["nosuid", "size=1m"])
        server.mount(path="/mnt/corral scratch", options=["nosuid", "noexec"])

    def unmounted() -> None:
        server.mount(path="/mnt/corral scratch", mounted=False)

    converge(host_fleet, mounted)
    line = sh(host_fleet, r"grep ' /mnt/corral\\040scratch ' /proc/self/mountinfo")
    assert " - tmpfs tmpfs " in line and "noexec" in line and "nosuid" in line
    converge(host_fleet, unmounted)
    assert "corral\\040scratch" not in sh(host_fleet, "cat /proc/self/mountinfo")


def test_locale_timezone_limits(host_fleet: Fleet) -> None:
    def deploy() -> None:
        server.locale(locale="fr_FR.UTF-8")
        server.timezone(timezone="Europe/Paris")
        server.security_limit(domain="@admins", limit_type="hard", item="nproc",
                              value="unlimited")
        server.security_limit(domain="*", limit_type="soft", item="nofile", value=4096)

    converge(host_fleet, deploy)
    assert "fr_FR.utf8" in sh(host_fleet, "locale -a").split()
    assert sh(host_fleet, "readlink /etc/localtime") == "/usr/share/zoneinfo/Europe/Paris\n"
    assert sh(host_fleet, "cat /etc/timezone") == "Europe/Paris\n"
    assert sh(host_fleet, "env -u TZ date +%Z").strip() in ("CET", "CEST")
    limits = sh(host_fleet, "grep -v '^#' /etc/security/limits.conf | grep .")
    assert limits == "@admins\thard\tnproc\tunlimited\n*\tsoft\tnofile\t4096\n"

    def undo() -> None:
        server.locale(locale="fr_FR.UTF-8", present=False)
        server.security_limit(domain="*", limit_type="soft", item="nofile", value=8192)

    converge(host_fleet, undo)
    assert "fr_FR.utf8" not in sh(host_fleet, "locale -a").split()
    assert "*\tsoft\tnofile\t8192\n" in sh(host_fleet, "cat /etc/security/limits.conf")


def test_authorized_keys(host_fleet: Fleet) -> None:
    def deploy() -> None:
        server.user(user="deployer", shell="/bin/bash")
        server.user_authorized_keys(user="deployer", public_keys=[KEY], delete_keys=True)

    converge(host_fleet, deploy)
    assert sh(host_fleet, "cat /home/deployer/.ssh/authorized_keys") == f"{KEY}\n"
    modes = sh(host_fleet, "stat -c '%a %U %G' /home/deployer/.ssh "
                           "/home/deployer/.ssh/authorized_keys")
    assert modes == "700 deployer deployer\n600 deployer deployer\n"


def test_packages_and_service_pick_the_hosts_tools(host_fleet: Fleet) -> None:
    def deploy() -> None:
        server.packages(packages=["hello"])
        server.service(service="cron", running=True)

    converge(host_fleet, deploy)
    assert sh(host_fleet, "dpkg-query -W -f '${Status}' hello") == "install ok installed"
    assert sh(host_fleet, "/etc/init.d/cron status", check=False).strip()
    sh(host_fleet, "pgrep -x cron")


def test_wait(host_fleet: Fleet) -> None:
    def ready() -> None:
        server.wait(port=22, timeout=10)
        server.wait(command="test -f /etc/hostname", timeout=10)

    converge(host_fleet, ready, not_idempotent=["server.wait"])

    def never() -> None:
        server.wait(command="test -f /nonexistent", timeout=1)

    result = run(host_fleet, never)
    assert result.failed
    errors = [op.error for h in result.hosts for op in h.operations if op.error]
    assert any("did not succeed after 1s" in str(e) for e in errors)
