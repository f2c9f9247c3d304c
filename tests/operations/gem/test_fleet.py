"""gem.* applied for real on a fleet host (Debian 12, no internet), with a gem built here."""

from __future__ import annotations

import pytest

from corral.operations import apt, gem
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, put, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

GEMSPEC = """Gem::Specification.new do |s|
  s.name = "corral-demo"
  s.version = "0.3.1"
  s.summary = "corral test gem"
  s.authors = ["corral"]
  s.files = ["lib/corral_demo.rb"]
  s.license = "MIT"
end
"""


def test_gem_local(host_fleet: Fleet) -> None:
    def ruby() -> None:
        apt.packages(packages=["ruby"], update=True, cache_time=3600)

    converge(host_fleet, ruby)
    put(host_fleet, "/srv/gem/corral-demo.gemspec", GEMSPEC.encode())
    sh(host_fleet, "cd /srv/gem && mkdir -p lib && echo 'module CorralDemo; end' > "
                   "lib/corral_demo.rb && gem build corral-demo.gemspec >/dev/null 2>&1 && "
                   "printf 'install: --local\\n' > /root/.gemrc")

    def deploy() -> None:
        gem.packages(packages=["corral-demo:0.3.1"], _chdir="/srv/gem")

    converge(host_fleet, deploy)
    assert "corral-demo (0.3.1)" in sh(host_fleet, "gem list --local corral-demo")

    def remove() -> None:
        gem.packages(packages=["corral-demo"], present=False)

    converge(host_fleet, remove)
    assert "corral-demo" not in sh(host_fleet, "gem list --local corral-demo")
