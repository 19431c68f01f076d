"""Settlement: turning an epoch's work into allocations, Merkle trees and claims."""
