"""Settings of the directory, read from environment variables (``PARTNER_DIRECTORY_*``).

Every setting has a default that works with no network: online geocoding is
off, the offline gazetteer and files on disk are used. The dashboard may also
pass values read from ``.streamlit/secrets.toml``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from partner_directory.errors import ConfigurationError

PREFIX = "PARTNER_DIRECTORY_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


#: Who may see contact persons: everyone, or only signed-in members (see ``access.visibility``).
ACCESS_MODES: tuple[str, ...] = ("public", "members")


def access_mode(value: str) -> str:
    """Check a ``PARTNER_DIRECTORY_ACCESS`` value; raises ``ConfigurationError`` for anything but the two modes.

    >>> access_mode(" Members ")
    'members'
    """
    mode = value.strip().lower() or "public"
    if mode not in ACCESS_MODES:
        raise ConfigurationError("config_access", value=value, allowed=", ".join(ACCESS_MODES))
    return mode


# Settings whose empty value means something (no tiles: country outlines only); every other empty means "the default".
EMPTY_IS_A_VALUE = frozenset({"tile_url"})


@dataclass(frozen=True)
class Settings:
    """All settings; the environment variable of ``data_file`` is ``PARTNER_DIRECTORY_DATA_FILE`` and so on."""

    data_file: Path = PROJECT_ROOT / "data" / "partners.csv"
    geocode_cache: Path = PROJECT_ROOT / "data" / "geocache.sqlite"
    online_geocoding: bool = False
    geocoder_domain: str = "nominatim.openstreetmap.org"
    geocoder_scheme: str = "https"
    geocoder_user_agent: str = "bra-partner-directory/0.1"
    geocoder_email: str = ""
    geocoder_timeout: float = 5.0
    geocoder_min_delay: float = 1.0
    home_cluster_name: str = "Pomeranian ICT Cluster (demo)"
    home_cluster_email: str = "office@pomeranian-ict.example.org"
    tile_url: str = OSM_TILES
    tile_attribution: str = OSM_ATTRIBUTION
    upload_max_mb: float = 10.0
    history_dir: Path = PROJECT_ROOT / "data" / "history"
    lock_timeout: float = 10.0
    #: The visits register's database; empty is the SQLite file ``data/visits.sqlite`` (see ``database``).
    database_url: str = ""
    #: ``public`` (everyone sees contact persons) or ``members`` (only signed-in members do; see ``access.visibility``).
    access: str = "public"
    #: E-mail domains whose OpenID Connect sign-ins count as members (comma-separated; empty: any).
    member_domains: str = ""
    drafts_dir: Path = PROJECT_ROOT / "data" / "drafts"
    draft_max_mb: float = 30.0
    max_removed_share: float = 0.2
    #: The office's time zone: the register's downloads show times in it (an IANA name).
    office_time_zone: str = "Europe/Warsaw"
    #: For tests and demos only: the date the members' pages take as today (``YYYY-MM-DD``).
    today: dt.date | None = None
    #: The SMTP server the app sends mail through; empty: mail is not configured (``mailto:`` and copy, as before).
    smtp_host: str = ""
    #: The address the app's mail comes from; empty: the home cluster's office address.
    smtp_sender: str = ""
    #: Where people reach the app: the links in mails start with it.
    public_url: str = "http://localhost:8501"
    #: Working days (the host's) after a visit request was mailed before the host is reminded, once.
    host_reminder_days: int = 3
    #: Working days (the office's) after a visit request was mailed before the office is told it is unanswered.
    office_reminder_days: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``PARTNER_DIRECTORY_<NAME>`` variable; raise ``ConfigurationError`` on a bad value."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = environ.get(PREFIX + field.name.upper())
            if raw is None or not raw.strip():
                if raw is not None and field.name in EMPTY_IS_A_VALUE:
                    values[field.name] = ""
                continue
            values[field.name] = _convert(field.name, field.type, raw.strip())
        return cls(**values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        object.__setattr__(self, "access", access_mode(self.access))
        try:
            ZoneInfo(self.office_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                "config_time_zone", name=PREFIX + "OFFICE_TIME_ZONE", value=self.office_time_zone
            ) from None


def _convert(name: str, kind: object, raw: str) -> object:
    kind = str(kind)
    if "date" in kind:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ConfigurationError("config_date", name=PREFIX + name.upper(), value=raw) from None
    if "bool" in kind:
        if raw.lower() in {"1", "true", "yes", "on", "tak"}:
            return True
        if raw.lower() in {"0", "false", "no", "off", "nie"}:
            return False
        raise ConfigurationError("config_bool", name=PREFIX + name.upper(), value=raw)
    if "float" in kind:
        try:
            value = float(raw)
        except ValueError:
            raise ConfigurationError("config_number", name=PREFIX + name.upper(), value=raw) from None
        if value < 0:
            raise ConfigurationError("config_negative", name=PREFIX + name.upper())
        return value
    if kind == "int":
        try:
            number = int(raw)
        except ValueError:
            raise ConfigurationError("config_number", name=PREFIX + name.upper(), value=raw) from None
        if number < 0:
            raise ConfigurationError("config_negative", name=PREFIX + name.upper())
        return number
    if "Path" in kind:
        path = Path(raw).expanduser()
        return path if path.is_absolute() else PROJECT_ROOT / path
    return raw
