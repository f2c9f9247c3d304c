from pyinfra import host
from pyinfra.api.operation import operation


@operation()
def service(service, running=True, restarted=False, daemon_reload=False):
    """What a service manager would be told, recorded in /var/log/services."""
    if daemon_reload:
        yield "echo daemon-reload >> /var/log/services"
    if restarted:
        yield f"echo restart {service} >> /var/log/services"
    elif not running:
        yield f"echo stop {service} >> /var/log/services"
    else:
        host.noop(f"{service} is running")
