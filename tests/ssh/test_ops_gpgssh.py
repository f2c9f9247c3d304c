"""gpg.* over SSH on test fleet hosts, as root and as the user ``corral`` with sudo (the
tests of tests/integration/test_ops_gpg.py)."""

from __future__ import annotations

import pytest
from integration import test_ops_gpg

from .test_ops import target  # noqa: F401 (the fixture: a fleet host as root and with sudo)

pytestmark = pytest.mark.integration


test_gpg_key_and_dearmor = test_ops_gpg.test_key_and_dearmor
