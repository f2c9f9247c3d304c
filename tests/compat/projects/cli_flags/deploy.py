# run as: pyinfra --sudo --data release=7 --data channel=stable --limit web inventory.py deploy.py
from io import StringIO

from pyinfra import host, inventory
from pyinfra.operations import files, server

release = host.data.release
lines = [
    f"release: {release} ({type(release).__name__})",
    f"channel: {host.data.channel}",
    f"db hosts: {[h.name for h in inventory.get_group('db')]}",
]
files.directory(name="Directory", path="/srv/cli", mode="755")
files.put(name="Report", src=StringIO("\n".join(lines) + "\n"), dest="/srv/cli/report",
          mode="644")
server.shell(name="Who", commands=["id -un > /srv/cli/whoami"])
