"""``python -P -m corral.engine.worker FD``: a worker process of a run split over processes
(:mod:`corral.engine.workers` starts it; FD is its end of the link to the controller)."""

from __future__ import annotations

import sys

from .shardrun import main

if __name__ == "__main__":
    main(sys.argv[1:])
