"""A read-only run: facts read and operations with nothing to change (converged)."""

from corral import host
from corral.facts.server import Os
from corral.operations import files

host.get_fact(Os)
files.directory(name="tmp is there", path="/tmp")
files.file(name="passwd is there", path="/etc/passwd")
