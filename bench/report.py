"""The printed table: each figure beside its ceilings, the ratio, the target and a verdict."""

from dataclasses import dataclass

from bench.databases import CLIENTS, InsertResult
from bench.wrk import WrkResult


@dataclass(frozen=True)
class Ceiling:
    describe: str
    result: InsertResult


@dataclass(frozen=True)
class Measured:
    """A wrk result and how many cores the server process burnt meanwhile (None: unknown)."""

    result: WrkResult
    cpu_cores: float | None

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.cpu_cores is None or not self.result.rps:
            return None
        return self.cpu_cores / self.result.rps * 1000


@dataclass(frozen=True)
class Row:
    backend: str
    label: str
    target: float
    is_write: bool
    measured: Measured
    log_problems: int

    @property
    def result(self) -> WrkResult:
        return self.measured.result

    def verdict(self) -> str:
        """Errors void the figure: a fast 4xx/5xx says nothing about the work it skipped."""
        if self.result.failed:
            return "ERRORS"
        return "PASS" if self.result.rps >= self.target else "BELOW"


def _ratio(figure: float, ceiling: float | None) -> str:
    return f"{figure / ceiling:.2f}" if ceiling else "-"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _cpu(measured: Measured) -> str:
    per_request = measured.cpu_ms_per_request
    if measured.cpu_cores is None or per_request is None:
        return "-"
    return f"{measured.cpu_cores:.2f}/{per_request:.2f}"


def print_report(
    rows: list[Row],
    http: Measured | None,
    http_sync: Measured | None,
    db: dict[str, Ceiling],
    notes: list[str],
    settings: list[str],
) -> None:
    http_rps = http.result.rps if http else None
    header = (
        f"{'backend':<9} {'scenario':<23} {'req/s':>7} {'non-2xx':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'cpu/ms':>10} | {'DB ceil':>7} {'ratio':>5} | {'HTTP ceil':>9} "
        f"{'ratio':>5} | {'target':>6} verdict"
    )
    print()
    print("FleetID throughput (wrk, 32 connections) beside ceilings measured in the same run")
    print("=" * len(header))
    print(header)
    print("-" * len(header))
    for row in rows:
        r = row.result
        db_rps = db[row.backend].result.rate if row.is_write and row.backend in db else None
        flag = "" if not row.log_problems else f" (+{row.log_problems} log errors)"
        print(
            f"{row.backend:<9} {row.label:<23} {r.rps:>7,.0f} {r.failed:>7,} {r.p50_ms:>7.1f} "
            f"{r.p99_ms:>7.1f} {_cpu(row.measured):>10} | "
            f"{_num(db_rps):>7} {_ratio(r.rps, db_rps):>5} | "
            f"{_num(http_rps):>9} {_ratio(r.rps, http_rps):>5} | "
            f"{row.target:>6,.0f} {row.verdict()}{flag}"
        )
    print("-" * len(header))
    print(
        "ratio = figure / ceiling (DB ceil: writes only). non-2xx includes socket errors.\n"
        "cpu/ms = server CPU (all worker processes) in cores / CPU milliseconds per request."
    )
    print()
    print("Ceilings")
    for name, measured in (("GET / (async)", http), ("GET /sync (thread pool)", http_sync)):
        if measured is not None:
            result = measured.result
            print(
                f"  HTTP      trivial Litestar {name:<23} {result.rps:>8,.0f} req/s     "
                f"non-2xx {result.failed}  p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f} ms"
                f"  cpu/ms {_cpu(measured)}"
                + ("  !! ERRORS: not a valid ceiling" if result.failed else "")
            )
    for name, ceiling in db.items():
        c = ceiling.result
        print(
            f"  {name:<9} {CLIENTS} threads x INSERT 1 row + COMMIT {c.rate:>9,.0f} commits/s "
            f"errors {c.errors}  [{ceiling.describe}]"
            + (f"  !! first error: {c.first_error}" if c.errors else "")
        )
    failed = [row for row in rows if row.result.failed]
    if failed:
        print()
        print("!! Figures with errors (status counts as code:n):")
        for row in failed:
            r = row.result
            print(
                f"  {row.backend} {row.label}: {r.non2xx} non-2xx [{r.statuses}], "
                f"{r.socket_errors} socket errors"
            )
    if notes:
        print()
        print("Notes")
        for note in notes:
            print(f"  {note}")
    print()
    for line in settings:
        print(f"  {line}")
