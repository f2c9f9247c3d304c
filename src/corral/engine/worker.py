"""``python -P -m corral.engine.worker FD``: a worker process of a run split over processes
(:mod:`corral.engine.workers` starts it; FD is its end of the link to the controller).

``python -P -m corral.engine.worker connect HOST PORT COPY``: a shard on a Dask worker
(:func:`corral.engine.cluster.run_shard` starts it in COPY, its copy of the project
directory; it links up to the controller at HOST:PORT with the token on its input)."""

from __future__ import annotations

import sys

from .shardrun import main

if __name__ == "__main__":
    main(sys.argv[1:])
