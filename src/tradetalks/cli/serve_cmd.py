"""``tradetalks serve``: start the web service and browser UI (FastAPI app served by uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tradetalks.cli.common import guard
from tradetalks.inputs import MAX_PATH_LENGTH, check_text


@guard
def serve_cmd(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Interface to listen on (reads are open on loopback only)."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="Negotiation-record database (default: $TRADETALKS_DATABASE_URL or a SQLite file in the user's "
        "data directory).",
    ),
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Host name the service answers to (repeat; default: the loopback names, or "
            "$TRADETALKS_ALLOWED_HOSTS). Requests naming another host get 400 (DNS-rebinding defence).",
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="Address or network of a reverse proxy whose X-Forwarded-For is believed (repeat; default none, "
            "or $TRADETALKS_TRUSTED_PROXIES). Without it, forwarded requests count as remote and need the token.",
        ),
    ] = None,
    workers: int = typer.Option(
        1, "--workers", min=1, max=16,
        help="Worker processes (about one per core); jobs live in the record, package results in the cache folder.",
    ),
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Folder of the package-result cache shared by the workers (default "
                                         "$TRADETALKS_CACHE_DIR, else next to a SQLite record)."),
    ] = None,
) -> None:
    """Start the web service: browser UI at http://HOST:PORT/, OpenAPI schema at /openapi.json.

    Writes (records, simulation jobs) need the bearer token set in TRADETALKS_API_TOKEN.
    """
    import os

    import uvicorn

    # the app factory reads its settings from the environment in every worker process
    if database_url:
        os.environ["TRADETALKS_DATABASE_URL"] = database_url
    if allowed_host:
        os.environ["TRADETALKS_ALLOWED_HOSTS"] = ",".join(allowed_host)
    if trusted_proxy:
        os.environ["TRADETALKS_TRUSTED_PROXIES"] = ",".join(trusted_proxy)
    if workers > 1:  # evaluations in a process of their own per worker (tradetalks.web.caching.use_processes)
        os.environ.setdefault("TRADETALKS_EVAL_PROCESSES", "1")
    if cache_dir is not None:
        os.environ["TRADETALKS_CACHE_DIR"] = str(check_text(str(cache_dir), "--cache-dir", max_len=MAX_PATH_LENGTH))
    typer.echo(f"tradetalks: serving on http://{host}:{port}/ (OpenAPI: /openapi.json); Ctrl-C stops")
    uvicorn.run(
        "tradetalks.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # forwarded headers are handled by the app itself (trusted proxies only)
        server_header=False,
        log_level="info",
        timeout_worker_healthcheck=120,  # a worker imports the whole stack first: slow on a busy machine
    )
