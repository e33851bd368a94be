"""Wire contracts: the one source of truth for every RPC argument, result and event payload."""
