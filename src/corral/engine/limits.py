"""The process's limit on open files, raised to what a run's connections need.

Each host at work holds file descriptors (an SSH connection's socket; a local or container
command's three pipes), and a run holds ``--parallel`` hosts at once. Many systems start
a process with a soft limit of 1,024 open files and a far higher hard limit: a run of
thousands of hosts at once would fail its later connections with "Too many open files".
The soft limit may be raised up to the hard one without privilege, as servers do.
"""

from __future__ import annotations

import logging
import resource

#: file descriptors one host at work may hold: a local command's three pipes and its
#: process's pidfd, or a socket
PER_HOST = 4
#: what the rest of the process holds: the interpreter, the history store, worker links
RESERVE = 256

log = logging.getLogger("corral")


def wanted(hosts_at_once: int) -> int:
    return hosts_at_once * PER_HOST + RESERVE


def raise_open_files(hosts_at_once: int) -> tuple[int, int]:
    """Raise the soft limit on open files so that ``hosts_at_once`` hosts can be at work at
    once: never above the hard limit, never lowered. The soft limit before and after;
    when the hard limit is too low, a warning says so (later connections may fail, each
    on its own host, with the system's error)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = wanted(hosts_at_once)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft, soft
    new = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if new > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            new = soft
    if new < want:
        log.warning("warning: %d hosts at once may need %d open files; this process may "
                    "open %d (ulimit -n; raise the hard limit or lower --parallel)",
                    hosts_at_once, want, new)
    return soft, new
