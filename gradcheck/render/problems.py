"""`gradcheck problems`: the problems as a table, or one in full."""
from __future__ import annotations

from rich.padding import Padding
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from .console import make_console


def _variables(info: dict) -> str:
    inputs = ", ".join(f"{v['name']} {v['shape']}" for v in info["variables"])
    stages = ", ".join(f"{s['name']} = {s['formula']}" for s in info["stages"])
    return f"{inputs}; {stages}" if stages else inputs


def render_list(infos: list[dict]) -> None:
    console = make_console()
    table = Table(show_edge=False, header_style="bold", show_lines=True)
    for column in ("problem", "variables and stages", "derivatives", "loss terms"):
        table.add_column(column, overflow="fold")
    for info in infos:
        table.add_row(Text(info["name"], style="bold"), Text(_variables(info)),
                      Text(", ".join(d["name"] for d in info["derivatives"])),
                      Text(", ".join(f"{t['id']} ({t['formula']})" for t in info["terms"])))
    console.print(table)
    console.print(Text("gradcheck problems NAME shows one in full; --layout rows for bce, logreg and mse; "
                       "--activation relu for mlp; --problem path/to/problem.py for your own.", style="dim"))


def render_one(info: dict) -> None:
    console = make_console()
    layout = f" (samples as {info['layout']})" if info.get("layout") else ""
    console.print(Text(f"{info['name']}: {info['title']}{layout}", style="bold"))
    if info.get("description"):
        console.print(Text(info["description"]))
    console.print(Text("\nvariables", style="bold"))
    for v in info["variables"]:
        console.print(Text(f"  {v['name']:6s} {v['shape']:10s} {'data' if v['data'] else 'parameter'}"))
    for s in info["stages"]:
        console.print(Text(f"  {s['name']:6s} {s['shape']:10s} = {s['formula']}"))
    for name, value in info.get("constants", {}).items():
        console.print(Text(f"  {name:6s} {value!r:10} constant"))
    console.print(Text("\nloss", style="bold"))
    console.print(Text(f"  L = {info['loss']}"))
    for t in info["terms"]:
        console.print(Text(f"  term {t['id']}: {t['formula']}"))
    console.print(Text("\nderivatives a submission may define", style="bold"))
    for d in info["derivatives"]:
        console.print(Text(f"  {d['name']:8s} {d['shape']}" + (f"   = {d['formula']}" if d["formula"] else "")))
    if info.get("example"):
        console.print(Text("\na correct submission", style="bold"))
        console.print(Padding(Syntax(info["example"], "python", theme="ansi_dark", background_color="default"), (0, 0, 0, 2)))
