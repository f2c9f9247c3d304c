from io import StringIO

from pyinfra import host, inventory
from pyinfra.operations import files

files.directory(name="Report directory", path="/srv/shapes", mode="755")

groups = " ".join(sorted(set(host.groups)))
web_hosts = " ".join(sorted(h.name for h in inventory.get_group("web")))
lines = [
    f"groups: {groups}",
    f"greeting: {host.data.greeting if 'greeting' in host.data.dict() else 'none'}",
    f"listen: {host.data.listen}",
    f"weight: {host.data.get('weight', 0)}",
    f"web: {host.data.get('is_web', False)} db: {host.data.get('is_db', False)}",
    f"web hosts: {web_hosts}",
    f"db listens on: {inventory.get_host('db1').data.listen}",
]
files.put(name="Report", src=StringIO("\n".join(lines) + "\n"), dest="/srv/shapes/report",
          mode="644")

if "app" in host.groups:
    files.file(name="App marker", path="/srv/shapes/app", mode="600")
