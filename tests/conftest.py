"""Shared fixtures: the SSH test fleet (``fleet``, ``fleet_factory``)."""

pytest_plugins = ["corral.testing.pytest_fleet"]
