"""Ingestion: events from a JSON-RPC node into SQL, exactly once, through reorgs and failures."""
