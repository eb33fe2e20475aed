"""What `callpulse ship` prints: a progress bar (once) or status lines (following)."""

import time
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from ingest.ship.shipper import Shipper, Stats

SHOWN_REJECTIONS = 20
MB = 1024 * 1024


def status_line(stats: Stats, spool_max_bytes: int) -> str:
    """Return one line on throughput, outcome, spool and lag, with units."""
    line = (
        f"{stats.lines:,} lines sent ({stats.lines_per_s():,.0f} lines/s) · {stats.accepted:,}"
        f" accepted · {stats.duplicates:,} duplicates · {len(stats.rejected):,} rejected · spool"
        f" {stats.spool_batches} batches, {stats.spool_bytes / MB:.1f} of"
        f" {spool_max_bytes / MB:.0f} MB · behind {stats.behind_bytes / 1024:,.0f} KiB · lag"
        f" {stats.lag_s:.1f} s"
    )
    if stats.waiting_reason:
        line += f" · retrying ({stats.retries}): {stats.waiting_reason}"
    return line


def _rejections(console: Console) -> Callable[[Stats], None]:
    shown = 0

    def show(stats: Stats) -> None:
        nonlocal shown
        for rejected in stats.rejected[shown:SHOWN_REJECTIONS]:
            errors = "; ".join(rejected.errors)
            console.print(escape(f"  {rejected.file}:{rejected.line}: {errors}"))
        shown = max(shown, min(len(stats.rejected), SHOWN_REJECTIONS))

    return show


def run(shipper: Shipper, console: Console, every_s: float) -> Stats:
    """Run the shipper, printing as it goes; return its final stats."""
    show_rejections = _rejections(console)
    spool_max = shipper.settings.spool_bytes
    if shipper.settings.follow:
        last = 0.0

        def report(stats: Stats) -> None:
            nonlocal last
            show_rejections(stats)
            if time.monotonic() - last >= every_s:
                last = time.monotonic()
                console.print(status_line(stats, spool_max))

        stats = shipper.run(report)
    else:
        with Progress(
            TextColumn("[bold]shipping"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
        ) as progress:
            total = shipper.backlog_bytes()
            task = progress.add_task("ship", total=total, status="")

            def advance(stats: Stats) -> None:
                show_rejections(stats)
                waiting = f"retrying: {stats.waiting_reason}" if stats.waiting_reason else ""
                done = total - stats.behind_bytes - stats.spool_bytes
                progress.update(task, completed=max(0, done), status=waiting)

            stats = shipper.run(advance)
    console.print(status_line(stats, spool_max))
    if len(stats.rejected) > SHOWN_REJECTIONS:
        console.print(f"  … and {len(stats.rejected) - SHOWN_REJECTIONS} more rejected lines")
    return stats
