"""The public edge: HTTP (FastAPI) and gRPC. Arrives with the gateway issue."""
