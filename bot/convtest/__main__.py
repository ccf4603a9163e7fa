"""``python -m bot.convtest``: see ``bot.convtest.cli``."""

from __future__ import annotations

import sys

from bot.convtest.cli import main

if __name__ == "__main__":
    sys.exit(main())
