"""Left only for tests/test_training_dashboard.py and tests/test_text_alternatives_training.py,
which import ``run`` from here until they are rewritten; it lives in driver/kernel_session.py.
Delete this file with their last import of it."""

from driver.kernel_session import run

__all__ = ["run"]
