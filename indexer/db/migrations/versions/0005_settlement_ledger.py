"""the settlement ledger: allocations per account and work per node, per epoch

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa
import indexer.db.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _ledger(name: str, key: str, key_type, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column('chain_id', sa.BigInteger(), nullable=False),
        sa.Column('distributor', sa.String(length=42), nullable=False),
        sa.Column('epoch', sa.BigInteger(), nullable=False),
        sa.Column(key, key_type, nullable=False),
        *columns,
        sa.Column('root', sa.String(length=66), nullable=False),
        sa.Column('block_number', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('chain_id', 'distributor', 'epoch', key),
    )
    op.create_index(f'ix_{name}_block', name, ['chain_id', 'distributor', 'block_number'], unique=False)


def upgrade() -> None:
    amount = indexer.db.types.Uint256
    _ledger('allocation', 'account', sa.String(length=42),
            sa.Column('work_units', amount(), nullable=False),
            sa.Column('subsidy', amount(), nullable=False),
            sa.Column('revenue', amount(), nullable=False),
            sa.Column('cumulative_subsidy', amount(), nullable=False),
            sa.Column('cumulative_revenue', amount(), nullable=False))
    op.create_index('ix_allocation_account', 'allocation', ['account'], unique=False)
    _ledger('node_work', 'node_id', sa.String(length=66),
            sa.Column('owner', sa.String(length=42), nullable=False),
            sa.Column('work_units', amount(), nullable=False))


def downgrade() -> None:
    op.drop_table('node_work')
    op.drop_index('ix_allocation_account', table_name='allocation')
    op.drop_table('allocation')
