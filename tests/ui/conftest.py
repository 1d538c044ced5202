"""Qt runs offscreen in tests (the test command sets it; this covers direct pytest runs)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
