"""views of the event tables in human units, for SQL by hand on SQLite

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from indexer.db import views


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite only: PostgreSQL's NUMERIC columns need no view (see indexer.db.views).
    views.create(op.get_bind())


def downgrade() -> None:
    views.drop(op.get_bind())
