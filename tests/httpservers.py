"""Real servers for the HTTP tests: `kgbuild serve` in a thread or as a process, nginx and
Apache as child processes."""

from __future__ import annotations

import http.client
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from servers import stop

from kgbuild.serve.site import make_server

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


def fetch(
    port: int,
    path: str,
    accept: str | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Reply:
    """One request; the body as sent (still gzipped when the server gzipped it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {**({} if accept is None else {"Accept": accept}), **(headers or {})}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        headers: dict[str, str] = {}
        for k, v in r.getheaders():  # a field sent twice (Vary) is one list, RFC 9110 5.3
            headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
        if "location" in headers:  # Apache makes it absolute, nginx and serve send the path
            headers["location"] = urlsplit(headers["location"]).path
        return Reply(r.status, headers, r.read())
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


@dataclass
class Process:
    port: int
    proc: subprocess.Popen
    log: Path  # what the command wrote on stderr


@contextmanager
def kgbuild_process(*args: str, seconds: float = 60.0):
    """`kgbuild serve ...` or `kgbuild sparql ...` with --port 0, as a child process; the port
    is read from the line it prints. Stopped with SIGTERM (killed if that fails)."""
    with tempfile.TemporaryDirectory(prefix="kgbuild-serve-") as tmp:
        log = Path(tmp) / "stderr.txt"
        with log.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "kgbuild.cli", *args, "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=err,
            )
        try:
            port = _port_from_first_line(proc, seconds, log)
            yield Process(port, proc, log)
        finally:
            stop(proc)
            proc.stdout.close()


def _port_from_first_line(proc: subprocess.Popen, seconds: float, log: Path) -> int:
    ready, _, _ = select.select([proc.stdout], [], [], seconds)
    line = proc.stdout.readline().decode() if ready else ""
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if m is None:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"{proc.args[3:]} did not start: {line!r} {log.read_text()[-2000:]}")
    return int(m[1])


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
def nginx_server(root: Path, tmp: Path, sparql_port: int | None = None):
    """nginx with the generated includes; with sparql_port, also conf/nginx-sparql.conf with
    its upstream address changed to that port, as an operator would."""
    port = free_port()
    conf = tmp / "nginx.conf"
    text = NGINX_CONF.format(tmp=tmp, root=root, port=port)
    if sparql_port is not None:
        proxy = (root / "conf/nginx-sparql.conf").read_text()
        assert "127.0.0.1:7879" in proxy
        (tmp / "nginx-sparql.conf").write_text(
            proxy.replace("127.0.0.1:7879", f"127.0.0.1:{sparql_port}")
        )
        server_conf = f"include {root}/conf/nginx-server.conf;"
        text = text.replace(server_conf, f"{server_conf}\n        include {tmp}/nginx-sparql.conf;")
    conf.write_text(text)
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
        stderr=subprocess.PIPE,
    )
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
        proc.stderr.close()


APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES = (
    "mpm_event",
    "authz_core",
    "rewrite",
    "headers",
    "mime",
    "dir",
    "filter",
    "deflate",
)
APACHE_CONF = """ServerRoot {tmp}
PidFile {tmp}/httpd.pid
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
{modules}
{user}
ErrorLog {tmp}/error.log
LogLevel warn
TypesConfig /etc/mime.types
DocumentRoot {root}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {root}>
    AllowOverride FileInfo Indexes
    Require all granted
</Directory>
"""


@contextmanager
def apache_server(dist: Path, tmp: Path, sparql_port: int | None = None):
    """Apache 2.4 serving a copy of dist/ with the generated conf/apache.htaccess as .htaccess;
    with sparql_port, also conf/apache-sparql.conf with its upstream address changed to that
    port, as an operator would.

    The copy lives in a world-readable folder because Apache started as root serves as
    www-data; the folder is removed afterwards.
    """
    import os
    import tempfile

    port = free_port()
    public = Path(tempfile.mkdtemp(prefix="kgbuild-apache-"))
    try:
        os.chmod(public, 0o755)
        root = public / "dist"
        shutil.copytree(dist, root)
        shutil.copy(root / "conf/apache.htaccess", root / ".htaccess")
        for path in [root, *root.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        names = APACHE_MODULES + (("proxy", "proxy_http") if sparql_port is not None else ())
        modules = "\n".join(
            f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in names
        )
        user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
        conf = tmp / "httpd.conf"
        text = APACHE_CONF.format(tmp=tmp, port=port, root=root, modules=modules, user=user)
        if sparql_port is not None:
            proxy = (root / "conf/apache-sparql.conf").read_text()
            assert "127.0.0.1:7879" in proxy
            (tmp / "apache-sparql.conf").write_text(
                proxy.replace("127.0.0.1:7879", f"127.0.0.1:{sparql_port}")
            )
            text += f"Include {tmp}/apache-sparql.conf\n"
        conf.write_text(text)
        check = subprocess.run(
            [APACHE, "-t", "-f", str(conf)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stderr
        proc = subprocess.Popen([APACHE, "-f", str(conf), "-DFOREGROUND"], stderr=subprocess.PIPE)
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
            proc.stderr.close()
    finally:
        shutil.rmtree(public, ignore_errors=True)
