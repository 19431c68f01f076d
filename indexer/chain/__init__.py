"""Everything that talks to the chain: building, running, deploying and calling the contracts."""
