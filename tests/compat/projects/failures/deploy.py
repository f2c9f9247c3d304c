from io import StringIO

from pyinfra import host
from pyinfra.api import FactBase
from pyinfra.operations import files, python


class ClusterId(FactBase):
    """Read from a file only some hosts have: the command fails elsewhere."""

    def command(self):
        return "cat /srv/cluster-id"

    def process(self, output):
        return output[0]


if host.name == "web2":
    cluster = host.get_fact(ClusterId)  # web2 has no /srv/cluster-id: the host fails

files.directory(name="Directory", path="/srv/fail", mode="755")
files.put(name="Before", src=StringIO("before\n"), dest="/srv/fail/before", mode="644")
if host.name == "db1":
    python.raise_exception(RuntimeError, "not on db1", name="Refuse")
files.put(name="After", src=StringIO("after\n"), dest="/srv/fail/after", mode="644")
