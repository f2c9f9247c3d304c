from io import StringIO

from pyinfra.operations import files, server

files.directory(name="Config directory", path="/etc/cfgfile", mode="755")
files.put(name="Root file", src=StringIO("root's\n"), dest="/etc/cfgfile/root-file",
          mode="600")
server.shell(name="Who", commands=["id -un > /etc/cfgfile/whoami"])
