"""Left only for tests/test_training_kernel.py, which imports ``ROOT`` from here until it is
rewritten; it lives in driver/servers.py. Delete this file with that import."""

from driver.servers import ROOT

__all__ = ["ROOT"]
