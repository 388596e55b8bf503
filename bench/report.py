"""The printed table: each figure beside its ceilings, the ratio, the target and a verdict."""

from dataclasses import dataclass
from typing import Literal

from bench.databases import InsertResult
from bench.wrk import CONNECTIONS, WrkResult

DbCeiling = Literal["commit", "batch"]
"""Which raw database rate a figure sits beside: single-row commits, or rows in 100-row ones."""


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
    target: float | None
    """In `unit`/s; None: no target, the figure is for information."""
    db_ceiling: DbCeiling | None
    measured: Measured
    log_problems: int
    per_request: int = 1
    """Items one request handles (bulk: things), so that the figure is items/s."""
    unit: str = "req"
    connections: int = CONNECTIONS
    workers: int = 1
    """FleetID's HTTP worker processes in this measurement."""
    latency_target_ms: float | None = None
    """A ceiling on p99 latency instead of a floor on the figure (the reader's pages)."""

    @property
    def result(self) -> WrkResult:
        return self.measured.result

    @property
    def figure(self) -> float:
        return self.result.rps * self.per_request

    def verdict(self) -> str:
        """Errors void the figure: a fast 4xx/5xx says nothing about the work it skipped."""
        if self.result.failed:
            return "ERRORS"
        if self.latency_target_ms is not None:
            return "PASS" if self.result.p99_ms < self.latency_target_ms else "SLOWER"
        if self.target is None:
            return "-"
        return "PASS" if self.figure >= self.target else "BELOW"

    @property
    def target_text(self) -> str:
        if self.latency_target_ms is not None:
            return f"<{self.latency_target_ms:.0f}ms"
        return _num(self.target)


def _ratio(figure: float, ceiling: float | None) -> str:
    return f"{figure / ceiling:.2f}" if ceiling else "-"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _cpu(measured: Measured) -> str:
    per_request = measured.cpu_ms_per_request
    if measured.cpu_cores is None or per_request is None:
        return "-"
    return f"{measured.cpu_cores:.2f}/{per_request:.2f}"


def _flags(row: Row) -> str:
    flags = []
    if row.log_problems:
        flags.append(f"+{row.log_problems} log errors")
    if row.result.reused:
        flags.append(f"{row.result.reused} reused entries")
    return f" ({', '.join(flags)})" if flags else ""


def print_report(
    rows: list[Row],
    http: dict[int, Measured],
    http_sync: dict[int, Measured],
    db: dict[str, dict[DbCeiling, Ceiling]],
    notes: list[str],
    settings: list[str],
) -> None:
    """`http` and `http_sync`: the trivial app's ceilings by worker count."""
    header = (
        f"{'backend':<9} {'w':>1} {'scenario':<30} {'conn':>4} {'req/s':>7} {'figure/s':>14} "
        f"{'non-2xx':>7} {'p50 ms':>7} {'p99 ms':>7} {'cpu/ms':>10} | {'DB ceil':>7} "
        f"{'ratio':>5} | {'HTTP ceil':>9} {'ratio':>5} | {'target':>6} verdict"
    )
    print()
    print("FleetID throughput (wrk) beside ceilings measured in the same run")
    print("=" * len(header))
    print(header)
    print("-" * len(header))
    for row in rows:
        r = row.result
        ceiling = db.get(row.backend, {}).get(row.db_ceiling) if row.db_ceiling else None
        db_rate = ceiling.result.row_rate if ceiling else None
        figure = f"{row.figure:,.0f} {row.unit}"
        ceiling_http = http.get(row.workers)
        http_rps = ceiling_http.result.rps if ceiling_http else None
        print(
            f"{row.backend:<9} {row.workers:>1} {row.label:<30} {row.connections:>4} "
            f"{r.rps:>7,.0f} "
            f"{figure:>14} {r.failed:>7,} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} "
            f"{_cpu(row.measured):>10} | {_num(db_rate):>7} {_ratio(row.figure, db_rate):>5} | "
            f"{_num(http_rps):>9} {_ratio(r.rps, http_rps):>5} | "
            f"{row.target_text:>6} {row.verdict()}{_flags(row)}"
        )
    print("-" * len(header))
    print(
        "w = FleetID's HTTP worker processes. figure/s = req/s x items per request (bulk: 100\n"
        "things); the target applies to it, or to p99 where it reads <N ms (SLOWER: missed).\n"
        "DB ceil: single-row commits/s for one-at-a-time writes, rows/s in 100-row transactions\n"
        "for bulk, none for reads; ratio = figure / DB ceil, and req/s / HTTP ceil.\n"
        "conn = wrk connections. non-2xx includes socket errors.\n"
        "cpu/ms = server CPU (all worker processes) in cores / CPU milliseconds per request."
    )
    print()
    print_ceilings(http, http_sync, db)
    print_failures(rows)
    if notes:
        print()
        print("Notes")
        for note in notes:
            print(f"  {note}")
    print()
    for line in settings:
        print(f"  {line}")


def print_ceilings(
    http: dict[int, Measured],
    http_sync: dict[int, Measured],
    db: dict[str, dict[DbCeiling, Ceiling]],
) -> None:
    print("Ceilings")
    for workers in sorted(http.keys() | http_sync.keys()):
        for name, measured in (
            ("GET / (async)", http.get(workers)),
            ("GET /sync (thread pool)", http_sync.get(workers)),
        ):
            if measured is None:
                continue
            result = measured.result
            print(
                f"  HTTP {workers}w   trivial Litestar {name:<23} {result.rps:>8,.0f} req/s     "
                f"non-2xx {result.failed}  p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f} ms"
                f"  cpu/ms {_cpu(measured)}"
                + ("  !! ERRORS: not a valid ceiling" if result.failed else "")
            )
    for name, kinds in db.items():
        for ceiling in kinds.values():
            c = ceiling.result
            rows = "1 row" if c.rows_per_commit == 1 else f"{c.rows_per_commit} rows"
            rate = (
                f"{c.rate:>9,.0f} commits/s"
                if c.rows_per_commit == 1
                else f"{c.row_rate:>9,.0f} rows/s ({c.rate:,.0f} commits/s)"
            )
            print(
                f"  {name:<9} {c.clients:>2} threads x INSERT {rows} + COMMIT {rate} "
                f"errors {c.errors}  [{ceiling.describe}]"
                + (f"  !! first error: {c.first_error}" if c.errors else "")
            )


def print_failures(rows: list[Row]) -> None:
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
