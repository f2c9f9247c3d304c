"""One run asked for by the server, in a process of its own: ``python -m
corral.server.worker`` reads its request as JSON on standard input, runs it through
:func:`corral.api.run` and writes each event as a JSON line on standard output, then a
last line ``{"type": "exit", "exit_code": N, "error": ...}``.

A process per run: the deploy's Python runs outside the server (a deploy that crashes or
blocks does not take the server with it), and cancelling is SIGINT, as Ctrl-C on the
command line."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from corral import api


def _write(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")
    sys.stdout.flush()


def _event(event: api.Event) -> None:
    _write(event.to_json())


def main() -> int:
    spec = json.loads(sys.stdin.read())
    os.chdir(spec["directory"])
    sys.path.insert(0, spec["directory"])
    try:
        result = api.run(spec["inventory"], spec["deploy"], dry=bool(spec["dry"]),
                         limit=spec.get("limit") or None, on_event=_event,
                         history=spec["history"], history_user=spec["user"],
                         history_options={"mode": "deploy", "server_request": spec["request"]})
    except api.CorralError as exc:
        _write({"type": "exit", "exit_code": exc.exit_code, "error": str(exc)})
        return exc.exit_code
    except KeyboardInterrupt:
        _write({"type": "exit", "exit_code": api.EXIT_INTERRUPTED, "error": "cancelled"})
        return api.EXIT_INTERRUPTED
    _write({"type": "exit", "exit_code": result.exit_code, "error": None})
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
