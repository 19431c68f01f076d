"""event tables and indexer state

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa
import indexer.db.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('epoch_finalized',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('epoch', indexer.db.types.Uint256(), nullable=False),
    sa.Column('root', sa.String(length=66), nullable=False),
    sa.Column('subsidy', indexer.db.types.Uint256(), nullable=False),
    sa.Column('revenue', indexer.db.types.Uint256(), nullable=False),
    sa.Column('work_units', indexer.db.types.Uint256(), nullable=False),
    sa.Column('contributors', indexer.db.types.Uint256(), nullable=False),
    sa.Column('price', indexer.db.types.Uint256(), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_epoch_finalized_log')
    )
    with op.batch_alter_table('epoch_finalized', schema=None) as batch_op:
        batch_op.create_index('ix_epoch_finalized_block', ['chain_id', 'block_number'], unique=False)
        batch_op.create_index('ix_epoch_finalized_epoch', ['epoch'], unique=False)

    op.create_table('indexer_block',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('distributor', sa.String(length=42), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=66), nullable=False),
    sa.Column('parent_hash', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', 'distributor', 'number')
    )
    op.create_table('indexer_checkpoint',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('distributor', sa.String(length=42), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('head_block', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', 'distributor')
    )
    op.create_table('indexer_deployment',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('distributor', sa.String(length=42), nullable=False),
    sa.Column('manifest', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', 'distributor')
    )
    op.create_table('node_registered',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('owner', sa.String(length=42), nullable=False),
    sa.Column('node_id', sa.String(length=66), nullable=False),
    sa.Column('epoch', indexer.db.types.Uint256(), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_node_registered_log')
    )
    with op.batch_alter_table('node_registered', schema=None) as batch_op:
        batch_op.create_index('ix_node_registered_block', ['chain_id', 'block_number'], unique=False)
        batch_op.create_index('ix_node_registered_epoch', ['epoch'], unique=False)
        batch_op.create_index('ix_node_registered_owner', ['owner'], unique=False)

    op.create_table('node_retired',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('owner', sa.String(length=42), nullable=False),
    sa.Column('node_id', sa.String(length=66), nullable=False),
    sa.Column('epoch', indexer.db.types.Uint256(), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_node_retired_log')
    )
    with op.batch_alter_table('node_retired', schema=None) as batch_op:
        batch_op.create_index('ix_node_retired_block', ['chain_id', 'block_number'], unique=False)
        batch_op.create_index('ix_node_retired_epoch', ['epoch'], unique=False)
        batch_op.create_index('ix_node_retired_owner', ['owner'], unique=False)

    op.create_table('payment_received',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('customer', sa.String(length=42), nullable=False),
    sa.Column('epoch', indexer.db.types.Uint256(), nullable=False),
    sa.Column('amount', indexer.db.types.Uint256(), nullable=False),
    sa.Column('fee', indexer.db.types.Uint256(), nullable=False),
    sa.Column('reference', sa.String(length=66), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_payment_received_log')
    )
    with op.batch_alter_table('payment_received', schema=None) as batch_op:
        batch_op.create_index('ix_payment_received_block', ['chain_id', 'block_number'], unique=False)
        batch_op.create_index('ix_payment_received_customer', ['customer'], unique=False)
        batch_op.create_index('ix_payment_received_epoch', ['epoch'], unique=False)

    op.create_table('price_updated',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('epoch', indexer.db.types.Uint256(), nullable=False),
    sa.Column('price', indexer.db.types.Uint256(), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_price_updated_log')
    )
    with op.batch_alter_table('price_updated', schema=None) as batch_op:
        batch_op.create_index('ix_price_updated_block', ['chain_id', 'block_number'], unique=False)
        batch_op.create_index('ix_price_updated_epoch', ['epoch'], unique=False)

    op.create_table('reward_claimed',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('account', sa.String(length=42), nullable=False),
    sa.Column('subsidy', indexer.db.types.Uint256(), nullable=False),
    sa.Column('revenue', indexer.db.types.Uint256(), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_reward_claimed_log')
    )
    with op.batch_alter_table('reward_claimed', schema=None) as batch_op:
        batch_op.create_index('ix_reward_claimed_account', ['account'], unique=False)
        batch_op.create_index('ix_reward_claimed_block', ['chain_id', 'block_number'], unique=False)

    op.create_table('root_revoked',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('epoch', indexer.db.types.Uint256(), nullable=False),
    sa.Column('root', sa.String(length=66), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_root_revoked_log')
    )
    with op.batch_alter_table('root_revoked', schema=None) as batch_op:
        batch_op.create_index('ix_root_revoked_block', ['chain_id', 'block_number'], unique=False)
        batch_op.create_index('ix_root_revoked_epoch', ['epoch'], unique=False)

    op.create_table('transfer',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_time', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('sender', sa.String(length=42), nullable=False),
    sa.Column('receiver', sa.String(length=42), nullable=False),
    sa.Column('value', indexer.db.types.Uint256(), nullable=False),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name='uq_transfer_log')
    )
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_block', ['chain_id', 'block_number'], unique=False)
        batch_op.create_index('ix_transfer_receiver', ['receiver'], unique=False)
        batch_op.create_index('ix_transfer_sender', ['sender'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_sender')
        batch_op.drop_index('ix_transfer_receiver')
        batch_op.drop_index('ix_transfer_block')

    op.drop_table('transfer')
    with op.batch_alter_table('root_revoked', schema=None) as batch_op:
        batch_op.drop_index('ix_root_revoked_epoch')
        batch_op.drop_index('ix_root_revoked_block')

    op.drop_table('root_revoked')
    with op.batch_alter_table('reward_claimed', schema=None) as batch_op:
        batch_op.drop_index('ix_reward_claimed_block')
        batch_op.drop_index('ix_reward_claimed_account')

    op.drop_table('reward_claimed')
    with op.batch_alter_table('price_updated', schema=None) as batch_op:
        batch_op.drop_index('ix_price_updated_epoch')
        batch_op.drop_index('ix_price_updated_block')

    op.drop_table('price_updated')
    with op.batch_alter_table('payment_received', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_received_epoch')
        batch_op.drop_index('ix_payment_received_customer')
        batch_op.drop_index('ix_payment_received_block')

    op.drop_table('payment_received')
    with op.batch_alter_table('node_retired', schema=None) as batch_op:
        batch_op.drop_index('ix_node_retired_owner')
        batch_op.drop_index('ix_node_retired_epoch')
        batch_op.drop_index('ix_node_retired_block')

    op.drop_table('node_retired')
    with op.batch_alter_table('node_registered', schema=None) as batch_op:
        batch_op.drop_index('ix_node_registered_owner')
        batch_op.drop_index('ix_node_registered_epoch')
        batch_op.drop_index('ix_node_registered_block')

    op.drop_table('node_registered')
    op.drop_table('indexer_deployment')
    op.drop_table('indexer_checkpoint')
    op.drop_table('indexer_block')
    with op.batch_alter_table('epoch_finalized', schema=None) as batch_op:
        batch_op.drop_index('ix_epoch_finalized_epoch')
        batch_op.drop_index('ix_epoch_finalized_block')

    op.drop_table('epoch_finalized')
