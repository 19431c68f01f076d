"""Simulation: drive a deployed Flywheel system through a DePIN network's life on a local chain."""
