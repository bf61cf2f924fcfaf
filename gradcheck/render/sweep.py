"""The step-size sweep as a terminal chart (rich), and optionally a matplotlib figure."""
from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text

from ..errors import GradcheckError
from .console import make_console

WIDTH = 40  # characters for 1e-16 .. 1e+0


def _bar(error: float | None) -> Text:
    if error is None:
        return Text("not comparable", style="dim")
    exponent = math.log10(max(error, 1e-16))
    filled = round((exponent + 16) / 16 * WIDTH)
    style = "green" if error < 1e-7 else "yellow" if error < 1e-3 else "red"
    return Text("█" * max(filled, 1), style=style)


def render(curves, console=None) -> None:
    console = console or make_console()
    console.print(Text("step sweep: max |yours − central difference(h)| / scale, on trial "
                       f"'{curves[0].trial if curves else ''}'", style="bold"))
    console.print(Text("a correct derivative draws a V touching ~1e-10 (truncation ∝ h², round-off ∝ ε/h); "
                       "a wrong one stays high at every step", style="dim"))
    for curve in curves:
        console.print()
        floor = curve.floor
        verdict = ("no curve: " + curve.problem) if curve.problem else (
            f"floor {floor:.1e}: " + ("looks right (noise only)" if floor < 1e-7 else "a plateau: not noise, a bug"))
        console.print(Text(f"{curve.title} ({curve.name})  {verdict}", style="bold"))
        if curve.problem:
            continue
        table = Table(box=None, show_header=False, padding=(0, 1))
        for h, error in zip(curve.steps, curve.errors):
            table.add_row(f"  h={h:.0e}", "—" if error is None else f"{error:.1e}", _bar(error))
        console.print(table)


def plot(curves, path: str) -> None:
    """A log-log figure of the curves; matplotlib is an optional extra."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise GradcheckError("--plot needs matplotlib: pip install 'gradcheck[plot]'") from None
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for curve in curves:
        points = [(h, e if e > 0 else 1e-17) for h, e in zip(curve.steps, curve.errors) if e is not None]
        if points:
            axes.loglog(*zip(*points), marker="o", label=f"{curve.title}")
    axes.set_xlabel("relative step h")
    axes.set_ylabel("max |yours − D(h)| / scale")
    axes.invert_xaxis()
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
