"""Data sets by size for the benchmarks: `benchmarks/data/<lines>/`, generated on first use.

Every benchmark takes `--sizes` (sales lines, comma-separated, such as 1000000,10000000),
measures each size in turn, and prints how each figure grows from the smallest size to the
others: the cost at 10M lines should stay within 11× the cost at 1M (near-linear).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
GROWTH_LIMIT = 11.0
# A valid Fernet key for the benchmark's production-mode app (bank details are sealed with it).
BENCH_ENV = {
    "SECRET_KEY": "benchmark-only",
    "SEALING_KEYS": "YmVuY2htYXJrLW9ubHktc2VhbGluZy1rZXktMzItYnk=",
    "PORTAL_ENV": "production",
}


def sizes_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        default="1000000",
        help="sales lines of each data set to measure, comma-separated (e.g. 1000000,10000000)",
    )


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] <= 0:
        raise SystemExit("--sizes takes positive line counts, such as 1000000,10000000")
    return sizes


def data_for(lines: int) -> Path:
    """The generated data set of `lines` sales lines (generated now if it is missing)."""
    out = DATA / str(lines)
    if not (out / "sales.csv").exists():
        print(f"generating {lines:,} sales lines into {out}", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "generate.py"),
                "--lines",
                str(lines),
                "--out",
                str(out),
            ],
            check=True,
        )
    return out


def growth(figures: dict[int, dict[str, float]], names: dict[str, str]) -> None:
    """Print each figure at every size and its growth from the smallest size."""
    sizes = sorted(figures)
    base = sizes[0]
    print()
    print(f"growth with the data set (target: at most {GROWTH_LIMIT:.0f}x for 10x the lines)")
    header = "".join(f"{size:>14,}" for size in sizes)
    print(f"  {'figure':44}{header}  growth")
    for key, label in names.items():
        values = [figures[size].get(key) for size in sizes]
        if any(v is None for v in values):
            continue
        cells = "".join(f"{v:14.3f}" for v in values)
        ratios = ", ".join(
            f"{values[i] / values[0]:.2f}x at {sizes[i] / base:g}x lines"
            for i in range(1, len(sizes))
            if values[0]
        )
        print(f"  {label:44}{cells}  {ratios}")


def single_size_arguments(parser: argparse.ArgumentParser) -> None:
    """The options a benchmark takes when it measures one size (run by `each_size`)."""
    parser.add_argument("--lines", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--figures", type=Path, help=argparse.SUPPRESS)


def each_size(script: Path, passed: list[str], sizes: list[int]) -> dict[int, dict[str, float]]:
    """Run the benchmark once per size, each in its own process (the portal reads its
    database from the environment when it is imported); returns the figures of each."""
    figures: dict[int, dict[str, float]] = {}
    for lines in sizes:
        data_for(lines)
        out = DATA / f"figures-{script.stem}-{lines}.json"
        print(f"\n===== {script.stem} at {lines:,} sales lines =====", flush=True)
        subprocess.run(
            [sys.executable, str(script), *passed, "--lines", str(lines), "--figures", str(out)],
            check=True,
        )
        figures[lines] = json.loads(out.read_text())
    return figures


def save_figures(path: Path | None, figures: dict[str, float]) -> None:
    if path is not None:
        path.write_text(json.dumps(figures))


def passed_arguments(argv: list[str]) -> list[str]:
    """The command line without --sizes (and its value), for the per-size runs."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--sizes":
            skip = True
        elif not arg.startswith("--sizes="):
            kept.append(arg)
    return kept
