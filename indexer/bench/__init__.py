"""Benchmarks that drive the whole system: the contracts' gas (`flywheel gas`).

A benchmark deploys, settles and claims, so it sits above the chain and the
settlement layers it drives; it lives in the package, not in `scripts/`,
because `flywheel gas` must run from an installed wheel.
"""
