"""FreeBSD's own tools, as pyinfra has them: ``freebsd.pkg``, ``freebsd.service``,
``freebsd.sysrc`` and ``freebsd.freebsd_update`` (each acting on the host, or in a jail
with ``jail=``)."""
