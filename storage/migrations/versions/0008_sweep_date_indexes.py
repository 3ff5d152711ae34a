"""indexes on the agreements' date columns, so the sweep selects only rows that can alert today

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COLUMNS = ('start_date', 'end_date', 'extended_to', 'first_imported')


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(op.f(f'ix_agreements_{column}'), 'agreements', [column], unique=False)


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(op.f(f'ix_agreements_{column}'), table_name='agreements')
