"""``crontab.crontab``: pyinfra 3's home for the crontab operation (also ``server.crontab``)."""

from corral.operations.server._cron import crontab

__all__ = ["crontab"]
