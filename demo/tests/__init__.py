"""Tests of the demo city: the generator, without broker or database."""
