"""openrc.* facts.

No OpenRC runs here or on the fleet: the parsers are tested on output written after the
format of OpenRC 0.4x's ``rc-status RUNLEVEL`` and ``rc-update show -v``.
"""

from __future__ import annotations

import pytest

from corral.facts import openrc
from corral.model.errors import FactParseError

from .._capture_load import fuzz

RC_STATUS = """\
Runlevel: default
 sshd                                                              [  started  ]
 crond                                                 [  started 1 day(s) 02:03:04 (0) ]
 nginx                                                             [  stopped  ]
 local                                                             [  crashed  ]
Dynamic Runlevel: hotplugged
Dynamic Runlevel: needed/wanted
 sysfs                                                             [  started  ]
""".splitlines()

RC_UPDATE = """\
runlevel=default
             bootmisc | boot
                crond |      default
                sshd |      default
               nginx |
              devfs |                                 sysinit
""".splitlines()


def test_status() -> None:
    assert openrc.OpenrcStatus().process(RC_STATUS) == {
        "sshd": True, "crond": True, "nginx": False, "local": False, "sysfs": True,
    }
    assert openrc.OpenrcStatus().command(runlevel="boot") == "rc-status boot"


def test_enabled() -> None:
    assert openrc.OpenrcEnabled().process(RC_UPDATE) == {
        "bootmisc": False, "crond": True, "sshd": True, "nginx": False, "devfs": False,
    }
    boot = ["runlevel=boot", *RC_UPDATE[1:]]
    assert openrc.OpenrcEnabled().process(boot)["bootmisc"] is True
    assert openrc.OpenrcEnabled().command() == "echo runlevel=default; rc-update show -v"
    with pytest.raises(FactParseError):
        openrc.OpenrcEnabled().process(RC_UPDATE[1:])
    with pytest.raises(FactParseError):
        openrc.OpenrcEnabled().process(["runlevel=default", "garbage"])


def test_fuzz() -> None:
    fuzz(openrc.OpenrcStatus, RC_STATUS)
    fuzz(openrc.OpenrcEnabled, RC_UPDATE)
