"""``python -m hedra_tui``: the same as the ``hedra-tui`` command."""

import sys

from .cli import main

sys.exit(main())
