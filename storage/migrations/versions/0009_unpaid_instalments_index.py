"""a partial index of the instalments not fully paid, by due date, so an ordinary day's sweep reads only those

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# As `storage.models.UNPAID_SQL` at this revision (a migration never imports the models).
UNPAID = 'paid_on IS NULL OR paid_amount < amount'


def upgrade() -> None:
    op.create_index('ix_payment_instalments_unpaid', 'payment_instalments', ['due', 'agreement_id', 'number'], unique=False,
                    sqlite_where=sa.text(UNPAID), postgresql_where=sa.text(UNPAID))


def downgrade() -> None:
    op.drop_index('ix_payment_instalments_unpaid', table_name='payment_instalments')
