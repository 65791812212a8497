"""The one progress display of the commands: a rich bar per stage of the work."""

from contextlib import contextmanager
from datetime import timedelta

from rich.progress import (BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.text import Text

from .common import console


def _rate(task) -> float | None:
    """Units per second since the task started (units done by an earlier run excluded):
    steadier than rich's 30 s window, which sees the per-batch steps of the progress."""
    done = task.completed - task.fields["resumed_at"]
    return done / task.elapsed if task.elapsed and done > 0 else None


class RateColumn(ProgressColumn):
    """Units per hour (curves/hour for labels)."""

    def render(self, task):
        rate, unit = _rate(task), task.fields["unit"]
        return Text(f"{rate * 3600:,.0f} {unit}/h" if rate else f"– {unit}/h", style="cyan")


class EtaColumn(ProgressColumn):
    """Time left at the rate so far."""

    def render(self, task):
        rate = _rate(task)
        left = 0 if task.finished else (task.total - task.completed) / rate if rate else None
        shown = "–:––:––" if left is None else str(timedelta(seconds=round(left)))
        return Text(f"ETA {shown}", style="cyan")


class Stages:
    """Callable progress(stage, completed=None, total=None, advance=None, **info): draws a bar
    per stage on first sight (with `units`[stage] per hour where rates are shown), then
    updates it; info (numbers) is shown beside the bar."""

    def __init__(self, bar: Progress, units: dict):
        self.bar, self.units, self.tasks = bar, units, {}

    def __call__(self, stage, completed=None, total=None, advance=None, **info):
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total, completed=completed or 0,
                                                  info="", unit=self.units.get(stage, ""),
                                                  resumed_at=completed or 0)
        shown = {"info": "  ".join(f"{k} {v:.4g}" for k, v in info.items())} if info else {}
        self.bar.update(self.tasks[stage], completed=completed, total=total, advance=advance,
                        **shown)


@contextmanager
def stages(units: dict | None = None, transient: bool = True):
    """A progress display yielding its Stages callback; with `units` ({stage: unit}) the bars
    show the rate per hour and the time left at it, else rich's time remaining."""
    columns = [TextColumn("[bold]{task.description:<12}"), BarColumn(),
               TextColumn("{task.completed:>6.0f}/{task.total:.0f}"),
               TextColumn("[cyan]{task.fields[info]}"), TimeElapsedColumn()]
    columns += [RateColumn(), EtaColumn()] if units else [TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=transient) as bar:
        yield Stages(bar, units or {})
