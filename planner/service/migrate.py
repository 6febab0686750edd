"""Schema migrations of the plan store, run with Alembic (scripts in ``migrations/``).

The store upgrades its database to the newest revision when it opens, so a new release's
schema changes apply to an existing SQLite file or PostgreSQL database without a manual step.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

__all__ = ["MIGRATIONS", "upgrade"]

#: Folder of the Alembic environment and its revisions (installed with the package).
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema to ``revision`` (default the newest)."""
    cfg = _config()
    with engine.begin() as connection:
        # env.py runs the migrations on this connection instead of opening its own.
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    logger.debug("plan store schema at %s", revision)
