"""Test fixtures shared by every service's tests: isolated vhosts and schemas per run."""
