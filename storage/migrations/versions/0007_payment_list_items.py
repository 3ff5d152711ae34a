"""payments from a Microsoft List: each instalment's list item, its eTag, and a payment not yet written back

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment_instalments') as batch:
        batch.add_column(sa.Column('list_item_id', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('list_item_etag', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('list_pending', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('payment_instalments') as batch:
        batch.drop_column('list_pending')
        batch.drop_column('list_item_etag')
        batch.drop_column('list_item_id')
