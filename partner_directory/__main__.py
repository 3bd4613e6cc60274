"""``python -m partner_directory``: see :mod:`partner_directory.cli`."""

import sys

from .cli import main

sys.exit(main())
