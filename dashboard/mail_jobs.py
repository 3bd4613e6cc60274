"""The periodic jobs the sender loop runs: each ``job(database, settings, now) -> int`` enqueues what is due.

Here, above the domain, because ``partner_directory.mail`` may not import the
features that send mail (``tests/test_layers.py``): each feature adds its own
entry — the reminders of unanswered visit requests, the data check's reminders.
"""

from __future__ import annotations

from collections.abc import Callable

from partner_directory.visits.mailing import remind as remind_hosts

JOBS: tuple[Callable[..., int], ...] = (remind_hosts,)
