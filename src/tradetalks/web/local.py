"""Serve the web app in a background thread on a free loopback port (notebooks, tests, benchmarks).

``tradetalks serve`` runs uvicorn in the foreground (and with ``--workers`` in several processes). A notebook,
the browser tests and the web benchmarks need the same app running next to them instead: a uvicorn server in
a daemon thread, on a port the OS picks, stopped when the ``with`` block ends::

    from tradetalks.web.app import create_app
    from tradetalks.web.local import serve_in_thread

    with serve_in_thread(create_app()) as url:
        print(url)  # http://127.0.0.1:PORT
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any, *, port: int | None = None, **config: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread on loopback; yields the base URL (no trailing slash).

    Parameters
    ----------
    app
        An ASGI app (e.g. :func:`tradetalks.web.app.create_app`'s).
    port
        The port; default a free one (:func:`free_port`).
    **config
        Further ``uvicorn.Config`` options (e.g. ``limit_concurrency``, ``backlog``).

    Raises
    ------
    RuntimeError
        The server thread ended before the server started (e.g. the port was taken meanwhile).
    """
    import uvicorn

    port = free_port() if port is None else port
    config.setdefault("log_level", "warning")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **config))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started and th.is_alive():
        time.sleep(0.05)
    if not srv.started:
        raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(timeout=30)
