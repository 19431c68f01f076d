"""Flywheel: DePIN reward contracts, an exactly-once event indexer, and real-yield reports."""

__version__ = "0.1.0"
