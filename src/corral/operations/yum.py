"""Manage yum packages, repositories and ``.rpm`` files (package names are case-sensitive)."""

from __future__ import annotations

from corral.operations._util.rpm import rpm_operations

update, key, repo, rpm, packages = rpm_operations("yum")

__all__ = ["key", "packages", "repo", "rpm", "update"]
