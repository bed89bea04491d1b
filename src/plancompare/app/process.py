"""Run ``plancompare serve`` in a child process (for tests, benchmarks and scripts).

:func:`background_server` starts the server on 127.0.0.1 on a free port, waits until the page
answers, yields its URL and stops the process when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    """Poll ``url`` until it answers 200; raise if ``proc`` exits or ``timeout`` seconds pass."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"the server did not answer at {url} within {timeout} s")


@contextlib.contextmanager
def background_server(corpus_dir=None, reports_dir="reports", *, port: int | None = None,
                      log_file: str | os.PathLike | None = None, extra_args=(), timeout: float = 600):
    """Serve the finder in a child process; yields ``http://127.0.0.1:PORT/``.

    ``corpus_dir``: a saved corpus (default: the bundled plans). ``log_file`` receives the
    server's output (default: discarded). The child inherits ``sys.path`` through ``PYTHONPATH``,
    so a source checkout serves its own code.
    """
    port = port or free_port()
    args = [sys.executable, "-m", "plancompare.cli", "serve", "--port", str(port), "--reports", str(reports_dir),
            "--no-browser", *map(str, extra_args)]
    if corpus_dir is not None:
        args += ["--corpus", str(corpus_dir)]
    src = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(log_file, "w")) if log_file else subprocess.DEVNULL  # noqa: SIM115
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_for(url, proc, timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
