"""Progress for long work: a bar on a terminal, plain log lines otherwise, nothing with --quiet."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # tqdm loads for a bar only: log lines and --quiet need none
    from tqdm import tqdm


def clock(seconds: float) -> str:
    """Seconds as a clock: 1:02:03, or 2:03 under an hour."""
    whole = max(0, int(seconds + 0.5))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Stage:
    """One stage's progress: update(done) with the absolute count reached, in `unit` ("" for a count of
    things, "s" for seconds); close(outcome) ends it with a line that says what the stage really did.
    A `clock` stage counts seconds of video (a day of footage reads better as 6:00:00/24:00:00 than as
    frames), and says how long the rest should take at the pace so far."""

    def __init__(
        self,
        name: str,
        total: float | None,
        mode: str,
        stream: TextIO,
        unit: str = "",
        clock: bool = False,
        said: set[str] | None = None,
    ) -> None:
        """`said`: the run's lines printed so far (Progress.shown), to which the last line is added."""
        self.name, self.total, self.mode, self.stream = name, total, mode, stream
        self._said = said if said is not None else set()
        self.unit = unit
        self.clock = clock
        self.done: float = 0
        self.note = ""  # said with the last line (what else was counted)
        self._bar: tqdm | None = None
        self._last_log = 0.0
        self._started = time.monotonic()
        if mode == "bar":
            from tqdm import tqdm

            # A clock stage shows video time and tqdm's estimate of the time left.
            layout = "{desc}: {percentage:3.0f}%|{bar}| {postfix} [{elapsed}<{remaining}]" if clock else None
            self._bar = tqdm(
                total=total,
                desc=name,
                unit="" if clock else unit,
                file=stream,
                leave=True,
                dynamic_ncols=True,
                bar_format=layout,
            )

    @property
    def seconds(self) -> float:
        """Since the stage began."""
        return time.monotonic() - self._started

    def update(self, done: float, total: float | None = None) -> None:
        if total is not None and total != self.total:
            self.total = total
            if self._bar is not None:
                self._bar.total = total
        step = done - self.done
        self.done = done
        if self._bar is not None and step < 0:  # revised down: work found not to count after all
            self._bar.n = done
            self._bar.refresh()
        elif self._bar is not None and step > 0:
            if self.clock:
                self._bar.set_postfix_str(self._count(), refresh=False)
            self._bar.update(step)
        elif self.mode == "log" and time.monotonic() - self._last_log >= 5.0:
            self._last_log = time.monotonic()
            self._log()

    def _count(self) -> str:
        if self.clock:
            return f"{clock(self.done)}/{clock(self.total)}" if self.total else clock(self.done)
        of = f"/{self.total}" if self.total else ""
        return f"{self.done}{of}{' ' + self.unit if self.unit else ''}"

    def left(self) -> float | None:
        """Seconds the rest should take at the pace so far (None before there is a pace to go by)."""
        if not self.total or self.done <= 0 or self.seconds < 1.0:
            return None
        return self.seconds * max(0.0, self.total - self.done) / self.done

    def _log(self) -> None:
        line = f"vidscan: {self.name}: {self._count()}"
        left = self.left() if self.clock else None
        if left is not None and self.total:
            line += f" ({100 * self.done / self.total:.0f}%, about {clock(left)} left)"
        print(line, file=self.stream, flush=True)

    def finish(self) -> None:
        """Close a stage whose total was an estimate (a container's frame count): the count reached is the
        real total, so the last line says 455/455, not 455/456 as if the work had stopped short."""
        if self.done:
            self.update(self.done, total=self.done)
        self.close()

    def close(self, outcome: str | None = None) -> None:
        """End the stage. With `outcome` (what was done, and why not all of it), the last line is
        "vidscan: <outcome>" and a bar is taken away: a full bar would claim work that was not done.
        Without, the bar is filled to its total, or the log says the count reached."""
        if self.mode == "quiet":
            return
        if outcome is not None:
            if self._bar is not None:
                self._bar.leave = False
                self._bar.close()
            print(f"vidscan: {outcome}", file=self.stream, flush=True)
            self._said.add(outcome)
        elif self._bar is not None:
            if self.total is not None and self._bar.n < self.total:
                self._bar.update(self.total - self._bar.n)
            self._bar.close()
        else:
            note = f" ({self.note})" if self.note else ""
            print(
                f"vidscan: {self.name}: {self._count()}{note} done in {self.seconds:.1f}s",
                file=self.stream,
                flush=True,
            )


class Progress:
    """Factory of stages. mode: 'auto' (bar on a TTY, log lines otherwise), 'bar', 'log' or 'quiet'."""

    def __init__(self, mode: str = "auto", stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "log"
        self.mode = mode
        self._shown: set[str] = set()  # lines printed this run that later ones may point back to

    def stage(self, name: str, total: float | None = None, unit: str = "", clock: bool = False) -> Stage:
        return Stage(name, total, self.mode, self.stream, unit, clock, self._shown)

    def message(self, text: str, again: str | None = None) -> None:
        """Print `text`; once it has been printed this run (the same server down for each video of a
        batch), `again` in its place, a short line that points back to it, or nothing without one."""
        if self.mode == "quiet":
            return
        if text in self._shown:
            if again is None:
                return
            text = again
        else:
            self._shown.add(text)
        if self.mode == "bar":
            from tqdm import tqdm

            tqdm.write(f"vidscan: {text}", file=self.stream)
        else:
            print(f"vidscan: {text}", file=self.stream, flush=True)

    def shown(self, text: str) -> bool:
        """Whether `text` was printed this run, as a message or a stage's last line, or its reason was:
        what follows its first ": " ended such a line (a stage that could not finish says why: "speech:
        not transcribed: <why>", the run's problem "no transcript: <why>")."""
        if text in self._shown:
            return True
        why = text.partition(": ")[2]
        return bool(why) and any(line.endswith(f": {why}") for line in self._shown)


QUIET = Progress("quiet")
