from io import StringIO

from pyinfra import host
from pyinfra.operations import files, server

files.directory(name="Sites", path="/srv/loop", mode="755")

for site in host.loop(host.data.sites):
    files.put(name=f"Site {site}", src=StringIO(f"server {site};\n"),
              dest=f"/srv/loop/{site}.conf", mode="644")

main = files.put(name="Main", src=StringIO(f"include {len(host.data.sites)} sites\n"),
                 dest="/srv/loop/main.conf", mode="644")

# decided when the operations run: only after the main file changed
with host.when(lambda: main.did_change()):
    server.shell(name="Reload", commands=["echo reload >> /srv/loop/reloads"])
    files.file(name="Reloaded stamp", path="/srv/loop/reloaded", mode="600")

with host.when(lambda: host.data.get("extra", False)):
    files.put(name="Extra", src=StringIO("extra\n"), dest="/srv/loop/extra", mode="644")

with host.arguments(_chdir="/srv/loop"):
    server.shell(name="Where", commands=["pwd > where"])
