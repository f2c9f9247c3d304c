from io import StringIO

from pyinfra import host
from pyinfra.facts.files import File
from pyinfra.operations import files, server

files.directory(name="Config directory", path="/etc/compat", mode="750")
files.put(name="Marker", src=StringIO("written through sudo\n"), dest="/etc/compat/marker",
          mode="640")
server.shell(name="Who", commands=["id -un > /etc/compat/whoami"])
server.shell(name="Mode", commands=['echo "${APP_MODE:-none}" > /etc/compat/mode'])
server.user(name="Service user", user="svc", home="/var/lib/svc", shell="/usr/sbin/nologin")

# root's own files are readable only through sudo
profile = host.get_fact(File, path="/root/.profile")
files.put(name="Fact seen", src=StringIO(f"profile: {'found' if profile else 'missing'}\n"),
          dest="/etc/compat/fact", mode="644")

# an explicit argument wins over the data
files.put(name="Own file", src=StringIO("mine\n"), dest="/home/corral/own", mode="600",
          _sudo=False)
