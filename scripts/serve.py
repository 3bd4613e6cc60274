"""Serve the directory with several Streamlit processes behind nginx on one port (``make serve``).

``python scripts/serve.py --workers 2 --port 8501 [--address 0.0.0.0] [--agent-api]``

Starts ``--workers`` Streamlit processes on the loopback ports after ``--port``
in the production configuration (no file watcher, no run-on-save, no developer
toolbar, error details off), then Debian's nginx in front of them on
``--port``. nginx

- keeps each browser on one process (a ``bra_route`` cookie, hashed
  consistently; the first response sets it), so a session's websocket and its
  uploads reach the process that holds the session;
- serves the app's ``static/`` files and Streamlit's own front-end files
  itself, with long cache lifetimes;
- limits request bodies to the app's upload limit.

Every process reads and publishes the same ``data/`` (the file lock and the
atomic replace make that safe). Ctrl-C or SIGTERM stops nginx and every
Streamlit process this script started, and removes its temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_SECONDS = 120
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


def nginx_config(
    *, work_dir: Path, address: str, port: int, worker_ports: list[int], upload_mb: float, nginx_user: str | None
) -> str:
    """The nginx configuration: sticky by cookie, websockets, static files, the body-size limit."""
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=0;" for p in worker_ports)
    user = f"user {nginx_user};\n" if nginx_user else ""
    static = streamlit_static_dir()
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
  client_max_body_size {max(1, int(upload_mb + 1))}m;
  server_tokens off;
  gzip on;
  gzip_types application/json application/javascript text/css;

  # A browser without the cookie gets a random route, which the response then sets as its cookie.
  map $cookie_{ROUTE_COOKIE} $bra_route {{
    "" $request_id;
    default $cookie_{ROUTE_COOKIE};
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
    add_header Set-Cookie "{ROUTE_COOKIE}=$bra_route; Path=/; HttpOnly; SameSite=Lax" always;
    add_header X-Served-By $upstream_addr always;

    location /app/static/ {{
      alias {ROOT}/static/;
      expires 1h;
    }}
    # The map's offices, one file per published list, named by its content: never changes.
    location /app/static/offices/ {{
      alias {ROOT}/static/offices/;
      expires max;
    }}
    location /static/ {{
      alias {static}/static/;
      expires 30d;
    }}
    location / {{
      proxy_pass http://streamlit;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1d;
      proxy_send_timeout 1d;
    }}
  }}
}}
"""


def streamlit_command(port: int, *, upload_mb: float, agent_api: bool) -> list[str]:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.maxUploadSize", str(max(1, int(upload_mb)))]
    for option, value in PRODUCTION_OPTIONS:
        command += [f"--{option}", value]
    if agent_api:
        command += ["--server.enableAgentApi", "true"]
    return command


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


def upload_limit_mb() -> float:
    sys.path.insert(0, str(ROOT))
    from partner_directory.config import Settings

    return float(Settings.from_env().upload_max_mb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Streamlit processes (default 2)")
    parser.add_argument("--port", type=int, default=8501, help="the one public port (default 8501)")
    parser.add_argument("--address", default="127.0.0.1", help="address nginx listens on (default 127.0.0.1)")
    parser.add_argument("--agent-api", action="store_true", help="enable Streamlit's agent API on every process")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx", help="the nginx binary")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if not Path(args.nginx).exists():
        print(f"nginx is not installed ({args.nginx}); run `make nginx` or `make serve`.", file=sys.stderr)
        return 2

    upload_mb = upload_limit_mb()
    worker_ports = [args.port + 1 + i for i in range(args.workers)]
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
        for port in worker_ports:
            log = (work_dir / f"streamlit-{port}.log").open("wb")
            command = streamlit_command(port, upload_mb=upload_mb, agent_api=args.agent_api)
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        for port, process in zip(worker_ports, processes, strict=True):
            wait_healthy(f"http://127.0.0.1:{port}", process, timeout=HEALTH_TIMEOUT_SECONDS)
        config = work_dir / "nginx.conf"
        config.write_text(
            nginx_config(
                work_dir=work_dir,
                address=args.address,
                port=args.port,
                worker_ports=worker_ports,
                upload_mb=upload_mb,
                nginx_user="root" if os.geteuid() == 0 else None,
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
            f"(ports {worker_ports[0]}–{worker_ports[-1]}); logs in {work_dir}. Ctrl-C stops everything.",
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
