from io import StringIO

from pyinfra import host
from pyinfra.operations import files

from facts import KernelName
from operations import default_setting

default_setting(name="Enable rsync", path="/etc/default/rsync", key="RSYNC_ENABLE",
                value=host.data.rsync_enable)
default_setting(name="Rsync timeout", path="/etc/default/rsync", key="RSYNC_TIMEOUT",
                value="30")

files.directory(name="Report directory", path="/srv/custom", mode="755")
files.put(name="Kernel", src=StringIO(f"kernel: {host.get_fact(KernelName)}\n"),
          dest="/srv/custom/kernel", mode="644")
