"""question contexts: each person's last register question per conversation, for follow-ups

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('question_contexts',
    sa.Column('conversation_id', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.String(length=300), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id')
    )
    op.create_index('ix_question_contexts_updated_at', 'question_contexts', ['updated_at'])


def downgrade() -> None:
    op.drop_index('ix_question_contexts_updated_at', table_name='question_contexts')
    op.drop_table('question_contexts')
