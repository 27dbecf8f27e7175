"""Headless chromium driven over the DevTools protocol through a pipe (`--remote-debugging-pipe`:
JSON messages ended by a NUL byte on file descriptors 3 and 4), with the standard library only.

Used to measure pages at a given window width and to run axe-core in them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    def __init__(self, to_browser, from_browser):
        self.out, self.inp = to_browser, from_browser
        self.buffer, self.next_id, self.events = b"", 0, []
        self.session = ""

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict:
        """One command; its result (an error answer raises)."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session if session is not None else self.session:
            msg["sessionId"] = session if session is not None else self.session
        self.out.write(json.dumps(msg).encode() + b"\0")
        self.out.flush()
        while True:
            answer = self.read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def read(self) -> dict:
        while b"\0" not in self.buffer:
            chunk = os.read(self.inp.fileno(), 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        msg, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(msg)

    def wait_for(self, method: str) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self.read()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def open(self, url: str, width: int, height: int = 900) -> None:
        """Load `url` in a fresh tab of the given window size (the CSS viewport), and wait
        until it has loaded."""
        if self.session:
            with contextlib.suppress(RuntimeError):
                self.send("Target.closeTarget", {"targetId": self.target}, session="")
        self.target = self.send("Target.createTarget", {"url": "about:blank"}, session="")[
            "targetId"
        ]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": self.target, "flatten": True}, session=""
        )["sessionId"]
        self.events.clear()
        self.send("Page.enable")
        self.send("Page.setBypassCSP", {"enabled": True})  # so that a test script may run
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str, timeout: float = 60):
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")


def stop(pid: int) -> None:
    """End chromium (its own process group, started by `browser`) and reap it."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
            time.sleep(0.05)


@contextlib.contextmanager
def browser() -> Iterator[Browser]:
    """A headless chromium with a fresh profile, always ended."""
    profile = Path(tempfile.mkdtemp(prefix="cdp-profile-"))
    to_r, to_w = os.pipe()  # our commands: chromium reads fd 3
    from_r, from_w = os.pipe()  # its answers: chromium writes fd 4
    # above 4, so that putting one end on 3 cannot overwrite the other
    low = (to_r, from_w)
    to_r, from_w = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in low)
    for fd in low:
        os.close(fd)
    devnull = os.open(os.devnull, os.O_RDWR)
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--remote-debugging-pipe",
        "about:blank",
    ]
    pid = os.posix_spawn(
        CHROMIUM,
        args,
        os.environ,
        file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 0),
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
            (os.POSIX_SPAWN_DUP2, to_r, 3),
            (os.POSIX_SPAWN_DUP2, from_w, 4),
        ],
        setsid=True,
    )
    os.close(devnull)
    os.close(to_r)
    os.close(from_w)
    out, inp = os.fdopen(to_w, "wb"), os.fdopen(from_r, "rb")
    try:
        yield Browser(out, inp)
    finally:
        with contextlib.suppress(OSError):
            out.close()
        stop(pid)
        inp.close()
        shutil.rmtree(profile, ignore_errors=True)
