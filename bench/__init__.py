"""The speed benchmark: ``make bench`` (see bench/run.py)."""
