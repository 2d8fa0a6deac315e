"""Differential tests: the same scenarios on a real BEAM and on labrt."""
