"""Domain primitives shared by every package: money, errors, keys, clock, paths."""
