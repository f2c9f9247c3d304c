from io import StringIO

from pyinfra import host
from pyinfra.operations import apt, files

apt.packages(name="Packages", packages=host.data.packages)

report = "\n".join([
    f"motd: {host.data.motd}",
    f"environment: {host.data.get('environment', 'unset')}",
    f"role: {host.data.get('role', 'none')}",
    f"listen: {host.data.listen}",
    f"workers: {host.data.get('workers', 1)}",
])
files.directory(name="Report directory", path="/srv/gd", mode="755")
files.put(name="Report", src=StringIO(report + "\n"), dest="/srv/gd/report", mode="644")
