"""Storage: the event tables, the indexer's own state, migrations and engines."""
