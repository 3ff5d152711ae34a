"""register sync from Microsoft 365: list item ids, sync state, write-back log

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agreements') as batch:
        batch.add_column(sa.Column('list_item_id', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('list_item_etag', sa.String(length=200), nullable=False, server_default=''))
        batch.create_index('ix_agreements_list_item_id', ['list_item_id'])
    op.create_table('register_syncs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('delta_link', sa.Text(), nullable=False),
    sa.Column('etag', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source')
    )
    op.create_table('register_writebacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('list_item_id', sa.String(length=100), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_register_writebacks_at', 'register_writebacks', ['at'])


def downgrade() -> None:
    op.drop_index('ix_register_writebacks_at', table_name='register_writebacks')
    op.drop_table('register_writebacks')
    op.drop_table('register_syncs')
    with op.batch_alter_table('agreements') as batch:
        batch.drop_index('ix_agreements_list_item_id')
        batch.drop_column('list_item_etag')
        batch.drop_column('list_item_id')
