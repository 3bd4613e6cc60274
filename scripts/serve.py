"""Serve the directory with several Streamlit processes behind nginx on one port (``make serve``).

``python scripts/serve.py --workers 2 --port 8501 [--address 0.0.0.0] [--agent-api]``

Starts ``--workers`` Streamlit processes on the loopback ports after ``--port``
(any free loopback port where one of those is taken)
in the production configuration (no file watcher, no run-on-save, no developer
toolbar, error details off), then Debian's nginx in front of them on
``--port``. nginx

- keeps each browser on one process (a ``bra_route`` cookie, hashed
  consistently; the first response sets it), so a session's websocket and its
  uploads reach the process that holds the session;
- serves the app's ``static/`` files and Streamlit's own front-end files
  itself, with long cache lifetimes;
- refuses a request body over the app's upload limit with its own 413 page (a sentence in
  Polish and English), exactly where Streamlit would refuse it;
- limits connections and request rates per client address (``CONNECTIONS_PER_CLIENT`` …;
  a websocket is a connection), with a 429 page;
- adds the security headers to every response (``nosniff``, a Referrer-Policy, framing by
  this site only, the Content-Security-Policy of :func:`content_security_policy`), keeps
  ``/_stcore/metrics`` to the machine, names the process that answered only as ``p1``, ``p2`` …,
  and marks the routing cookie ``Secure`` over HTTPS.

Every process reads and publishes through the office's database
(``PARTNER_DIRECTORY_DATABASE_URL``; by default ``data/visits.sqlite``), so the
processes share no folder; on several machines, one PostgreSQL server. Ctrl-C or SIGTERM stops nginx and every
Streamlit process this script started, and removes its temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app's own packages

from dashboard.upload_guard import upload_limit_mb as whole_mb  # noqa: E402
from partner_directory.config import Settings  # noqa: E402
from partner_directory.sheet.limits import MB  # noqa: E402

HEALTH_TIMEOUT_SECONDS = 120
#: A worker whose port was taken between the check and Streamlit's own bind is started again elsewhere.
START_ATTEMPTS = 3
STOP_TIMEOUT_SECONDS = 10
ROUTE_COOKIE = "bra_route"

# The members' production configuration; `make run` (development) keeps Streamlit's defaults.
PRODUCTION_OPTIONS = (
    ("server.headless", "true"),
    ("server.fileWatcherType", "none"),
    ("server.runOnSave", "false"),
    ("client.toolbarMode", "viewer"),
    ("client.showErrorDetails", "none"),
    ("browser.gatherUsageStats", "false"),
)


def streamlit_static_dir() -> Path:
    """Streamlit's own front-end files (index.html, static/js …) in the installed package."""
    import streamlit

    return Path(streamlit.__file__).resolve().parent / "static"


# -- what one client may cost ----------------------------------------------------------------------------
# Keyed by the client's address as nginx sees it (or as a trusted front names it, --trusted-proxy).
# A member's browser holds one websocket per tab and up to six requests at once; a page load makes about
# twenty requests to the app and forty for static files. Many members may share one office address, so
# the numbers leave room for a dozen of them; the flood of reruns inside one websocket is bounded by the
# app itself (partner_directory.access.pacing).
CONNECTIONS_PER_CLIENT = 32
APP_REQUESTS_PER_SECOND = 20
APP_REQUEST_BURST = 100
FILE_REQUESTS_PER_SECOND = 100
FILE_REQUEST_BURST = 400
#: nginx's pages for the refusals it makes itself, each a sentence in both languages.
ERROR_PAGES = {413: "serving.too_large", 429: "serving.too_many", 404: "serving.not_found"}
ERRORS_ROUTE = "/_bra_errors/"


def upload_limit_bytes() -> int:
    """The largest request body the app accepts: Streamlit's own limit, from the app's setting (whole MB).

    Streamlit refuses a body larger than ``server.maxUploadSize`` MB by its ``Content-Length`` before
    reading it, and nginx then answers 502 for a body it has already taken; so nginx refuses exactly
    what Streamlit would, with its own 413 page.
    """
    return upload_limit_mb() * MB


#: Where streamlit-folium's frame document (the map's iframe) is served: its own policy (see below).
MAP_FRAME_ROUTE = "/component/streamlit_folium.st_folium/"


def content_security_policy(tile_url: str, *, map_frame: bool = False) -> str:
    """The Content-Security-Policy of every response: only this server, plus the map's tile server.

    Streamlit's page needs inline styles (its CSS-in-JS), one inline script in its index.html and
    WebAssembly (its protobuf library compiles a small module; no JavaScript eval is allowed);
    the map (streamlit-folium) runs folium's inline scripts in a same-origin iframe. Nothing may be
    loaded from elsewhere except the tiles' images; no page may frame this one but itself.

    ``map_frame``: the policy of the map's own frame document (:data:`MAP_FRAME_ROUTE`) also allows
    ``'unsafe-eval'``, there only: streamlit-folium runs the script that shows a search on the
    mounted map with ``eval`` (its ``feature_group``). That script is the app's own
    (``maps.building.search_script``: every value in it escaped JSON), and the frame already runs
    folium's inline scripts, so it adds no way in; the members' page itself keeps eval forbidden.
    """
    tiles = urlsplit(tile_url) if tile_url.startswith(("https://", "http://")) else None
    # "{s}.tile.example.org" (Leaflet's subdomains) is any subdomain; a host with anything else than a
    # host name's characters is left out, so that no setting can break the header or nginx's configuration.
    host = re.sub(r"^\{[a-z]+\}\.", "*.", tiles.netloc) if tiles else ""
    tile_origin = f" {tiles.scheme}://{host}" if tiles and re.fullmatch(r"(\*\.)?[A-Za-z0-9.:-]+", host) else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'" + (" 'unsafe-eval'" if map_frame else ""),
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob:{tile_origin}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        )
    )


def error_page(key: str, **fields: object) -> str:
    """A small page with one sentence in Polish and English (nginx cannot know the member's language)."""
    from partner_directory.i18n import t

    sentences = "\n".join(f'<p lang="{lang}">{html.escape(t(key, lang, **fields))}</p>' for lang in ("pl", "en"))
    title = html.escape(t("serving.title", "en"))
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body>\n{sentences}\n</body></html>\n"
    )


def write_error_pages(directory: Path, *, upload_bytes: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for status, key in ERROR_PAGES.items():
        page = error_page(key, limit=upload_bytes // MB)
        (directory / f"{status}.html").write_text(page, encoding="utf-8")


def nginx_config(
    *,
    work_dir: Path,
    address: str,
    port: int,
    worker_ports: list[int],
    upload_bytes: int,
    nginx_user: str | None,
    tile_url: str = "",
    trusted_proxies: tuple[str, ...] = (),
) -> str:
    """The nginx configuration: sticky by cookie, websockets, static files, limits per client, headers."""
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=0;" for p in worker_ports)
    # Which process answered, as an opaque number: enough to see stickiness, no address or port.
    labels = "\n".join(f'    "~127\\.0\\.0\\.1:{p}$" "p{n}";' for n, p in enumerate(worker_ports, start=1))
    user = f"user {nginx_user};\n" if nginx_user else ""
    static = streamlit_static_dir()
    real_ip = "".join(f"  set_real_ip_from {proxy};\n" for proxy in trusted_proxies)
    if real_ip:
        real_ip += "  real_ip_header X-Forwarded-For;\n  real_ip_recursive on;\n"
    error_pages = "\n".join(f"    error_page {status} {ERRORS_ROUTE}{status}.html;" for status in ERROR_PAGES)
    files_limit = f"limit_req zone=bra_files burst={FILE_REQUEST_BURST} nodelay;"

    # How a request reaches the Streamlit processes (the app's own responses, the map's frame).
    to_app = "\n".join(
        f"      {line}"
        for line in (
            f"limit_req zone=bra_app burst={APP_REQUEST_BURST} nodelay;",
            "proxy_pass http://streamlit;",
            "proxy_http_version 1.1;",
            "proxy_set_header Host $host;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header X-Forwarded-Proto $scheme;",
        )
    )

    def headers(policy: str) -> str:
        # Every response's headers (a location with add_header of its own inherits none of the server's).
        return "\n".join(
            f"    add_header {line} always;"
            for line in (
                f'Set-Cookie "{ROUTE_COOKIE}=$bra_route; Path=/; HttpOnly; SameSite=Lax$route_cookie_secure"',
                "X-Served-By $served_by",
                'X-Content-Type-Options "nosniff"',
                'Referrer-Policy "strict-origin-when-cross-origin"',
                'X-Frame-Options "SAMEORIGIN"',
                f'Content-Security-Policy "{policy}"',
            )
        )

    return f"""{user}worker_processes 1;
pid {work_dir}/nginx.pid;
error_log {work_dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path {work_dir}/client_body;
  proxy_temp_path {work_dir}/proxy;
  fastcgi_temp_path {work_dir}/fastcgi;
  uwsgi_temp_path {work_dir}/uwsgi;
  scgi_temp_path {work_dir}/scgi;
  client_max_body_size {upload_bytes};
  server_tokens off;
  gzip on;
  gzip_types application/json application/javascript text/css;
{real_ip}
  # What one client may cost (see CONNECTIONS_PER_CLIENT in scripts/serve.py); a websocket is a connection.
  # The machine itself (its health checks, the benchmark) is not limited, as the app does not pace it.
  map $remote_addr $limited_client {{
    default $binary_remote_addr;
    "127.0.0.1" "";
    "::1" "";
  }}
  limit_conn_zone $limited_client zone=bra_connections:10m;
  limit_req_zone $limited_client zone=bra_app:10m rate={APP_REQUESTS_PER_SECOND}r/s;
  limit_req_zone $limited_client zone=bra_files:10m rate={FILE_REQUESTS_PER_SECOND}r/s;
  limit_conn_status 429;
  limit_req_status 429;

  # A browser without the cookie gets a random route, which the response then sets as its cookie.
  map $cookie_{ROUTE_COOKIE} $bra_route {{
    "" $request_id;
    default $cookie_{ROUTE_COOKIE};
  }}
  # Over HTTPS -- here, or at a front that says so -- the cookie is Secure. A client claiming https
  # over plain http only gets a cookie its own browser will not send back, so the header is safe to honour.
  map "$scheme:$http_x_forwarded_proto" $route_cookie_secure {{
    default "";
    "~^https:" "; Secure";
    "~:https$" "; Secure";
  }}
  map $upstream_addr $served_by {{
    default "";
{labels}
  }}
  map $http_upgrade $connection_upgrade {{
    default upgrade;
    "" close;
  }}
  upstream streamlit {{
    hash $bra_route consistent;
{servers}
  }}
  server {{
    listen {address}:{port};
    limit_conn bra_connections {CONNECTIONS_PER_CLIENT};
{headers(content_security_policy(tile_url))}
    proxy_hide_header X-Content-Type-Options;
    proxy_hide_header X-Frame-Options;
    proxy_hide_header Content-Security-Policy;
    proxy_hide_header Referrer-Policy;
{error_pages}

    location ^~ {ERRORS_ROUTE} {{
      internal;
      alias {work_dir}/errors/;
    }}
    # Active sessions, cache names and sizes: for the machine's own monitoring, not the public.
    location ^~ /_stcore/metrics {{
      return 404;
    }}
    location /app/static/ {{
      alias {ROOT}/static/;
      {files_limit}
      expires 1h;
    }}
    # The map's offices, one file per published list, named by its content: never changes.
    location /app/static/offices/ {{
      alias {ROOT}/static/offices/;
      {files_limit}
      expires max;
    }}
    location /static/ {{
      alias {static}/static/;
      {files_limit}
      expires 30d;
    }}
    # The map's frame document: as every other response, but its policy allows the map's eval.
    location ^~ {MAP_FRAME_ROUTE} {{
{headers(content_security_policy(tile_url, map_frame=True))}
{to_app}
    }}
    location / {{
{to_app}
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1d;
      proxy_send_timeout 1d;
    }}
  }}
}}
"""


def streamlit_command(port: int, *, upload_mb: int, agent_api: bool) -> list[str]:
    command = [sys.executable, "-m", "streamlit", "run", "asgi.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.maxUploadSize", str(upload_mb)]
    for option, value in PRODUCTION_OPTIONS:
        command += [f"--{option}", value]
    if agent_api:
        command += ["--server.enableAgentApi", "true"]
    return command


def port_is_free(port: int) -> bool:
    """Whether a listener could bind ``port`` on the loopback now."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def any_free_port() -> int:
    """A loopback port the system has free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def choose_worker_port(preferred: int, taken: set[int]) -> int:
    """``preferred`` if it is free and not already chosen, else any free loopback port.

    The workers listen on the loopback only, behind nginx, so their ports are nobody's business
    but this script's: a port after ``--port`` that another program holds (a client's outgoing
    connection uses such ports too) must not stop the whole service.
    """
    if preferred not in taken and port_is_free(preferred):
        return preferred
    while (port := any_free_port()) in taken:
        pass
    return port


def wait_healthy(url: str, process: subprocess.Popen[bytes], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 (http only)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _loopback(address: str) -> str:
    """Where this machine reaches a listener on ``address`` (all addresses: the loopback)."""
    return "127.0.0.1" if address in ("0.0.0.0", "") else ("[::1]" if address == "::" else address)  # noqa: S104


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process (and its group), then SIGKILL what is left after the timeout."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def upload_limit_mb() -> int:
    """The app's upload limit in the whole MB Streamlit counts in (``dashboard.upload_guard`` decides)."""
    return whole_mb(Settings.from_env().upload_max_mb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Streamlit processes (default 2)")
    parser.add_argument("--port", type=int, default=8501, help="the one public port (default 8501)")
    parser.add_argument("--address", default="127.0.0.1", help="address nginx listens on (default 127.0.0.1)")
    parser.add_argument("--agent-api", action="store_true", help="enable Streamlit's agent API on every process")
    parser.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a front (TLS terminator, load balancer) whose X-Forwarded-For names the client; repeatable",
    )
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx", help="the nginx binary")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if not Path(args.nginx).exists():
        print(f"nginx is not installed ({args.nginx}); run `make nginx` or `make serve`.", file=sys.stderr)
        return 2

    upload_mb = upload_limit_mb()
    worker_ports: list[int] = []
    work_dir = Path(tempfile.mkdtemp(prefix="bra-serve-"))
    work_dir.chmod(0o755)
    processes: list[subprocess.Popen[bytes]] = []
    stopping = False
    keep_logs = False  # a failed start or a process that died keeps its logs for the person to read

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        # One secret for all processes, so a signed cookie made by one is good on every other
        # (Streamlit takes it only from the environment or the configuration file).
        environment = dict(os.environ)
        environment.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32))

        def start_worker(number: int, port: int) -> subprocess.Popen[bytes]:
            log = (work_dir / f"streamlit-p{number}.log").open("ab")
            command = streamlit_command(port, upload_mb=upload_mb, agent_api=args.agent_api)
            return subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

        for number in range(1, args.workers + 1):
            port = choose_worker_port(args.port + number, set(worker_ports) | {args.port})
            worker_ports.append(port)
            processes.append(start_worker(number, port))
        for index in range(args.workers):
            for attempt in range(1, START_ATTEMPTS + 1):
                try:
                    url = f"http://127.0.0.1:{worker_ports[index]}"
                    wait_healthy(url, processes[index], timeout=HEALTH_TIMEOUT_SECONDS)
                    break
                except RuntimeError:
                    if processes[index].poll() is None or attempt == START_ATTEMPTS:
                        raise
                    # Most likely its port was taken after the check: start it again on another one.
                    port = choose_worker_port(0, set(worker_ports) | {args.port})
                    worker_ports[index] = port
                    processes[index] = start_worker(index + 1, port)
        config = work_dir / "nginx.conf"
        write_error_pages(work_dir / "errors", upload_bytes=upload_limit_bytes())
        config.write_text(
            nginx_config(
                work_dir=work_dir,
                address=args.address,
                port=args.port,
                worker_ports=worker_ports,
                upload_bytes=upload_limit_bytes(),
                nginx_user="root" if os.geteuid() == 0 else None,
                tile_url=Settings.from_env().tile_url,
                trusted_proxies=tuple(args.trusted_proxy),
            ),
            encoding="utf-8",
        )
        nginx = subprocess.Popen(
            [args.nginx, "-p", str(work_dir), "-c", str(config), "-g", "daemon off;"],
            start_new_session=True,
        )
        processes.append(nginx)
        wait_healthy(f"http://{_loopback(args.address)}:{args.port}", nginx, timeout=HEALTH_TIMEOUT_SECONDS)
        print(
            f"Serving on http://{args.address}:{args.port} with {args.workers} Streamlit processes "
            f"(ports {', '.join(map(str, worker_ports))}); logs in {work_dir}. Ctrl-C stops everything.",
            flush=True,
        )
        while not stopping:
            for process in processes:
                if process.poll() is not None:
                    keep_logs = True
                    print(
                        f"A process stopped (exit {process.returncode}); stopping the rest. Logs are in {work_dir}.",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except RuntimeError as error:
        keep_logs = True
        print(f"Could not start: {error}. Logs are in {work_dir}.", file=sys.stderr)
        return 1
    finally:
        stop(processes)
        if not keep_logs:
            shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
