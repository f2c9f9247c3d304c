from pyinfra import host
from pyinfra.api.deploy import deploy
from pyinfra.operations import files, server

DEFAULTS = {"app_dir": "/srv/nested", "app_port": 8000, "app_user": "app"}


@deploy("Write config", data_defaults={"config_name": "app.conf"})
def write_config(app_dir, port):
    # an inner deploy's defaults replace the outer one's while it runs
    files.template(name="Config", src="templates/app.conf.j2",
                   dest=f"{app_dir}/{host.data.config_name}", mode="640",
                   port=port, config_name=host.data.get("config_name"))


@deploy("Install app", data_defaults=DEFAULTS)
def install_app():
    server.user(name="User", user=host.data.app_user, home=host.data.app_dir,
                shell="/bin/sh")
    files.directory(name="Directory", path=host.data.app_dir, user=host.data.app_user,
                    group=host.data.app_user, mode="750")
    write_config(host.data.app_dir, host.data.app_port)
    server.shell(name="Who", commands=[f"id -un > {host.data.app_dir}/installed-by"])


# the global argument given to the outer deploy reaches every operation inside
install_app(_sudo=True)
