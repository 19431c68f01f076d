# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Flywheel roles
@notice The role identifiers shared by every contract that uses
        snekmate's access control. The admin is snekmate's
        `DEFAULT_ADMIN_ROLE`.
"""

REPORTER_ROLE: constant(bytes32) = keccak256("REPORTER_ROLE")
GUARDIAN_ROLE: constant(bytes32) = keccak256("GUARDIAN_ROLE")
