# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel node registry
@notice Contributors register the hardware units they run and retire
        them when they leave. A node id is used once, ever.
"""

import epoch_clock
initializes: epoch_clock

exports: (epoch_clock.current_epoch, epoch_clock.GENESIS, epoch_clock.EPOCH_LENGTH)

event NodeRegistered:
    owner: indexed(address)
    node_id: indexed(bytes32)
    epoch: uint256

event NodeRetired:
    owner: indexed(address)
    node_id: indexed(bytes32)
    epoch: uint256

owner_of: public(HashMap[bytes32, address])
retired: public(HashMap[bytes32, bool])
active_nodes: public(HashMap[address, uint256])


@deploy
def __init__(genesis: uint256, epoch_length: uint256):
    epoch_clock.__init__(genesis, epoch_length)


@external
def register(node_id: bytes32):
    """
    @notice Registers `node_id` to the caller.
    @param node_id The node's id; never used before.
    """
    assert node_id != empty(bytes32), "registry: empty node id"
    assert self.owner_of[node_id] == empty(address), "registry: node id taken"
    self.owner_of[node_id] = msg.sender
    self.active_nodes[msg.sender] += 1
    log NodeRegistered(owner=msg.sender, node_id=node_id, epoch=epoch_clock._current_epoch())


@external
def retire(node_id: bytes32):
    """
    @notice Retires `node_id`; its owner only, once.
    @param node_id The node's id.
    """
    assert self.owner_of[node_id] == msg.sender, "registry: not the node owner"
    assert not self.retired[node_id], "registry: node already retired"
    self.retired[node_id] = True
    self.active_nodes[msg.sender] -= 1
    log NodeRetired(owner=msg.sender, node_id=node_id, epoch=epoch_clock._current_epoch())
