"""A package-wide run of the real headless demo, shared by the tests that only read what it left behind.

The demo takes about 20 s (demo book, QBO sandbox, sync, month end, pack), so the tests that
check its result read one run instead of each starting their own; tests that change the book
work on a copy (:func:`headless_run.copy_demo`). Under pytest-xdist each worker that runs one of
these tests makes its own run.
"""

from __future__ import annotations

import pytest

from headless_run import HeadlessDemo, run_headless_demo


@pytest.fixture(scope="package")
def headless_demo(tmp_path_factory: pytest.TempPathFactory) -> HeadlessDemo:
    """One run of `bookbridge demo --headless --json`, in a folder of its own."""
    return run_headless_demo(tmp_path_factory.mktemp("headless-demo"), tmp_path_factory.mktemp("headless-demo-xdg"))
