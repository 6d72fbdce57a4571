"""``evote serve --workers N`` (N > 1, Linux): one listening socket per worker, bound with ``SO_REUSEPORT``.

uvicorn's own multi-process mode binds one socket in the parent and lets every worker ``accept`` on it: the
worker that happens to be idle when a connection arrives takes it, so keep-alive clients that connect in a burst
end up unevenly spread (the cast benchmark saw 43 and 21 of 64 connections): one worker's queue grows while the
other's core idles, and the clients of the busy one see twice the latency (issue #21). With ``SO_REUSEPORT`` each
worker listens on its own socket and the kernel spreads new connections over them by a hash of the addresses.

The kernel lets only processes of the same user join the port's group. The supervisor restarts a worker that
died, and on SIGINT/SIGTERM stops them all (each shuts down gracefully, as under uvicorn).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from types import FrameType
from typing import Any

logger = logging.getLogger(__name__)


def supported(port: int, workers: int) -> bool:
    """A fixed port, several workers, and a kernel that balances ``SO_REUSEPORT`` groups (Linux)."""
    return workers > 1 and port != 0 and sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _worker(options: dict[str, Any], host: str, port: int) -> None:  # pragma: no cover - runs in a child process
    import uvicorn

    sock = bind(host, port)
    sock.listen(2048)
    uvicorn.Server(uvicorn.Config(**options)).run(sockets=[sock])


def serve(options: dict[str, Any], *, host: str, port: int, workers: int) -> None:
    """Run ``workers`` uvicorn processes (``options``: ``uvicorn.Config`` keywords) until SIGINT or SIGTERM."""
    bind(host, port).close()  # the address is free and ours to share: fail here, not in every worker
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_worker, args=(options, host, port), daemon=False)
        process.start()
        return process

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    logger.info("serving", extra={"workers": workers, "reuse_port": True})
    try:
        while not stopping.wait(0.5):
            for index, process in enumerate(processes):
                if not process.is_alive():
                    logger.warning("worker exited; restarting", extra={"exitcode": process.exitcode})
                    processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight and runs the lifespan exit
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for number, handler in previous.items():
            signal.signal(number, handler)
