# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel node registry
@notice Contributors register the hardware units they run and retire
        them when they leave. A node id is used once, ever.
@dev A caller passes a salt, never the id itself: the id is
     `keccak256(abi_encode(owner, salt))`. When the caller chose the id,
     the first transaction to name it owned it forever, so anyone
     watching the mempool could copy a contributor's pending `register`
     and block that id for good. Binding the owner into the id makes a
     copied salt yield the copier's own id, which blocks no one. The
     same derivation in `retire` means only the owner can ever name
     its node there. Off-chain code computes ids with `node_id`, or
     locally with the same encoding.
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


@internal
@pure
def _node_id(owner: address, salt: bytes32) -> bytes32:
    """
    @dev One derivation for `register`, `retire` and the view, so the id
         a client computes is the id every call uses.
    @param owner The account that registers.
    @param salt The value it passes to `register`.
    @return bytes32 `keccak256(abi_encode(owner, salt))`.
    """
    return keccak256(abi_encode(owner, salt))


@external
@pure
def node_id(owner: address, salt: bytes32) -> bytes32:
    """
    @notice The id `owner` gets by registering `salt`.
    @param owner The account that registers.
    @param salt The value it passes to `register`.
    @return bytes32 `keccak256(abi_encode(owner, salt))`.
    """
    return self._node_id(owner, salt)


@external
def register(salt: bytes32):
    """
    @notice Registers the node `node_id(msg.sender, salt)` to the caller.
    @param salt Any non-zero value the caller has not registered before.
    """
    # A zero salt would still give a valid id, but zero is what a client
    # sends when it never filled the argument in, and ids are never
    # reused: refusing it keeps such a mistake from burning an id.
    assert salt != empty(bytes32), "registry: empty salt"
    node_id: bytes32 = self._node_id(msg.sender, salt)
    assert self.owner_of[node_id] == empty(address), "registry: node id taken"
    self.owner_of[node_id] = msg.sender
    self.active_nodes[msg.sender] += 1
    log NodeRegistered(owner=msg.sender, node_id=node_id, epoch=epoch_clock._current_epoch())


@external
def retire(salt: bytes32):
    """
    @notice Retires the caller's node `node_id(msg.sender, salt)`, once.
    @param salt The value the node was registered with.
    """
    node_id: bytes32 = self._node_id(msg.sender, salt)
    # The id already names the caller, so this fails only for a salt the
    # caller never registered; the message stays what clients match on.
    assert self.owner_of[node_id] == msg.sender, "registry: not the node owner"
    assert not self.retired[node_id], "registry: node already retired"
    self.retired[node_id] = True
    self.active_nodes[msg.sender] -= 1
    log NodeRetired(owner=msg.sender, node_id=node_id, epoch=epoch_clock._current_epoch())
