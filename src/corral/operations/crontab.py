"""``crontab.crontab``: pyinfra 3's home for the crontab operation (also ``server.crontab``)."""

from ._server_cron import crontab

__all__ = ["crontab"]
