"""A userspace TCP relay that adds latency (the kernel of the test machines has no netem).

    python -m corral.testing.relay --delay-ms 20 MAPFILE

MAPFILE holds one ``LISTEN_ADDR:PORT TARGET_ADDR:PORT`` pair a line. Every chunk read on
either side is written to the other side ``--delay-ms`` later (half the round trip), in
order. One process serves all of a fleet's addresses; loopback addresses only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import signal
import sys

CHUNK = 65536


def _split(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the relay serves loopback addresses only, not {host}")
    return host, int(port)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                delay: float) -> None:
    """Copy reader to writer, each chunk ``delay`` seconds after it was read."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            try:
                data = await reader.read(CHUNK)
            except (ConnectionError, OSError):
                data = b""
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                break
        await sender
    finally:
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender


async def _relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter,
                 target: tuple[str, int], delay: float) -> None:
    try:
        server_r, server_w = await asyncio.open_connection(*target)
    except OSError:
        client_w.close()
        return
    pumps = [asyncio.create_task(_pump(client_r, server_w, delay)),
             asyncio.create_task(_pump(server_r, client_w, delay))]
    try:
        # a failed direction (reset) ends both; a clean EOF lets the other finish
        await asyncio.wait(pumps, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in pumps:
            task.cancel()
        for writer in (client_w, server_w):
            writer.close()
        for task in pumps:
            with contextlib.suppress(BaseException):
                await task


async def serve(pairs: list[tuple[tuple[str, int], tuple[str, int]]], delay: float) -> None:
    servers = []
    for listen, target in pairs:
        async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter,
                         target: tuple[str, int] = target) -> None:
            await _relay(r, w, target, delay)
        servers.append(await asyncio.start_server(handle, *listen, reuse_address=True,
                                                  backlog=512))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"relay: {len(servers)} addresses, {delay * 1000:.1f} ms each way", flush=True)
    await stop.wait()
    for server in servers:
        server.close()


def read_map(path: str) -> list[tuple[tuple[str, int], tuple[str, int]]]:
    pairs = []
    with open(path) as f:
        for line in f:
            if line.strip():
                listen, target = line.split()
                pairs.append((_split(listen), _split(target)))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corral.testing.relay")
    parser.add_argument("--delay-ms", type=float, required=True,
                        help="delay of each direction (half the round trip)")
    parser.add_argument("mapfile")
    args = parser.parse_args(argv)
    asyncio.run(serve(read_map(args.mapfile), args.delay_ms / 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
