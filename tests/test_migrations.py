"""The Alembic migrations build the schema from nothing, and agree with the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, create_engine, inspect, text
from sqlalchemy.engine import make_url

from challenges import create_app
from challenges.archive.search import include_name
from challenges.extensions import db
from challenges.models.types import UTCDateTime

from .conftest import DATABASE


def schema_differences(connection, metadata):
    """What autogenerate would write: models vs the live schema (empty when they agree). The
    archive's search objects, built by hand in migration 0015, are left out as env.py does."""
    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "include_name": include_name})
    return compare_metadata(context, metadata)


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        assert schema_differences(connection, db.metadata) == []


def test_the_agreement_check_fails_when_models_and_migrations_disagree(app):
    """Guard the guard: a model column the migrations lack is reported."""
    drifted = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        copy = table.to_metadata(drifted)
        if table.name == "users":
            copy.append_column(Column("nickname", Integer, nullable=True))
    with db.engine.connect() as connection:
        differences = schema_differences(connection, drifted)
    assert any(diff[0] == "add_column" and diff[3].name == "nickname" for diff in differences)


def test_utc_datetime_renders_as_plain_datetime_in_migrations():
    from challenges.models.types import render_migration_item

    assert render_migration_item("type", UTCDateTime(), None) == "sa.DateTime(timezone=True)"


@pytest.fixture
def empty_database_url(app_config, workdir):
    """A brand-new, empty database of the kind under test."""
    if DATABASE == "sqlite":
        yield f"sqlite:///{workdir / f'empty-{uuid.uuid4().hex}.db'}"
        return
    url = make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    name = f"empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_flask_db_upgrade_builds_an_empty_database_and_downgrade_removes_it(
    app_config, empty_database_url
):
    fresh = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    runner = fresh.test_cli_runner()
    # The CLI reuses an active app context, so make it the fresh app's.
    with fresh.app_context():
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "weekly_challenges", "challenge_submissions", "challenge_votes",
                "challenge_sponsors", "projects", "ledger_entries", "payouts"} <= tables
        with db.engine.connect() as connection:
            assert schema_differences(connection, db.metadata) == []

    with fresh.app_context():
        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
