from io import StringIO

from pyinfra import config, host
from pyinfra.operations import files, server

files.put(name="Before", src=StringIO("before\n"), dest="/home/corral/before", mode="644")

if host.name == "web1":
    # config is per host: from here on web1's operations go through sudo, web2's do not
    config.SUDO = True

files.put(name="After", src=StringIO("after\n"), dest="/home/corral/after", mode="644")
server.shell(name="Who", commands=["id -un > /home/corral/whoami"])
