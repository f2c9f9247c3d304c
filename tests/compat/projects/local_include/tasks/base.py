from io import StringIO

from pyinfra import host
from pyinfra.operations import files

files.directory(name="Base directory", path="/srv/inc", mode="755")
files.put(name="Base file", src=StringIO(f"base for {host.name}\n"), dest="/srv/inc/base",
          mode="644")
