"""Shared fixtures: the SSH test fleet (``fleet``, ``fleet_factory``); hypothesis profiles.

CI (``CORRAL_CI=1``, set by ``.ci/run``) draws the same examples on every run, so what
lands is what was tested; a developer's run draws new ones and may find more.
"""

import os

from hypothesis import settings

pytest_plugins = ["corral.testing.pytest_fleet"]

settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CORRAL_CI"):
    settings.load_profile("ci")
