"""Settings of the directory, read from environment variables (``PARTNER_DIRECTORY_*``).

Every setting has a default that works with no network: online geocoding is
off, the offline gazetteer and files on disk are used. The dashboard may also
pass values read from ``.streamlit/secrets.toml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from partner_directory.errors import ConfigurationError
from partner_directory.i18n import LANGUAGES

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


#: How the app talks to its SMTP server: STARTTLS on a plain connection (port 587), TLS from the first byte
#: (port 465), or neither (port 25; only for a server on the same machine or network).
SMTP_SECURITY: tuple[str, ...] = ("starttls", "tls", "none")
#: The port each kind of security uses when ``PARTNER_DIRECTORY_SMTP_PORT`` is not set.
SMTP_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}
#: The longest wait for one answer of the SMTP server: a send must end well within the outbox's lease (2 minutes).
SMTP_MAX_TIMEOUT = 30.0


def smtp_security(value: str) -> str:
    """Check a ``PARTNER_DIRECTORY_SMTP_SECURITY`` value; raises ``ConfigurationError`` for anything but the three.

    >>> smtp_security(" STARTTLS "), smtp_security("")
    ('starttls', 'starttls')
    """
    security = value.strip().lower() or "starttls"
    if security not in SMTP_SECURITY:
        raise ConfigurationError("config_smtp_security", value=value, allowed=", ".join(SMTP_SECURITY))
    return security


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
    #: The office's database (everything durable); empty is the SQLite file ``visits.sqlite`` beside the data file.
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
    #: The language of what only the office reads (its reminders): ``pl`` or ``en``.
    office_language: str = "pl"
    #: For tests and demos only: the date the members' pages take as today (``YYYY-MM-DD``).
    today: dt.date | None = None
    #: The SMTP server the app sends its mail through; empty: mail is not configured (see :meth:`mail_configured`).
    smtp_host: str = ""
    #: 0: the usual port of ``smtp_security`` (587, 465 or 25).
    smtp_port: int = 0
    smtp_security: str = "starttls"
    smtp_user: str = ""
    #: Never shown: left out of ``repr`` (and so of logs); the dashboard may take it from the secrets file.
    smtp_password: str = dataclasses.field(default="", repr=False)
    #: The address mail comes from (``From``, the envelope); empty: ``home_cluster_email``.
    smtp_sender: str = ""
    #: The name beside it; empty: ``home_cluster_name``.
    smtp_sender_name: str = ""
    #: Seconds to wait for each answer of the SMTP server (at most 30).
    smtp_timeout: float = 20.0
    #: The app's address as people reach it, for links in mails (``https://partners.example.org``).
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
        if not self.database_url.strip():
            # Beside the data file: a data folder (the default data/, or one a test or a benchmark points at)
            # brings its own database, and every module that opens the database opens this one.
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_file.parent / 'visits.sqlite'}")
        object.__setattr__(self, "smtp_security", smtp_security(self.smtp_security))
        object.__setattr__(self, "public_url", self.public_url.strip().rstrip("/"))
        if not (0 <= self.smtp_port <= 65535):
            raise ConfigurationError("config_smtp_port", name=PREFIX + "SMTP_PORT", value=str(self.smtp_port))
        if not (0 < self.smtp_timeout <= SMTP_MAX_TIMEOUT):
            raise ConfigurationError(
                "config_smtp_timeout", name=PREFIX + "SMTP_TIMEOUT", value=str(self.smtp_timeout), most=SMTP_MAX_TIMEOUT
            )
        if not self.public_url.lower().startswith(("http://", "https://")):
            raise ConfigurationError("config_public_url", name=PREFIX + "PUBLIC_URL", value=self.public_url)
        language = self.office_language.strip().lower()
        if language not in LANGUAGES:
            raise ConfigurationError(
                "config_language",
                name=PREFIX + "OFFICE_LANGUAGE",
                value=self.office_language,
                allowed=", ".join(LANGUAGES),
            )
        object.__setattr__(self, "office_language", language)
        try:
            ZoneInfo(self.office_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                "config_time_zone", name=PREFIX + "OFFICE_TIME_ZONE", value=self.office_time_zone
            ) from None

    @property
    def mail_configured(self) -> bool:
        """Whether the app sends mail itself: an SMTP server is set. Without one, pages offer ``mailto:`` as before."""
        return bool(self.smtp_host.strip())

    @property
    def mail_sender(self) -> str:
        """The address mail comes from: ``smtp_sender``, else the home cluster's e-mail."""
        return self.smtp_sender.strip() or self.home_cluster_email

    @property
    def mail_sender_name(self) -> str:
        """The name mail comes from: ``smtp_sender_name``, else the home cluster's name."""
        return self.smtp_sender_name.strip() or self.home_cluster_name

    @property
    def mail_port(self) -> int:
        """The SMTP port: ``smtp_port``, else the usual one of ``smtp_security``."""
        return self.smtp_port or SMTP_DEFAULT_PORTS[self.smtp_security]


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
