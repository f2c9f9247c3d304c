"""server.etc_hosts, server.script_template and server.kill over SSH on test fleet hosts,
as root and as the user ``corral`` with sudo (the tests of
tests/integration/test_ops_server_more.py and test_ops_runit.py)."""

from __future__ import annotations

import pytest
from integration import test_ops_runit, test_ops_server_more
from integration.test_ops_runit import runsvdir  # noqa: F401 (a fixture)

from .test_ops import target  # noqa: F401 (the fixture: a fleet host as root and with sudo)

pytestmark = pytest.mark.integration


test_etc_hosts = test_ops_server_more.test_etc_hosts
test_script_template = test_ops_server_more.test_script_template
test_kill = test_ops_server_more.test_kill
test_runit_service = test_ops_runit.test_runit_service
