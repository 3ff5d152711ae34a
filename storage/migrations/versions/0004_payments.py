"""payment schedules: one row per instalment, with what has been paid against it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payment_instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_amount', sa.BigInteger(), nullable=False),
    sa.Column('payment_reference', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('generated', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=320), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agreement_id', 'number')
    )
    op.create_index('ix_payment_instalments_agreement_id', 'payment_instalments', ['agreement_id'])
    op.create_index('ix_payment_instalments_due', 'payment_instalments', ['due'])


def downgrade() -> None:
    op.drop_index('ix_payment_instalments_due', table_name='payment_instalments')
    op.drop_index('ix_payment_instalments_agreement_id', table_name='payment_instalments')
    op.drop_table('payment_instalments')
