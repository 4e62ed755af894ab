"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from evalflow.extensions import db


def _drift() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_the_migrated_schema_matches_the_models(app):
    assert _drift() == []


def test_db_check_finds_no_drift(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_downgrade_to_nothing_and_back(app):
    downgrade(revision="base")
    with db.engine.connect() as connection:
        assert db.inspect(connection).get_table_names() in ([], ["alembic_version"])
    upgrade()
    assert _drift() == []
