"""dnf's enabled and disabled modules on its documented listing (no dnf runs on Debian 12
here; the sample follows dnf's manual)."""

from __future__ import annotations

from corral.facts import dnf


def test_dnf_modules_documented() -> None:
    listed = ["Last metadata expiration check: 0:01:02 ago on Mon 01 Jan 2024.",
              "Rocky Linux 9 - AppStream",
              "Name        Stream   Profiles                 Summary",
              "postgresql  16 [e]   client, server [d]       PostgreSQL server and client",
              "nodejs      20 [e]   common [d], development  Javascript runtime",
              "ruby        3.1 [x]  common [d]               An interpreter of Ruby",
              "",
              "Hint: [d]efault, [e]nabled, [x]disabled, [i]nstalled"]
    assert dnf.DnfEnabledModules().process(listed) == {"postgresql": "16", "nodejs": "20"}
    assert dnf.DnfDisabledModules().process(listed) == ["ruby"]
