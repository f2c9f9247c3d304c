"""``corral serve``: the web dashboard and HTTP API (docs/dashboard.md).

A front end (layer 4) over :mod:`corral.api` (runs are started through it, in a worker
process each) and :mod:`corral.history` (the runs are read from the store; the server's
users, sessions, tokens and run requests live in the same store). Nothing imports it but
the command line's ``corral serve``, which goes through :mod:`corral.server.command`."""
