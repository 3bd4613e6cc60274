"""The periodic jobs the sender loop (``dashboard.mail_worker``) runs beside sending.

A job is ``remind(database, settings, now) -> int``: it looks at the office's
database, enqueues what is due at ``now`` (a reminder to a host, to a partner,
to the office) and returns how many messages it enqueued. It must be safe to
run again at any time and in several processes at once (each reminder is sent
once, whoever runs the job). One that fails is logged and does not stop the others.

Here, above the domain, because ``partner_directory.mail`` may not import the
features that send mail (``tests/test_layers.py``): each feature adds its own entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from partner_directory.config import Settings
from partner_directory.publication import datacheck
from partner_directory.storage.database import Database
from partner_directory.visits import mailing

Job = Callable[[Database, Settings, dt.datetime], int]

#: Every job, in the order they run: unanswered visit requests, then unanswered data checks.
JOBS: tuple[Job, ...] = (mailing.remind, datacheck.remind)
