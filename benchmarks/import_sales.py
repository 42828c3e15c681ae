"""Sales import vs a plain COPY of the same file, on PostgreSQL, in one run.

Creates (or re-creates) the `bench` database, migrates it with `portal db upgrade`, loads the
reference data with the real importers, then times `portal import sales` of the generated file
as a subprocess (wall time and its peak RSS) and a bare `COPY` of the same file into a table
without indexes, and prints both with their ratio. Re-importing the same file (every line
unchanged) is timed too, and then half as many new lines again (every second line under
other external ids) into the table the first import filled, against a COPY of that file.

    python benchmarks/import_sales.py                           # 1M lines (generated on first use)
    python benchmarks/import_sales.py --sizes 1000000,10000000  # both sizes, and the growth
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import sizes

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ("territories", "categories", "products", "partners", "fx")
TARGET_RATIO = 5.0
TARGET_AGAIN = 2.0
TARGET_RSS_MB = 300
BARE_TABLE = """
CREATE TABLE bare_sales (
    external_id text, partner_code text, sku text, sold_on date,
    quantity numeric, amount numeric, currency text, deal_ref text
)"""
# Run the console script with INFO logging on, so the importer's phase timings are printed.
PORTAL = (
    "import logging, sys; logging.basicConfig(level=logging.INFO, format='    %(message)s');"
    "from portal.cli import cli; sys.argv[0] = 'portal'; cli()"
)


def recreate_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def portal(env: dict[str, str], *args: str) -> tuple[float, int]:
    """Run `portal ARGS`; returns (wall seconds, peak RSS in MB) of that process alone."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", PORTAL, *args], env=env, cwd=ROOT)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"portal {' '.join(args)} failed with exit code {process.returncode}")
    return elapsed, usage.ru_maxrss // 1024  # ru_maxrss is in KiB on Linux


def next_file(sales: Path) -> Path:
    """Every second line of the file under other external ids: half as many new lines again,
    imported into the table the first import filled. That is the steady state of a growing
    table: a load smaller than the table inserts into its indexes as they are."""
    following = sales.with_name("sales_half.csv")
    if not following.exists() or following.stat().st_mtime < sales.stat().st_mtime:
        with sales.open("rb") as source, following.open("wb") as target:
            target.write(source.readline())
            for number, line in enumerate(source):
                if number % 2 == 0:
                    target.write(b"N" + line)
    return following


def copy_baseline(dsn: str, path: Path) -> float:
    """Seconds to COPY the CSV into a table with no index, committed."""
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS bare_sales")
        conn.execute(BARE_TABLE)
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY bare_sales FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as handle,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bare_sales")
        conn.commit()
    return elapsed


ANATOMY = (
    ("heap only (no index, no constraint)", ""),
    ("+ primary key", "ALTER TABLE anatomy ADD PRIMARY KEY (id)"),
    ("+ unique external_id", "CREATE UNIQUE INDEX ON anatomy (external_id)"),
    (
        "+ indexes on partner_id, sold_on, deal_ref (where set) (= sale_lines)",
        "CREATE INDEX ON anatomy (partner_id); CREATE INDEX ON anatomy (sold_on);"
        "CREATE INDEX ON anatomy (deal_ref) WHERE deal_ref IS NOT NULL",
    ),
    ("+ an index on product_id (dropped in 0024)", "CREATE INDEX ON anatomy (product_id)"),
    (
        "+ foreign keys to partners and products (dropped in 0024)",
        "ALTER TABLE anatomy ADD FOREIGN KEY (partner_id) REFERENCES partners (id);"
        "ALTER TABLE anatomy ADD FOREIGN KEY (product_id) REFERENCES products (id)",
    ),
)
COPY_LINES = """
CREATE TEMP TABLE source AS SELECT external_id, partner_id, product_id, sold_on, quantity, amount,
    currency, deal_ref, import_batch_id FROM sale_lines"""
INSERT_LINES = """
INSERT INTO anatomy (external_id, partner_id, product_id, sold_on, quantity, amount, currency,
    deal_ref, import_batch_id) SELECT * FROM source"""


def anatomy(dsn: str) -> None:
    """Time inserting the imported lines again into copies of sale_lines that gain, step by
    step, the indexes and constraints of the real table: what the merge's time is made of."""
    with psycopg.connect(dsn) as conn:
        conn.execute(COPY_LINES)
        conn.execute("CREATE TABLE anatomy (LIKE sale_lines INCLUDING DEFAULTS)")
        conn.commit()
        for label, ddl in ANATOMY:
            for statement in filter(None, ddl.split(";")):
                conn.execute(statement)
            conn.commit()
            started = time.perf_counter()
            conn.execute(INSERT_LINES)
            conn.commit()
            print(f"  {time.perf_counter() - started:6.2f} s  {label}")
            conn.execute("TRUNCATE anatomy")
            conn.commit()
        conn.execute("DROP TABLE anatomy")
        conn.commit()


def machine() -> str:
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return f"{os.cpu_count()} CPUs, {memory_kb / 1024 / 1024:.1f} GiB RAM, {platform.platform()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench")
    parser.add_argument(
        "--anatomy", action="store_true", help="also time inserts into stripped-down sale_lines"
    )
    sizes.sizes_argument(parser)
    sizes.single_size_arguments(parser)
    args = parser.parse_args()
    if args.lines is None:
        chosen = sizes.parse_sizes(args.sizes)
        figures = sizes.each_size(Path(__file__), sizes.passed_arguments(sys.argv[1:]), chosen)
        print()
        for lines in chosen:
            f = figures[lines]
            print(
                f"{lines:>12,} lines: import / COPY {f['import'] / f['copy']:5.1f}x "
                f"(target <= {TARGET_RATIO:.0f}x), same file again / COPY "
                f"{f['again'] / f['copy']:5.1f}x (target <= {TARGET_AGAIN:.0f}x), "
                f"half as many new lines again / its COPY {f['next'] / f['copy_half']:5.1f}x, "
                f"peak RSS {f['rss']:.0f} MB (target < {TARGET_RSS_MB} MB)"
            )
        sizes.growth(
            figures,
            {
                "import": "portal import sales, new lines (s)",
                "again": "portal import sales, same file again (s)",
                "next": "portal import sales, half as many new lines again (s)",
                "copy": "COPY into a bare table (s)",
                "rss": "peak RSS of the import (MB)",
            },
        )
        return
    measure(args, sizes.data_for(args.lines))


def measure(args, data: Path) -> None:
    sales = data / "sales.csv"
    dsn = f"{args.server}/{args.database}"
    env = dict(
        os.environ,
        DATABASE_URL=dsn.replace("postgresql://", "postgresql+psycopg://", 1),
        **sizes.BENCH_ENV,
    )
    recreate_database(args.server, args.database)
    # An installed portal runs from compiled bytecode (pip compiles on install); compile the
    # source tree once, so start-up is timed as deployed whatever PYTHONDONTWRITEBYTECODE says.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "portal", "workflows"], cwd=ROOT, check=True
    )
    portal(env, "db", "upgrade")
    with psycopg.connect(dsn) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]
    print(f"machine: {machine()}; PostgreSQL {server_version}")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for kind in REFERENCE:
        seconds, _rss = portal(env, "import", kind, str(data / f"{kind}.csv"))
        print(f"reference {kind:12} {seconds:6.2f} s")

    lines = sum(1 for _ in sales.open("rb")) - 1
    imported, rss = portal(env, "import", "sales", str(sales))
    reimported, rss_again = portal(env, "import", "sales", str(sales))
    following = next_file(sales)
    added, rss_added = portal(env, "import", "sales", str(following))
    copied_half = copy_baseline(dsn, following)
    copied = copy_baseline(dsn, sales)
    print(f"sales file: {lines:,} lines, {sales.stat().st_size / 1e6:.1f} MB")
    print(f"portal import sales:         {imported:6.2f} s  peak RSS {rss} MB")
    print(f"portal import sales (again): {reimported:6.2f} s  peak RSS {rss_again} MB")
    print(f"portal import sales (half):  {added:6.2f} s  peak RSS {rss_added} MB")
    print(f"COPY into a bare table:      {copied:6.2f} s")
    print(
        f"ratio import / COPY:         {imported / copied:6.1f}x  (target <= {TARGET_RATIO:.0f}x)"
    )
    print(
        f"ratio again / COPY:          {reimported / copied:6.1f}x  (target <= {TARGET_AGAIN:.0f}x)"
    )
    print(f"COPY of the half file:       {copied_half:6.2f} s")
    print(f"ratio half / its COPY:       {added / copied_half:6.1f}x  (half as many lines again)")
    rss = max(rss, rss_again, rss_added)
    print(f"peak RSS:                    {rss} MB (target < {TARGET_RSS_MB} MB)")
    print("load average at end:   {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    sizes.save_figures(
        args.figures,
        {
            "import": imported,
            "again": reimported,
            "next": added,
            "copy": copied,
            "copy_half": copied_half,
            "rss": rss,
        },
    )
    if args.anatomy:
        print(f"inserting the same {lines:,} validated lines into a copy of sale_lines with:")
        anatomy(dsn)


if __name__ == "__main__":
    main()
