"""Re-capture the outputs of the wave-1 server, crontab and hardware facts (as root, Debian 12).

    .venv/bin/python tests/facts/data/capture_server_extra.py [NAME...]

(names: only those captures). A command that exits non-zero has its standard error kept
too (``stderr``): facts tell "not there" from a failure by it (``FactBase.is_absent``).

"host" runs the fact's command on this machine; "ns" runs it in a new mount namespace
after SETUP_NS (a read-only /proc/sys, a tmpfs mounted at a path with spaces); "image" runs
it chrooted in a throw-away overlay of the fleet image after SETUP_IMAGE.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from corral.facts import crontab, hardware, server
from corral.model.facts import FactBase
from corral.testing.image import overlay_root

IMAGE = Path("/var/cache/corral-test/debian-bookworm-953ac1792cdb")
HERE = Path(__file__).parent

SETUP_NS = """
mount --bind -o ro /proc/sys /proc/sys
mkdir -p '/tmp/corral cap,dir' && mount -t tmpfs -o size=1m,nosuid tmpfs '/tmp/corral cap,dir'
"""

SETUP_IMAGE = r"""
printf '@reboot /usr/local/bin/warm-cache\n' > /tmp/other
crontab -u nobody /tmp/other
cat > /tmp/cron <<'CRON'
# m h dom mon dow command
MAILTO=ops@example.com
CRON_TZ=UTC

# pyinfra-name=backup
0 2 * * 1-5 /usr/local/bin/backup --all  >/dev/null 2>&1
*/15 * * * * echo "tick" >> /var/log/tick.log
@daily /usr/bin/find /tmp -mtime +7 -delete
# a trailing comment
CRON
crontab /tmp/cron
sed -i 's/^# \(fr_FR.UTF-8 UTF-8\)/\1/' /etc/locale.gen && locale-gen >/dev/null
printf '*\tsoft\tnofile\t4096\n@admins  hard  nproc  unlimited\nbroken line\n' \
  >> /etc/security/limits.conf
ln -sfn -- /usr/share/zoneinfo/Europe/Paris /etc/localtime
mkdir -p /srv/tz-file/etc && echo 'America/New_York' > /srv/tz-file/etc/timezone
"""

Capture = tuple[str, str, type[FactBase[Any]], dict[str, Any]]
CAPTURES: list[Capture] = [
    ("host", "server_sysctl_keys", server.Sysctl,
     {"keys": ["kernel.domainname", "net.ipv4.ip_local_port_range", "kernel.ostype",
               "fs.inode-state", "no.such.key"]}),
    ("host", "server_sysctl_all", server.Sysctl, {}),
    ("host", "server_sysctlwritable_domainname", server.SysctlWritable,
     {"key": "kernel.domainname"}),
    ("host", "server_sysctlwritable_missing", server.SysctlWritable, {"key": "no.such.key"}),
    ("ns", "server_sysctlwritable_readonly", server.SysctlWritable,
     {"key": "kernel.domainname"}),
    ("ns", "server_mounts", server.Mounts, {}),
    ("host", "server_kernelmodules", server.KernelModules, {}),
    ("image", "server_locales", server.Locales, {}),
    ("image", "server_timezone_link", server.Timezone, {}),
    ("host", "server_uptime", server.Uptime, {}),
    ("host", "server_rebootrequired", server.RebootRequired, {}),
    ("host", "server_date", server.Date, {}),
    ("host", "server_command", server.Command, {"command": "echo one; echo; echo 'two  x'"}),
    ("image", "server_securitylimits", server.SecurityLimits, {}),
    ("image", "server_selinux", server.Selinux, {}),
    ("image", "server_lsbrelease", server.LsbRelease, {}),
    ("image", "server_osrelease", server.OsRelease, {}),
    ("image", "server_path", server.Path, {}),
    ("image", "server_tmpdir", server.TmpDir, {}),
    ("host", "server_processes", server.Processes, {}),
    ("host", "server_processes_pid1", server.Processes, {"pid": 1}),
    ("host", "server_ports", server.Ports, {}),
    ("host", "server_port_22", server.Port, {"port": 22}),
    ("host", "server_port_unused", server.Port, {"port": 9, "protocol": "udp"}),
    ("image", "crontab_root", crontab.Crontab, {}),
    ("image", "crontab_nobody", crontab.Crontab, {"user": "nobody"}),
    ("image", "crontab_missing", crontab.Crontab, {"user": "daemon"}),
    ("host", "hardware_memory", hardware.Memory, {}),
    ("host", "hardware_cpus", hardware.Cpus, {}),
    ("host", "hardware_blockdevices", hardware.BlockDevices, {}),
    ("host", "hardware_networkdevices", hardware.NetworkDevices, {}),
    ("host", "hardware_ipv4addrs", hardware.Ipv4Addrs, {}),
    ("host", "hardware_ipv6addrs", hardware.Ipv6Addrs, {}),
    ("host", "hardware_ipv4addresses", hardware.Ipv4Addresses, {}),
    ("host", "hardware_ipv6addresses", hardware.Ipv6Addresses, {}),
    ("host", "hardware_cpuinfo", hardware.CpuInfo, {}),
]

#: outputs of other commands a fact parses too (fallbacks): name -> (where, command)
RAW: dict[str, tuple[str, str]] = {
    "hardware_networkdevices_text": ("host", "ip addr show"),
    "server_timezone_file": ("image", "cd /srv/tz-file && "
                             + server.Timezone().command().replace("/etc/", "etc/")),
}


def run(where: str, command: str, root: Path) -> tuple[int, list[str], str]:
    env = ["/usr/bin/env", "-i", "HOME=/root", "USER=root", "LC_ALL=C",
           "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    if where == "image":
        argv = ["chroot", str(root), *env, "sh", "-c", command]
    elif where == "ns":
        argv = ["unshare", "--mount", *env, "sh", "-c", f"{SETUP_NS}\n{command}"]
    else:
        argv = [*env, "sh", "-c", command]
    proc = subprocess.run(argv, capture_output=True, check=False)
    text = proc.stdout.decode("utf-8", "replace")
    text = text[:-1] if text.endswith("\n") else text
    return (proc.returncode, text.split("\n") if text else [],
            proc.stderr.decode("utf-8", "replace"))


def save(name: str, record: dict[str, Any]) -> None:
    (HERE / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"{name}: exit {record['exit']}, {len(record['output'])} lines")


def main(only: list[str]) -> int:
    with overlay_root(IMAGE) as root:
        rc, _, _ = run("image", SETUP_IMAGE, root)
        if rc:
            print("image setup failed", file=sys.stderr)
            return 1
        for where, name, cls, kwargs in CAPTURES:
            if only and name not in only:
                continue
            command = cls().command(**kwargs)
            rc, lines, stderr = run(where, command, root)
            found = {"fact": cls.name, "kwargs": kwargs, "where": where,
                     "command": command, "exit": rc, "output": lines}
            save(name, {**found, "stderr": stderr} if rc else found)
        for name, (where, command) in RAW.items():
            if only and name not in only:
                continue
            rc, lines, _ = run(where, command, root)
            save(name, {"fact": None, "kwargs": {}, "where": where, "command": command,
                        "exit": rc, "output": lines})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
