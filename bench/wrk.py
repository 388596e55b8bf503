"""Running wrk with bench/scenarios.lua and reading back its numbers, errors included."""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("scenarios.lua")
THREADS = 2
CONNECTIONS = 32

_BENCH_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)
_RPS_LINE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)


class WrkUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class WrkResult:
    """One wrk run. `rps` is wrk's own Requests/sec, which counts every response, good or bad."""

    rps: float
    requests: int
    non2xx: int
    statuses: str
    socket_errors: int
    p50_ms: float
    p99_ms: float
    reused: int
    """Requests that took an entry of IDS_FILE already taken in this run (connect: a pair that
    is connected already records nothing, so such requests would flatter the figure)."""
    output: str

    @property
    def failed(self) -> int:
        """Requests that did not end in a 2xx: a figure with any of these must not be trusted."""
        return self.non2xx + self.socket_errors


def ensure_wrk() -> str:
    """Find wrk, installing the Debian package when it is missing (this machine runs as root)."""
    steps: tuple[list[str], ...] = (
        [],
        ["apt-get", "install", "-y", "wrk"],
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "wrk"],
    )
    for step in steps:
        if step:
            print(f"wrk is not on PATH: running `{' '.join(step)}`", file=sys.stderr)
            try:
                subprocess.run(step, check=False, timeout=300, stdout=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired) as error:
                print(f"  failed: {error}", file=sys.stderr)
                break
        found = shutil.which("wrk")
        if found:
            return found
    raise WrkUnavailable(
        "wrk is needed and could not be installed; install it (Debian: apt-get install wrk) "
        "and run the bench again"
    )


def run_wrk(
    wrk: str,
    url: str,
    seconds: float,
    mode: str,
    ids_file: Path | None = None,
    token: str = "",
    connections: int = CONNECTIONS,
    batch: int = 1,
) -> WrkResult:
    """Load `url` with `connections` connections for `seconds`; the Lua script counts every
    status. `batch` is how many things one bulk request creates (mode `bulk` only)."""
    duration = max(1, round(seconds))
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        url,
        "--",
        mode,
        str(ids_file or ""),
        token,
        str(THREADS),
        str(batch),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited with {done.returncode}:\n{output}")
    return parse(output)


def parse(output: str) -> WrkResult:
    rps_match = _RPS_LINE.search(output)
    bench_match = _BENCH_LINE.search(output)
    if not rps_match or not bench_match:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    fields = dict(item.split("=", 1) for item in bench_match.group(1).split())
    return WrkResult(
        rps=float(rps_match.group(1)),
        requests=int(fields["requests"]),
        non2xx=int(fields["non2xx"]),
        statuses=fields.get("statuses", ""),
        socket_errors=sum(int(fields[k]) for k in ("connect", "read", "write", "timeout")),
        p50_ms=int(fields["p50_us"]) / 1000,
        p99_ms=int(fields["p99_us"]) / 1000,
        reused=int(fields.get("reused", 0)),
        output=output,
    )
