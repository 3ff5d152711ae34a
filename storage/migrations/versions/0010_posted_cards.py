"""posted cards: where each alert card was posted, so a decision made elsewhere can replace it in place

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('posted_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('conversation_id', sa.String(length=500), nullable=False),
    sa.Column('activity_id', sa.String(length=300), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_id')
    )
    op.create_index('ix_posted_cards_reference', 'posted_cards', ['reference'])


def downgrade() -> None:
    op.drop_index('ix_posted_cards_reference', table_name='posted_cards')
    op.drop_table('posted_cards')
