"""Capture outputs for the sysvinit, git, iptables, ufw and http facts (root, Debian 12).

    unshare -m -n .venv/bin/python tests/facts/data/capture_svc_net.py

Runs in a private network namespace (``unshare -n``: iptables rules and an active ufw
there touch nothing else) inside a throw-away overlay of the fleet image, where fixtures
are made first (an init script, git repositories, iptables chains, ufw rules). systemd and
OpenRC outputs are not captured here: no systemd or OpenRC runs on this machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from corral.facts import git, http, iptables, sysvinit, ufw
from corral.model.facts import FactBase
from corral.testing.image import overlay_root

HERE = Path(__file__).parent

INITD = r"""#!/bin/sh
### BEGIN INIT INFO
# Provides:          corral-demo
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a demo daemon
### END INIT INFO
PID=/run/corral-demo.pid
case "$1" in
  start) setsid sh -c 'while :; do sleep 60; done' >/dev/null 2>&1 & echo $! > $PID ;;
  stop) [ -f $PID ] && kill $(cat $PID); rm -f $PID ;;
  status) [ -f $PID ] && kill -0 $(cat $PID) 2>/dev/null && exit 0; exit 3 ;;
  *) exit 2 ;;
esac
"""

SETUP = r"""
set -e
cat > /etc/init.d/corral-demo <<'X'
{initd}
X
sed 's/corral-demo/corral-idle/g' /etc/init.d/corral-demo > /etc/init.d/corral-idle
chmod 755 /etc/init.d/corral-demo /etc/init.d/corral-idle
update-rc.d corral-demo defaults
/etc/init.d/corral-demo start
git config --global user.name 'Fixture Person'
git config --global user.email fixture@example.com
git config --global --add safe.directory /srv/x
git init -q --bare -b main /srv/remote.git
git init -q -b main /srv/work && cd /srv/work
echo one > f && git add f && git commit -q -m one && git tag v1
echo two > f && git commit -q -am two && git remote add origin /srv/remote.git
git push -q origin main && git branch -u origin/main
git config --local core.sshCommand 'ssh -i /root/key -o IdentitiesOnly=yes'
git clone -q /srv/remote.git /srv/clone
echo three > f && git commit -q -am three
git checkout -q -b feature
cd / && git clone -q /srv/remote.git /srv/detached && git -C /srv/detached checkout -q --detach
iptables -N CORRAL-FIX
iptables -A CORRAL-FIX -s 127.0.0.5 -p tcp -m tcp --dport 22 -j ACCEPT
iptables -A CORRAL-FIX ! -s 10.0.0.0/8 -i lo -m comment --comment 'a comment' -j RETURN
iptables -A CORRAL-FIX -p udp -m multiport --dports 53,123 -j DROP
iptables -P FORWARD DROP
iptables -t nat -A PREROUTING -d 127.0.0.9 -p tcp -m tcp --dport 80 \
  -j DNAT --to-destination 127.0.0.1:8080
ip6tables -A INPUT -s ::1 -j ACCEPT
mkdir -p /srv/www && echo 'hello corral' > /srv/www/index.html
"""

UFW_SETUP = """
set -e
apt-get -qq update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -qq -y install ufw >/dev/null
"""
UFW_RULES = """
set -e
ufw allow 22/tcp; ufw limit 2222/tcp
ufw allow from 127.0.0.1 to any port 80 proto tcp
ufw deny in on lo from 10.0.0.0/8
ufw allow out 53 comment 'dns it is'
ufw allow log-all 9000:9010/udp
ufw default deny outgoing; ufw logging medium
"""

Capture = tuple[str, type[FactBase[Any]], dict[str, Any]]
BEFORE: list[Capture] = [
    ("sysvinit_initdstatus", sysvinit.InitdStatus, {}),
    ("sysvinit_startlinks", sysvinit.InitdStartLinks, {"service": "corral-demo"}),
    ("sysvinit_startlinks_none", sysvinit.InitdStartLinks, {"service": "corral-idle"}),
    ("git_branch", git.GitBranch, {"repo": "/srv/work"}),
    ("git_branch_detached", git.GitBranch, {"repo": "/srv/detached"}),
    ("git_branch_missing", git.GitBranch, {"repo": "/srv/missing"}),
    ("git_tag", git.GitTag, {"repo": "/srv/work"}),
    ("git_config_repo", git.GitConfig, {"repo": "/srv/work"}),
    ("git_config_global", git.GitConfig, {}),
    ("git_config_system", git.GitConfig, {"system": True}),
    ("git_tracking", git.GitTrackingBranch, {"repo": "/srv/clone"}),
    ("git_tracking_none", git.GitTrackingBranch, {"repo": "/srv/work"}),
    ("git_localcommit", git.GitLocalCommit, {"repo": "/srv/clone", "ref": "main"}),
    ("git_localcommit_unknown", git.GitLocalCommit, {"repo": "/srv/clone", "ref": "nope"}),
    ("git_remotecommit", git.GitRemoteBranchCommit, {"repo": "/srv/clone", "branch": "main"}),
    ("git_remotecommit_head", git.GitRemoteBranchCommit, {"repo": "/srv/clone"}),
    ("git_remotecommit_none", git.GitRemoteBranchCommit,
     {"repo": "/srv/clone", "branch": "nope"}),
    ("git_knownhost_no", git.GitKnownHost, {"hostname": "127.0.0.1"}),
    ("iptables_rules", iptables.IptablesRules, {}),
    ("iptables_rules_nat", iptables.IptablesRules, {"table": "nat"}),
    ("iptables_chains", iptables.IptablesChains, {}),
    ("ip6tables_rules", iptables.Ip6tablesRules, {}),
    ("ip6tables_chains", iptables.Ip6tablesChains, {}),
    ("iptables_digest", iptables.IptablesDigest, {"tables": ["filter", "nat"]}),
    ("iptables_digest_chain", iptables.IptablesDigest,
     {"tables": ["filter"], "chains": ["CORRAL-FIX"]}),
    ("http_ok", http.HttpStatus, {"url": "http://127.0.0.1:8765/", "contains": "hello"}),
    ("http_nomatch", http.HttpStatus, {"url": "http://127.0.0.1:8765/", "contains": "bye"}),
    ("http_404", http.HttpStatus, {"url": "http://127.0.0.1:8765/missing"}),
    ("http_down", http.HttpStatus, {"url": "http://127.0.0.1:8766/"}),
    ("ufw_status_none", ufw.UfwStatus, {}),
]
AFTER_INSTALL: list[Capture] = [
    ("ufw_status_fresh", ufw.UfwStatus, {}),
    ("ufw_rules_none", ufw.UfwRules, {}),
]
AFTER_RULES: list[Capture] = [
    ("ufw_status_inactive", ufw.UfwStatus, {}),
    ("ufw_rules", ufw.UfwRules, {}),
]
AFTER_ENABLE: list[Capture] = [("ufw_status_active", ufw.UfwStatus, {})]


def chroot(root: Path, command: str) -> tuple[int, list[str]]:
    argv = ["chroot", str(root), "/usr/bin/env", "-i", "HOME=/root", "USER=root",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "sh", "-c", command]
    proc = subprocess.run(argv, capture_output=True, check=False)
    text = proc.stdout.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    return proc.returncode, text.split("\n") if text else []


def capture(root: Path, captures: list[Capture]) -> None:
    for name, cls, kwargs in captures:
        command = cls().command(**kwargs)
        rc, lines = chroot(root, command)
        record = {"fact": cls.name, "kwargs": kwargs, "where": "rootfs-netns",
                  "command": command, "exit": rc, "output": lines}
        (HERE / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{name}: exit {rc}, {len(lines)} lines")


def must(root: Path, command: str) -> None:
    rc, lines = chroot(root, command)
    if rc:
        raise SystemExit(f"setup failed ({rc}): {command[:60]}...\n" + "\n".join(lines))


def main() -> int:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with overlay_root() as root:
        for sub in ("proc", "dev"):
            subprocess.run(["mount", "--bind", f"/{sub}", str(root / sub)], check=True)
        server = None
        try:
            must(root, SETUP.replace("{initd}", INITD))
            server = subprocess.Popen(
                ["chroot", str(root), "python3", "-m", "http.server", "-b", "127.0.0.1",
                 "-d", "/srv/www", "8765"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            must(root, "for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8765/ "
                       "&& exit 0; sleep 0.1; done; exit 1")
            capture(root, BEFORE)
            must(root, UFW_SETUP)
            capture(root, AFTER_INSTALL)
            must(root, UFW_RULES)
            capture(root, AFTER_RULES)
            must(root, "ufw --force enable")
            capture(root, AFTER_ENABLE)
        finally:
            if server is not None:
                server.terminate()
                server.wait()
            chroot(root, "/etc/init.d/corral-demo stop")
            for sub in ("proc", "dev"):
                subprocess.run(["umount", "-l", str(root / sub)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
