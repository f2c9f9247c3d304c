"""Shared fixtures: the SSH test fleet (``fleet``, ``fleet_factory``); hypothesis profiles.

CI (``CORRAL_CI=1``, set by ``.ci/run``) draws the same examples on every run, so what
lands is what was tested; a developer's run draws new ones and may find more.
"""

import os

from hypothesis import settings

pytest_plugins = ["corral.testing.pytest_fleet"]

# runs made by the tests record no history (into the working directory, for @local and
# host lists) unless a test asks for it: tests/history does, with stores of its own
os.environ.setdefault("CORRAL_NO_HISTORY", "1")

settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CORRAL_CI"):
    settings.load_profile("ci")
