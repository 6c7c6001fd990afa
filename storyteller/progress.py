"""Rich display for training: a live progress bar with loss, validation, bits per character, tokens/s, ETA."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table

from storyteller.training import Callbacks, StepInfo, TrainResult


class RichTrainingDisplay:
    """Adapts the trainer's callbacks to a Rich progress bar; print lines appear above the bar."""

    def __init__(self, console: Console, total_steps: int | None, minutes: float | None) -> None:
        self.console = console
        self.total_steps = total_steps
        self.minutes = minutes
        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn() if total_steps else TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("step {task.fields[step]}"),
            TextColumn("loss {task.fields[loss]:.3f}"),
            TextColumn("val {task.fields[val]}"),
            TextColumn("bpc {task.fields[bpc]}"),
            TextColumn("{task.fields[tps]:,.0f} tok/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> "RichTrainingDisplay":
        self.progress.start()
        total = self.total_steps or 1000
        self.task = self.progress.add_task("train", total=total, step=0, loss=float("nan"), val="-", bpc="-", tps=0.0)
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def callbacks(self) -> Callbacks:
        return Callbacks(on_prepare=self.prepare, on_step=self.step, on_eval=self.eval, on_checkpoint=self.checkpoint)

    def prepare(self, message: str) -> None:
        self.progress.console.print(f"[dim]{message}")

    def step(self, info: StepInfo) -> None:
        done = info.step if self.total_steps else info.fraction_done * 1000
        self.progress.update(self.task, completed=done, step=info.step, loss=info.loss, tps=info.tokens_per_second)

    def eval(self, info: StepInfo) -> None:
        self.progress.update(self.task, val=f"{info.val_loss:.3f}", bpc=f"{info.val_bpc:.3f}")
        self.progress.console.print(
            f"step {info.step:>6}  loss {info.loss:.3f}  val {info.val_loss:.3f}  val bpc {info.val_bpc:.3f}  "
            f"lr {info.lr:.2e}  {info.tokens_per_second:,.0f} tok/s"
            + (f"  memory ranking: train {info.rank_accuracy or 0:.2f} val {info.val_rank_accuracy:.2f}"
               if info.val_rank_accuracy is not None else "")
        )

    def checkpoint(self, path: Path, info: StepInfo) -> None:
        self.progress.console.print(f"[dim]checkpoint {path} (step {info.step})")


def summary_table(result: TrainResult) -> Table:
    table = Table(title="training summary")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("steps", f"{result.steps:,}")
    table.add_row("tokens", f"{result.tokens:,}")
    table.add_row("time", f"{result.seconds / 60:.1f} min")
    table.add_row("tokens/s", f"{result.tokens / max(result.seconds, 1e-9):,.0f}")
    table.add_row("final train loss", f"{result.final_loss:.3f}")
    table.add_row("best val loss (nats/token)", f"{result.best_val_loss:.3f}")
    table.add_row("best val bits/char (approx.)", f"{result.best_val_bpc:.3f}")
    table.add_row("best checkpoint", str(result.out / "best"))
    return table
