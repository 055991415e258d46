"""Developer tool: write a new Alembic revision script for a change of ``schema.py``.

Usage (from the repository, never needed by users)::

    python -m tradetalks.store.revision "add column x to runs"

Migrates a scratch SQLite database to the current head, autogenerates the difference between it and
:mod:`tradetalks.store.schema` into ``tradetalks/store/migrations/versions/``, and prints the file
name. Review the script by hand (and check it on PostgreSQL: ``tests/test_store.py`` runs
``test_models_match_migrations`` on both backends) before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Autogenerate a revision with the given message; returns a process exit code."""
    from alembic import command

    from tradetalks.store.api import open_store
    from tradetalks.store.engine import _alembic_config

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].strip():
        print('usage: python -m tradetalks.store.revision "message"', file=sys.stderr)
        return 2
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}") as store,
    ):
        cfg = _alembic_config()
        with store.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            script = command.revision(cfg, message=args[0], autogenerate=True)
            conn.commit()
    paths = script if isinstance(script, list) else [script]
    for s in paths:
        if s is not None:
            print(s.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
