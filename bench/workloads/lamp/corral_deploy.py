"""The `lamp` workload for corral: pyinfra_deploy.py with its imports changed from
`pyinfra` to `corral`, nothing else."""

from corral.operations import apt, files

PACKAGES = ["apache2", "mariadb-server", "php", "libapache2-mod-php", "php-mysql"]

apt.packages(name="LAMP packages", packages=PACKAGES, update=True, cache_time=3600)
files.directory(name="firewall directory", path="/etc/iptables", mode="755")
files.put(name="firewall rules", src="files/rules.v4", dest="/etc/iptables/rules.v4",
          mode="600")
