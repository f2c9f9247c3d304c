"""The `lamp` workload for pyinfra 3.x: Apache, MariaDB and PHP from the hosts' package
repository, and a firewall rules file (written, never applied).

corral runs corral_deploy.py, which is this file with `pyinfra` changed to `corral`.
"""

from pyinfra.operations import apt, files

PACKAGES = ["apache2", "mariadb-server", "php", "libapache2-mod-php", "php-mysql"]

apt.packages(name="LAMP packages", packages=PACKAGES, update=True, cache_time=3600)
files.directory(name="firewall directory", path="/etc/iptables", mode="755")
files.put(name="firewall rules", src="files/rules.v4", dest="/etc/iptables/rules.v4",
          mode="600")
