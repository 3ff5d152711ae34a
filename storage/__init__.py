"""The database: SQLAlchemy 2 models, sessions, Alembic migrations, repositories and the outbox.

Rows become `domain` objects here and nowhere else; nothing outside this package writes SQL.
Register import and export (CSV, XLSX, 360Giving) live here too, because they are all-or-nothing writes.
May import: `domain`.
"""
