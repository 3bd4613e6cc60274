"""``python -m partner_directory``: see :mod:`partner_directory.cli`."""

import sys

from partner_directory.cli import main

sys.exit(main())
