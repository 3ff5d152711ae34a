"""Alembic environment: migrations run on a connection handed in by `storage.db.upgrade`."""

from alembic import context

from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `storage.db.upgrade` runs migrations
    raise RuntimeError("Run migrations through storage.db.upgrade(engine)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
