"""server.etc_hosts, server.script_template and server.kill over SSH on test fleet hosts,
as root and as the user ``corral`` with sudo (the tests of
tests/integration/test_ops_server_more.py and test_ops_runit.py)."""

from __future__ import annotations

import pytest
from integration import test_ops_runit, test_ops_server_more
from integration._helpers import Target
from integration.test_ops_runit import runsvdir  # noqa: F401 (a fixture)

from corral.testing.fleet import Fleet

from .conftest import ROOT_HOST, SUDO_HOST

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["root", "sudo"])
def target(request: pytest.FixtureRequest, fleet: Fleet,
           tmp_path_factory: pytest.TempPathFactory) -> Target:
    directory = tmp_path_factory.mktemp(f"ssh-system-{request.param}")
    if request.param == "root":
        t = Target.ssh(fleet, ROOT_HOST, directory)
    else:
        t = Target.ssh(fleet, SUDO_HOST, directory, user="corral", SUDO=True)
    t.path(t.base).mkdir(parents=True, exist_ok=True)
    return t


test_etc_hosts = test_ops_server_more.test_etc_hosts
test_script_template = test_ops_server_more.test_script_template
test_kill = test_ops_server_more.test_kill
test_runit_service = test_ops_runit.test_runit_service
