"""The schema comes from Alembic, and the migrations match the models exactly.

If someone changes `storage/models.py` without a migration (or the other way round), the
app and the tests would run on different schemas; this catches that on both databases.
"""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base


def _differences(connection) -> list:  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    """`alembic upgrade head` produces exactly the tables and columns the models declare."""
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_every_model_table_exists_after_upgrade(engine: AsyncEngine) -> None:
    """Tables for the register, check-in and alerts are all there, plus Alembic's own."""
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(Base.metadata.tables) | {"alembic_version"} == tables
