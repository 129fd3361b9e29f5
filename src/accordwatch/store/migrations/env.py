"""Alembic environment for the AccordWatch database.

Normally run in code by ``Store.upgrade()``, which passes its open connection in
``config.attributes["connection"]``. Developers can also use the command line::

    alembic -c src/accordwatch/store/alembic.ini -x url=sqlite:///dev.sqlite revision -m "..." --autogenerate
    alembic -c src/accordwatch/store/alembic.ini -x url=sqlite:///dev.sqlite upgrade head
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

from accordwatch.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    # Command-line use: logging from the ini file, URL from -x url=... or the ini.
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from accordwatch.store import default_db_url

        url = default_db_url()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            _configure_and_run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("AccordWatch migrations run online only: drop --sql")
run_migrations_online()
