from io import StringIO

from pyinfra import host
from pyinfra.api import operation
from pyinfra.operations import files, server


@operation()
def service(service, restarted=False, reloaded=False):
    """A stand-in for a service manager: records what it was asked to do."""
    if restarted:
        yield f"echo restart {service} >> /srv/svc/actions"
    elif reloaded:
        yield f"echo reload {service} >> /srv/svc/actions"
    else:
        host.noop(f"service {service} left alone")


files.directory(name="Service directory", path="/srv/svc", mode="755")
unit = files.template(name="Unit", src="templates/app.service.j2", dest="/srv/svc/app.service",
                      mode="644", port=host.data.port)
env = files.put(name="Environment", src=StringIO("LOG_LEVEL=info\n"), dest="/srv/svc/app.env",
                mode="600")

server.shell(name="Daemon reload", commands=["echo daemon-reload >> /srv/svc/actions"],
             _if=unit.did_change)
service(name="Restart app", service="app", restarted=unit.will_change, reloaded=env.will_change)
server.shell(name="Both changed", commands=["echo both >> /srv/svc/actions"],
             _if=[unit.did_change, env.did_change])
server.shell(name="Either changed", commands=["echo either >> /srv/svc/actions"],
             _if=lambda: unit.did_change() or env.did_change())
