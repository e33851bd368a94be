"""RPC argument and result models, one module per service."""
