"""The periodic jobs the sender loop runs beside sending: each enqueues the reminders that are due.

A job is ``remind(database, settings, now) -> int``: it looks at the office's
database, enqueues what is due at ``now`` (a reminder to a host, to a partner,
to the office) and returns how many messages it enqueued. It must be safe to
run again at any time and in several processes at once (each reminder is sent
once, whoever runs the job). Each feature adds its own ``remind`` here; the
loop (``dashboard.mail_worker``) calls every one in turn, and one that fails is
logged and does not stop the others.

This module is the one place in ``mail`` that knows the features (it sits above
them, as their composition): nothing in ``partner_directory`` imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from partner_directory.config import Settings
from partner_directory.storage.database import Database

Job = Callable[[Database, Settings, dt.datetime], int]

#: Every job, in the order they run.
JOBS: tuple[Job, ...] = ()
