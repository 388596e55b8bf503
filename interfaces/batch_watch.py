"""`fleetid batches watch ID`: a batch's issuing, followed in the read model with a progress
bar on stderr until it ends; the exit status says how (0 ready, 1 issued partly or broken or
stopped otherwise, 2 no such batch)."""

import argparse
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from domain.batches import ISSUING, BatchStatus
from infrastructure.batch_views import SqlBatchViews
from infrastructure.database import create_engine
from infrastructure.read_connections import ReadConnections
from infrastructure.settings import Settings

POLL_SECONDS = 0.25


def add_batch_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    watch = actions.add_parser("watch", help="follow a batch's issuing until it ends")
    watch.add_argument("batch", type=int, help="the batch's number (batchId)")
    watch.set_defaults(run=watch_batch)


def watch_batch(settings: Settings, args: argparse.Namespace) -> int:
    """Reads the read model only: no schema check, no log, so that it never contends with the
    server it watches (a schema check takes locks the server's writer may wait on)."""
    engine = create_engine(settings.effective_database_url)
    views = SqlBatchViews(ReadConnections(engine))
    console = Console(stderr=True)
    try:
        found = views.get(args.batch)
        if found is None:
            console.print(f"no batch {args.batch}")
            return 2
        columns = (
            TextColumn("{task.fields[status]}"),
            BarColumn(bar_width=40),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeRemainingColumn(),
        )
        with RichProgress(*columns, console=console) as bar:
            task = bar.add_task("", total=found.size, status=found.status, failed=0)
            while True:
                bar.update(
                    task,
                    completed=found.issued + found.failed,
                    status=found.status,
                    failed=found.failed,
                )
                if found.status not in ISSUING:
                    break
                time.sleep(POLL_SECONDS)
                found = views.get(args.batch) or found
        console.print(f"batch {found.number}: {found.status}")
        return 0 if found.status == BatchStatus.READY else 1
    finally:
        engine.dispose()
