"""gpg.* and ssh.* under hostile strings, on a sandbox (cases_gpgssh.py)."""

from __future__ import annotations

import pytest

from .cases import Arg, Case
from .cases_gpgssh import CASES
from .runner import exercise, params
from .sandbox import Sandbox

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("case", "arg"), params(CASES))
def test_hostile(sandbox: Sandbox, case: Case, arg: Arg) -> None:
    exercise(sandbox, case, arg)
