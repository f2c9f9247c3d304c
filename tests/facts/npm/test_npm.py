"""npm.NpmPackages on real npm 11 output (this machine: global packages, and a project
with a linked local package), as printed under LC_ALL=C."""

from __future__ import annotations

from corral.facts import npm

from .._pkg_data import captured


def test_global() -> None:
    found = captured("npm_global", npm.NpmPackages)
    assert set(found) == {"corepack", "npm"}
    assert found["npm"] == {"11.19.1"}


def test_project() -> None:
    assert captured("npm_project", npm.NpmPackages) == {"@corral/dep": {"0.2.0"}}
    assert captured("npm_missing_dir", npm.NpmPackages) == {}


def test_utf8_tree() -> None:
    out = ["/usr/lib", "├── typescript@5.3.3", "├── @vue/cli@5.0.8 extraneous",
           "└── UNMET DEPENDENCY left-pad@1.3.0"]
    assert npm.NpmPackages().process(out) == {"typescript": {"5.3.3"}, "@vue/cli": {"5.0.8"}}
