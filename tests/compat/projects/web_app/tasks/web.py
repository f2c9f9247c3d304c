from pyinfra import host
from pyinfra.operations import files

from service_ops import service

unit = files.template(
    name="Unit file",
    src="templates/shop.service.j2",
    dest="/etc/shop.service",
    mode="644",
    app_dir=host.data.app_dir,
    port=host.data.app_port,
    service_user=host.data.app_name,
)
service(name="Shop service", service="shop", restarted=unit.will_change,
        daemon_reload=unit.will_change)
