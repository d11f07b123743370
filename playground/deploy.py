"""More users than one process serves: several ``panel serve`` backends behind nginx.

    python -m playground.deploy --backends 2 --port 8080 [--host class.example.org]
                                [--sticky cookie|ip] [--run-dir DIR]
                                [--frame-ancestors "'self' https://course.example.org"]

starts ``--backends`` single-process ``panel serve app.py`` servers on loopback ports
(``--backend-port``, +1, …), writes an nginx configuration that spreads new visitors
over them (``least_conn``) and keeps each visitor on its backend, then runs nginx in
the foreground until Ctrl-C (or SIGTERM, SIGHUP), which stops everything.

Why several processes and not ``panel serve --num-procs``: Bokeh's ``--num-procs``
forks the server after the app's modules are loaded, and a forked JAX runtime (its
thread pools) can deadlock; each backend here is a fresh process.  Why sticky: a page
and its websocket must reach the same backend (the session lives there).
``--sticky cookie`` (the default) sets a ``pg_backend`` cookie naming the backend that
served the page; over HTTPS it is ``SameSite=None; Secure`` so that it also reaches
the server from an iframe on a course site.  Browsers that refuse such cookies, or
plain HTTP iframes on another site, need ``--sticky ip`` (``ip_hash``: one backend
per visitor address; a class behind one NAT then shares one backend).

Iframes: the proxy sends no ``X-Frame-Options``, and its Content-Security-Policy has
no ``frame-ancestors`` unless ``--frame-ancestors SOURCES`` is given: then only those
pages (CSP sources, e.g. ``'self' https://course.example.org``) may embed the labs.

Each backend gets ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` (on a GPU host JAX would
otherwise take three quarters of the GPU's memory per process) and answers
``/liveness`` (Panel's health endpoint), also through the proxy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import serving
from .serving import REPO_ROOT

#: The proxy's Content-Security-Policy.
CSP = ("img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'")

NGINX_CONF = """\
# Written by python -m playground.deploy: {backends} backends behind one proxy.
daemon off;
worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {run_dir}/access.log;
  client_body_temp_path {run_dir}/tmp/body;
  proxy_temp_path {run_dir}/tmp/proxy;
  fastcgi_temp_path {run_dir}/tmp/fastcgi;
  uwsgi_temp_path {run_dir}/tmp/uwsgi;
  scgi_temp_path {run_dir}/tmp/scgi;

  # Websockets: pass the upgrade through.
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}

  upstream playground {{
    {balance};
{servers}
  }}
{sticky_map}
  server {{
    listen {listen};
    location / {{
      proxy_pass http://{target};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 3600s;
      proxy_buffering off;
      # Defence in depth for pages whose links a course did not write: no images,
      # fetches or websockets to other sites, no plugins, no <base> or form targets.
      # (Panel and Bokeh need inline scripts and eval, so scripts stay as they are.)
      add_header Content-Security-Policy "{csp}" always;
{set_cookie}
    }}
  }}
}}
"""


def content_security_policy(frame_ancestors: str | None = None) -> str:
    """The proxy's Content-Security-Policy: ``CSP``, plus ``frame-ancestors SOURCES``
    when given (which pages may show the labs in an iframe; without it, any page).

    Raises:
        ValueError: sources that would break out of the header (a quote, ``;``, ``$``
            (an nginx variable), a backslash or a control character) or none at all.
    """
    if frame_ancestors is None:
        return CSP
    sources = " ".join(frame_ancestors.split())
    if not sources or any(c in sources for c in '"$;\\') \
            or any(ord(c) < 32 or ord(c) == 127 for c in frame_ancestors):
        raise ValueError(f"not a list of CSP sources: {frame_ancestors!r}")
    return f"{CSP}; frame-ancestors {sources}"


def nginx_config(backend_ports: list[int], listen: int, run_dir: Path,
                 sticky: str = "cookie", frame_ancestors: str | None = None) -> str:
    """The nginx configuration for ``backend_ports`` on loopback behind port ``listen``.

    ``sticky``: ``"cookie"`` (least connections for a new visitor, then the backend its
    ``pg_backend`` cookie names) or ``"ip"`` (``ip_hash``).  ``frame_ancestors``: the
    pages that may embed the labs (``content_security_policy``), else any.

    Raises:
        ValueError: an unknown ``sticky``, no backend, or bad ``frame_ancestors``.
    """
    if sticky not in ("cookie", "ip"):
        raise ValueError(f"sticky must be 'cookie' or 'ip', not {sticky!r}")
    csp = content_security_policy(frame_ancestors)
    if not backend_ports:
        raise ValueError("at least one backend")
    servers = "\n".join(f"    server 127.0.0.1:{p};" for p in backend_ports)
    if sticky == "ip":
        balance, sticky_map, target, set_cookie = "ip_hash", "", "playground", ""
    else:
        balance, target = "least_conn", "$pg_backend"
        known = "\n".join(f'    "127.0.0.1:{p}" 127.0.0.1:{p};' for p in backend_ports)
        sticky_map = ("\n  # A known backend from the cookie, else the least busy one.\n"
                      f"  map $cookie_pg_backend $pg_backend {{\n    default playground;\n"
                      f"{known}\n  }}\n"
                      "  map $scheme $pg_cookie_flags {\n"
                      "    https \"SameSite=None; Secure\";\n    default \"SameSite=Lax\";\n  }\n")
        set_cookie = ('      add_header Set-Cookie '
                      '"pg_backend=$upstream_addr; Path=/; HttpOnly; $pg_cookie_flags" always;')
    return NGINX_CONF.format(backends=len(backend_ports), run_dir=run_dir, balance=balance,
                             servers=servers, sticky_map=sticky_map, listen=listen,
                             target=target, set_cookie=set_cookie, csp=csp)


def backend_command(port: int, public_hosts: list[str]) -> list[str]:
    """``panel serve app.py`` on loopback ``port``, accepting websockets from the proxy's
    public names, with Panel's ``/liveness`` endpoint."""
    return [*serving.server_command(port, public_hosts), "--use-xheaders", "--liveness"]


def check_ports_free(ports: list[int]):
    """Refuse ports something already listens on (a cluster left running answers the
    health check as if it were the new one).

    Raises:
        RuntimeError: one of ``ports`` is in use, named.
    """
    for port in ports:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past closed links
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise RuntimeError(f"port {port} is in use (a cluster still running? stop "
                                   f"it, or choose other ports)") from None


def _die_with_parent(parent: int):
    """In a child, before it runs its program (Linux): SIGTERM to it when this command
    dies, even by SIGKILL, so that no backend or nginx outlives it."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    # Looked up here, in the parent: the child, forked from a process that may have
    # threads, only calls it (loading a library after fork can deadlock).
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def arrange():
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGTERM)
    return arrange


def wait_for(url: str, timeout: float, procs: list[subprocess.Popen]):
    """Until ``url`` answers 200 (see ``serving.wait_for_http``), watching each of ``procs``.

    Raises:
        RuntimeError: one of ``procs`` exited.
        TimeoutError: no answer within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    for proc in procs:
        serving.wait_for_http(url, proc, timeout=max(deadline - time.monotonic(), 0.1))


@dataclass
class Cluster:
    """Running backends and nginx (see :func:`start`)."""

    port: int
    backend_ports: list[int]
    run_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/app"

    def stop(self):
        """Stop nginx, then every backend (their whole process groups)."""
        for p in reversed(self.processes):
            serving.stop_server(p)


def start(backends: int = 2, port: int = 8080, backend_port: int = 5101,
          hosts: list[str] | None = None, sticky: str = "cookie",
          run_dir: Path | None = None, log=None, timeout: float = 120.0,
          backend_ports: list[int] | None = None,
          frame_ancestors: str | None = None) -> Cluster:
    """Start ``backends`` servers (on ``backend_port``, +1, … or on ``backend_ports``)
    and nginx in front; returns once all answer.

    Each process gets SIGTERM if the calling process dies (Linux), as ``stop`` would.

    Raises:
        FileNotFoundError: no ``nginx`` on PATH (Debian: ``apt-get install nginx``).
        RuntimeError: a port in use; or, as TimeoutError, a process exited or did not
            answer in time (everything started is stopped again).
    """
    ports = list(backend_ports or [backend_port + i for i in range(backends)])
    check_ports_free([port, *ports])
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        raise FileNotFoundError("no nginx on PATH: apt-get install nginx")
    run_dir = Path(run_dir or f"/tmp/playground-cluster-{port}")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        (run_dir / "tmp" / sub).chmod(0o777)  # nginx's workers may run as another user
    public = [f"127.0.0.1:{port}", f"localhost:{port}", *(hosts or [])]
    env = {**os.environ, "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    cluster = Cluster(port, ports, run_dir)
    orphan_guard = _die_with_parent(os.getpid())
    try:
        for p in ports:
            cluster.processes.append(subprocess.Popen(
                backend_command(p, public), cwd=REPO_ROOT, env=env, start_new_session=True,
                stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                preexec_fn=orphan_guard))
        for p in ports:
            wait_for(f"http://127.0.0.1:{p}/liveness", timeout, cluster.processes)
        conf = run_dir / "nginx.conf"
        conf.write_text(nginx_config(ports, port, run_dir, sticky, frame_ancestors))
        cluster.processes.append(subprocess.Popen(
            [nginx, "-p", str(run_dir), "-c", str(conf)], start_new_session=True,
            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
            preexec_fn=orphan_guard))
        wait_for(f"http://127.0.0.1:{port}/liveness", timeout, cluster.processes)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    """Start ``--backends`` servers behind an nginx on ``--port`` (see the module's
    docstring) and serve until Ctrl-C, SIGTERM or SIGHUP (exit status 0); 2 when they
    cannot start, 1 when one of the processes exits."""
    ap = argparse.ArgumentParser(prog="python -m playground.deploy", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", type=int, default=2, help="panel serve processes (≥ 1)")
    ap.add_argument("--port", type=int, default=8080, help="the proxy's port")
    ap.add_argument("--backend-port", type=int, default=5101, help="the first backend's port")
    ap.add_argument("--host", action="append", default=[],
                    help="a public HOST[:PORT] visitors use (repeatable)")
    ap.add_argument("--sticky", choices=("cookie", "ip"), default="cookie")
    ap.add_argument("--run-dir", type=Path, help="nginx's files (default /tmp/…)")
    ap.add_argument("--frame-ancestors", metavar="SOURCES",
                    help="pages that may embed the labs in an iframe, as CSP sources "
                         "(e.g. \"'self' https://course.example.org\"); default: any")
    args = ap.parse_args(argv)
    if args.backends < 1:
        ap.error("--backends must be at least 1")
    try:
        content_security_policy(args.frame_ancestors)
    except ValueError as e:
        ap.error(str(e))
    # A supervisor's SIGTERM (or a closed terminal's SIGHUP) stops everything, as Ctrl-C.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        cluster = start(args.backends, args.port, args.backend_port, args.host, args.sticky,
                        args.run_dir, frame_ancestors=args.frame_ancestors)
    except (FileNotFoundError, RuntimeError, TimeoutError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # stopped while starting: ``start`` stopped what it started
        return 0
    try:  # the line below is the go-ahead: a signal may come as soon as it is read
        print(f"serving {cluster.url} over {args.backends} backends "
              f"(ports {cluster.backend_ports[0]}–{cluster.backend_ports[-1]}); Ctrl-C stops",
              flush=True)
        while all(p.poll() is None for p in cluster.processes):
            time.sleep(1)
        print("a process exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
