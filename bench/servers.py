"""Server subprocesses on 127.0.0.1: started, waited for, always stopped, their logs kept."""

import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0

PROBLEM = re.compile(r"Traceback|\bERROR\b|\bWARNING\b|\bCRITICAL\b|Exception|panicked")


@dataclass
class Server:
    name: str
    port: int
    process: "subprocess.Popen[bytes]"
    log_path: Path
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time so far (Linux /proc) of the server and its worker processes."""
        total = 0.0
        for pid in _process_tree(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total or None

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def problems_since(self, offset: int) -> list[str]:
        """Log lines after `offset` that look like errors: evidence to print beside a figure."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        return [line for line in text.splitlines() if PROBLEM.search(line)]


def _process_tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.extend(_process_tree(int(child)))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(
    name: str,
    command: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    port: int,
    ready_path: str,
    cwd: Path | None = None,
    workers: int = 1,
) -> Iterator[Server]:
    """Start `command`, wait until it answers HTTP on `ready_path`, and stop it on the way out."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, port, process, log_path, workers)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.process.returncode} before answering; "
                f"log {server.log_path}:\n{_tail(server.log_path)}"
            )
        try:
            with urllib.request.urlopen(server.url + path, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means the server is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} did not answer within {READY_TIMEOUT:.0f} s; "
        f"log {server.log_path}:\n{_tail(server.log_path)}"
    )


def _stop(process: "subprocess.Popen[bytes]") -> None:
    """SIGTERM lets the HTTP server shut down and FleetID close its writer; SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
