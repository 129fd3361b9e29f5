"""Shared fixtures. Storage tests run on SQLite, and on PostgreSQL when
ACCORDWATCH_TEST_PG_URL is set (each test gets a fresh schema, dropped after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ENV = "ACCORDWATCH_TEST_PG_URL"
PG_SKIP = (
    f"set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test "
    "to run the storage tests on PostgreSQL"
)


def _pg_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema; the schema is dropped afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"aw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """URL of an empty database (no tables yet): a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accordwatch.sqlite'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    yield from _pg_schema_url(base)


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    """An open, migrated ``Store`` on ``db_url``."""
    from accordwatch.store import Store

    with Store(db_url) as s:
        s.upgrade()
        yield s
