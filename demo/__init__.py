"""The demo city: a seeder (`python -m demo.seed`) and a driver (`make demo`)."""
