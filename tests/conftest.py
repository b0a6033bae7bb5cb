"""Every test session keeps trained models in a folder of its own, never the user's cache.

Set before any server starts, so the Voila servers of the browser tests and their kernels
share it too, as a classroom's kernels share theirs.
"""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model-cache")
    before = os.environ.get("LSTM_MODEL_CACHE")
    os.environ["LSTM_MODEL_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("LSTM_MODEL_CACHE", None)
    else:
        os.environ["LSTM_MODEL_CACHE"] = before
