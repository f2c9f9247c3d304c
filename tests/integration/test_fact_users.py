"""The Users fact's single-awk command agrees with asking ``id`` and ``lastlog`` per user.

The fact joins /etc/passwd, /etc/group, the shadow file and one ``lastlog`` listing in one
awk (four processes however many users); the reference below is the obvious loop that
runs ``id -gn``, ``id -Gn`` and ``lastlog -u`` for every user. Both run in the Debian test
image after adding users with supplementary groups, a login record, a primary group that
is also listed as a supplementary one, and a gid that has no group.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from corral.facts.server import UserAccounts, Users

REFERENCE = r"""
while IFS= read -r line || [ -n "$line" ]; do
  u=${line%%:*}
  case "$u" in ''|'+'*|'-'*) continue ;; esac
  ll=$( { lastlog -u "$u" || lastlogin "$u"; } 2>/dev/null | awk -v u="$u" '$1 == u' | tr -s ' ')
  pw=$(awk -F: -v u="$u" '$1 == u {print $2}' /etc/shadow 2>/dev/null)
  printf '%s|%s|%s|%s|%s\n' "$line" "$(id -gn "$u" 2>/dev/null)" \
    "$(id -Gn "$u" 2>/dev/null)" "$ll" "$pw"
done < /etc/passwd
"""

SETUP = """
set -e
groupadd -f staffx
useradd -m -c "Alice Example" -s /bin/bash -G staffx,users alice
lastlog -S -u alice
groupadd selfg
useradd -g selfg -G selfg,staffx bob
gpasswd -a bob users >/dev/null
echo 'nogrp:x:4300:4242::/:/bin/sh' >> /etc/passwd
"""


def _sh(root: Path, script: str) -> str:
    proc = subprocess.run(["chroot", str(root), "sh", "-c", script], capture_output=True,
                          text=True, check=True)
    return proc.stdout


def test_users_command_matches_id_and_lastlog(chroot_root: Path) -> None:
    _sh(chroot_root, SETUP)
    expected = _sh(chroot_root, REFERENCE).splitlines()
    got = _sh(chroot_root, Users().command()).splitlines()
    assert got == expected
    users = Users().process(got)
    assert users["alice"]["groups"] == ["users", "staffx"]
    assert users["alice"]["login_time"] is not None
    assert users["bob"]["group"] == "selfg" and users["bob"]["groups"] == ["users", "staffx"]
    assert users["nogrp"]["group"] == "4242"


def test_user_accounts_are_users_without_last_logins(chroot_root: Path) -> None:
    if "alice" not in _sh(chroot_root, "cat /etc/passwd"):  # the root may be shared
        _sh(chroot_root, SETUP)
    users = Users().process(_sh(chroot_root, Users().command()).splitlines())
    accounts = UserAccounts().process(_sh(chroot_root, UserAccounts().command()).splitlines())
    assert users["alice"]["lastlog"] is not None
    assert accounts == {name: {**info, "lastlog": None, "login_time": None}
                        for name, info in users.items()}
    assert "lastlog" not in UserAccounts().command()
