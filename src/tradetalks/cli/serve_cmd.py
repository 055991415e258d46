"""``tradetalks serve``: start the web service and browser UI (FastAPI app served by uvicorn)."""

from __future__ import annotations

import typer


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (reads are open on loopback only)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="Negotiation-record database (default: $TRADETALKS_DATABASE_URL or a SQLite "
        "file in the user's data directory)."),
) -> None:
    """Start the web service: browser UI at http://HOST:PORT/, OpenAPI schema at /openapi.json.

    Writes (records, simulation jobs) need the bearer token set in TRADETALKS_API_TOKEN.
    """
    import uvicorn

    from tradetalks.web.app import create_app

    typer.echo(f"tradetalks: serving on http://{host}:{port}/ (OpenAPI: /openapi.json); Ctrl-C stops")
    uvicorn.run(create_app(database_url=database_url), host=host, port=port, log_level="info")
