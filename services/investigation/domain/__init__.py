"""The investigation service's rules: plain Python, no nameko, SQLAlchemy or network."""
