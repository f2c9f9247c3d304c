from pyinfra import host
from pyinfra.operations import files

files.template(
    name="Virtual host",
    src="templates/vhost.j2",
    dest=f"{host.data.docroot}/vhost.conf",
    mode="644",
    site=host.data.site,
)
