"""Real servers for the HTTP tests: `kgbuild serve` in a thread, nginx as a child process."""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kgbuild.serve import make_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def fetch(port: int, path: str, accept: str | None = None, method: str = "GET") -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {} if accept is None else {"Accept": accept}
        conn.request(method, path, headers=headers)
        r = conn.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


@contextmanager
def kgbuild_server(root: Path):
    server = make_server(root, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


NGINX_CONF = """daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {root}/conf/nginx-http.conf;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        include {root}/conf/nginx-server.conf;
    }}
}}
"""


@contextmanager
def nginx_server(root: Path, tmp: Path):
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, root=root, port=port))
    check = subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(conf), "-e",
                            str(tmp / "error.log")], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(conf), "-e",
                             str(tmp / "error.log")], stderr=subprocess.PIPE)
    try:
        wait_for(port)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
