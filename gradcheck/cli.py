"""The command line: parse options, call the API, pick a renderer, choose the exit code.

Exit codes: 0 every derivative passes; 1 any fails or errors; 2 a usage problem
(one line on stderr); 3 an internal error of gradcheck (one line, please report);
4 nothing fails but some elements could not be decided (inconclusive).
"""
from __future__ import annotations

import sys

import click

from .errors import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_INTERNAL, EXIT_PASS, GradcheckError


class _Cli(click.Group):
    """Turns gradcheck's own errors into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GradcheckError as exc:
            click.echo(f"gradcheck: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug in gradcheck: say so in one line, never a traceback
            click.echo(f"gradcheck: internal error: {type(exc).__name__}: {exc} (please report this)", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradcheck")
def cli() -> None:
    """Check hand-derived gradients against finite differences, and say which term is wrong."""


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option("--expr", "exprs", multiple=True, metavar="NAME=EXPRESSION",
              help="A derivative as a numpy expression, e.g. 'dL_dZ=-(1/N)*(Y/Z - (1-Y)/(1-Z))'. Repeatable.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the random trials.")
@click.option("--problem", default="bce", show_default=True,
              help="The loss and model: bce, logreg, mse, softmax, mlp, or a problem .py file (see `gradcheck problems`).")
@click.option("--layout", type=click.Choice(["columns", "rows"]), default=None,
              help="Samples as columns (the default: X is (M, N)) or as rows (X is (N, M)).")
@click.option("--activation", default=None, help="The hidden activation of --problem mlp: tanh (default) or relu.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds allowed for loading FILE.py and for each call of its functions.")
@click.option("--mode", type=click.Choice(["full", "directional", "sampled", "auto"]), default="full", show_default=True,
              help="full: every element; directional: random directions + group testing (large gradients); "
                   "sampled: random coordinates; auto: directional above 512 coordinates.")
@click.option("--dims", default=None, metavar="M=100000,N=50",
              help="Check on one trial of these dimensions instead of the standard trials.")
@click.option("--method", type=click.Choice(["richardson", "central", "complex"]), default="richardson",
              show_default=True, help="Finite differences: Richardson-extrapolated (O(h⁴)), plain central (O(h²)), "
                                      "or the complex step (machine precision where the problem is complex-safe).")
@click.option("--sandbox/--no-sandbox", default=True, show_default=True,
              help="Run FILE.py in a contained child process; --no-sandbox runs trusted code in-process.")
@click.option("--memory", default="2G", show_default=True, callback=lambda c, p, v: parse_memory(v),
              help="Address-space limit of a sandboxed submission (e.g. 512M, 2G).")
@click.option("--fix-budget", default=2.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to search for a suggested fix, per wrong derivative (0: no search).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(
    file: str | None,
    exprs: tuple[str, ...],
    seed: int,
    problem: str,
    layout: str | None,
    activation: str | None,
    timeout: float,
    mode: str,
    dims: str | None,
    method: str,
    sandbox: bool,
    memory: int,
    fix_budget: float,
    fmt: str,
) -> None:
    """Check the derivatives in FILE.py and/or given with --expr.

    FILE.py defines any of dL_dW, dL_dV, dL_dZ, dZ_dV, dV_dW; each takes any of
    W, X, Y, V, Z, N, M by name.
    """
    pool = None
    if sandbox and file is not None:  # start the worker now: its start-up overlaps our imports
        from .submission.pool import SandboxPool

        pool = SandboxPool(jobs=1, memory=memory, timeout=timeout)
    try:
        from .checker import check as run_check

        report = run_check(file, exprs, seed=seed, problem=problem, timeout=timeout, fix_budget=fix_budget,
                           sandbox=sandbox, memory=memory, pool=pool, layout=layout, activation=activation,
                           method=method, mode=mode, dims=parse_dims(dims))
    finally:
        if pool is not None:
            pool.close()
    if fmt == "json":
        from .render.json_report import render

        click.echo(render(report))  # ensure_ascii=False, but click.echo never fails on encoding
    else:
        from .render.console import make_console, render

        render(report, make_console())
    sys.exit(EXIT_PASS if report.passed else EXIT_INCONCLUSIVE if report.verdict == "inconclusive" else EXIT_FAIL)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option("--entry", default=None, help="Entry file inside each sub-folder submission (default: its only .py file, else submission.py).")
@click.option("--problem", default="bce", show_default=True, help="As for check.")
@click.option("--layout", type=click.Choice(["columns", "rows"]), default=None,
              help="Samples as columns (the default: X is (M, N)) or as rows (X is (N, M)).")
@click.option("--activation", default=None, help="The hidden activation of --problem mlp: tanh (default) or relu.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--jobs", "-j", default=None, type=click.IntRange(min=1), help="Parallel workers (default: the number of cores).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds per submission (loading and every call).")
@click.option("--memory", default="2G", show_default=True, callback=lambda c, p, v: parse_memory(v),
              help="Address-space limit per submission.")
@click.option("--sandbox/--no-sandbox", default=True, show_default=True, help="--no-sandbox: trusted code, in-process.")
@click.option("--fix-budget", default=0.5, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to search a fix per wrong derivative.")
@click.option("--weight", "weights", multiple=True, metavar="NAME=W", help="Weight of a derivative in the score (default 1).")
@click.option("--require", default="", metavar="NAMES", help="Comma-separated derivatives a submission must define.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="JSON lines results, written as they come.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="JUnit XML for CI test reporters.")
@click.option("--gradescope", "gradescope_path", type=click.Path(dir_okay=False),
              help="Gradescope results.json (one submission; a folder PATH is that one submission).")
@click.option("--github", is_flag=True, help="GitHub Actions annotations and a step summary.")
@click.option("--resume", is_flag=True, help="Skip submissions already in the --json file.")
def grade(paths, entry, problem, layout, activation, seed, jobs, timeout, memory, sandbox, fix_budget, weights, require, json_path,
          junit_path, gradescope_path, github, resume) -> None:
    """Grade every submission in PATHS (files, or folders of submissions) and write CI reports."""
    from .grading.cli_grade import run_grade

    code = run_grade(
        paths=paths, entry=entry, problem=problem, layout=layout, activation=activation, seed=seed, jobs=jobs, timeout=timeout, memory=memory,
        sandbox=sandbox, fix_budget=fix_budget, weights=weights, require=require, json_path=json_path,
        junit_path=junit_path, gradescope_path=gradescope_path, github=github, resume=resume,
    )
    sys.exit(code)


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option("--expr", "exprs", multiple=True, metavar="NAME=EXPRESSION", help="As for check.")
@click.option("--problem", default="bce", show_default=True)
@click.option("--layout", type=click.Choice(["columns", "rows"]), default=None)
@click.option("--activation", default=None)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--trial", default=None, help="The trial to sweep on (default: the first).")
@click.option("--sandbox/--no-sandbox", default=True, show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Also draw the curves to FILE.png (needs matplotlib).")
def sweep(file, exprs, problem, layout, activation, seed, trial, sandbox, plot_path) -> None:
    """Show, per derivative, the error against central differences as the step goes from 1e-1 to 1e-12."""
    from . import problems as registry
    from .checker import load_submission
    from .render import sweep as render_sweep
    from .sweep import sweep as run_sweep

    prob = registry.get(problem, layout=layout, activation=activation)
    pool = None
    if sandbox and file is not None:
        from .submission.pool import SandboxPool

        pool = SandboxPool(jobs=1)
    try:
        submission = load_submission(prob, file, exprs, pool=pool)
        try:
            curves = run_sweep(prob, submission, seed=seed, trial_name=trial)
        finally:
            base = getattr(submission, "_base", None) or submission
            if hasattr(base, "close"):
                base.close()
    finally:
        if pool is not None:
            pool.close()
    render_sweep.render(curves)
    if plot_path:
        render_sweep.plot(curves, plot_path)
    sys.exit(EXIT_PASS)


@cli.command()
@click.argument("name", required=False)
@click.option("--layout", type=click.Choice(["columns", "rows"]), default=None)
@click.option("--activation", default=None)
def problems(name: str | None, layout: str | None, activation: str | None) -> None:
    """List the problems, or show problem NAME in full with a correct example submission."""
    from .problems import get, names
    from .render.problems import render_list, render_one

    if name is None:
        render_list([get(n).describe() for n in names()])
    else:
        render_one(get(name, layout=layout, activation=activation).describe())


def parse_dims(text: str | None) -> dict[str, int] | None:
    """'M=100000,N=50' → {"M": 100000, "N": 50}."""
    if not text:
        return None
    dims = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if not name.strip().isidentifier() or not value.strip().isdigit() or int(value) < 1:
            raise click.BadParameter(f"{text!r}: expected NAME=SIZE,... with positive sizes, e.g. M=100000,N=50")
        dims[name.strip()] = int(value)
    return dims


def parse_memory(text: str) -> int:
    """'2G', '512M', '1.5GiB' or a number of bytes → bytes."""
    units = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    cleaned = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (cleaned[:-1], cleaned[-1]) if cleaned[-1:] in units and cleaned[-1:] else (cleaned, "")
    try:
        value = float(number) * units[unit]
    except (ValueError, KeyError):
        raise click.BadParameter(f"{text!r} is not a size like 512M or 2G") from None
    if value < 64 * 1024**2:
        raise click.BadParameter(f"{text!r} is too small: a numpy import alone needs about 200M")
    return int(value)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="gradcheck")
