"""decision guard: bind a check-in answer to the prompt it answers

Adds `monitoring_returns.prompt_id`, the check-in question last sent for a return and not
yet answered. An answer is stored only when the dialog's prompt id is this one, so an answer
typed after the bot was killed while sending the next question is never stored under the
question before it. Existing returns start with no prompt: the next question asked sets it.

(End decisions on alerts need no column: they are serialised by locking the agreement row
and reading `extension_decisions` under that lock.)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('monitoring_returns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_id', sa.String(length=64), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('monitoring_returns', schema=None) as batch_op:
        batch_op.drop_column('prompt_id')
