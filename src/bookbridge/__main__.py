"""`python -m bookbridge` is the same as the `bookbridge` command."""

import sys

from bookbridge.cli import main

sys.exit(main())
