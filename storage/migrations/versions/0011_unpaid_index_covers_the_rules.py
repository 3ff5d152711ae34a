"""the unpaid instalments index holds every column the payment rules read, so a sweep never reads the rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# As `storage.models.UNPAID_SQL` at this revision (a migration never imports the models).
UNPAID = 'paid_on IS NULL OR paid_amount < amount'
INDEX = 'ix_payment_instalments_unpaid'
BEFORE = ['due', 'agreement_id', 'number']
# Not the note: free text no rule reads, and PostgreSQL refuses an index entry above about 2.7 kB.
AFTER = [*BEFORE, 'amount', 'paid_amount', 'paid_on', 'generated', 'payment_reference']


def _replace(columns: list[str]) -> None:
    op.drop_index(INDEX, table_name='payment_instalments')
    op.create_index(INDEX, 'payment_instalments', columns, unique=False,
                    sqlite_where=sa.text(UNPAID), postgresql_where=sa.text(UNPAID))


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    _replace(BEFORE)
