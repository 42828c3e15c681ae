"""A settlement run executed by RQ workers vs a bare GROUP BY over the same table, on PostgreSQL.

Loads the generated data set (5,000 partners in 500 groups, a 4-level territory tree, 500 SKUs,
1,000,000 sales lines over 2026-Q3 in five currencies) into its own database with COPY, then in
one run times, on the same machine and data:

  * the bare aggregate `SELECT partner_id, SUM(amount) FROM sale_lines GROUP BY partner_id`;
  * a settlement run of a retroactive rebate (payee partner_group, eligible: the EMEA territory
    subtree and the HW category subtree), from start_run to the row saying done, executed by
    1 and then 2 `portal worker` processes against a private Redis started for the benchmark,
    with the shards the configuration sizes (`--shards` forces a count);
  * the same run split into `--split-shards` line-range shards (default 4), with 1 and 2
    workers: how a second worker shares a run of several shards.

They are timed in interleaved rounds (bare, then each run with 1 and 2 workers; three times),
so that whatever else the machine does during the run weighs on all of them alike. It prints
the medians, the ratios and the targets (run <= 3x the bare aggregate; with several shards, 2
workers faster than 1), and checks every configuration wrote identical result lines.

Before those warmed-up runs it times what a user meets right after an import: in a second
database (`bench_calc_import`) holding only the reference data, one warmed-up worker, then
`portal import sales` of the whole file and the first settlement runs straight after it, no
manual ANALYZE; once with the importer as shipped and once with its statistics refresh switched
off (`ANALYZE_AFTER_ROWS` out of reach), as imports were before.

    python benchmarks/calc_run.py                      # 1M lines; --reload rebuilds its database;
                                                       # --no-first-run skips the import part
    python benchmarks/calc_run.py --sizes 1000000,10000000 --no-first-run   # and the sizes.growth
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import sizes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_RATIO = 3.0
ROUNDS = 3  # bare, 1 worker, 2 workers, interleaved: drift during the run hits all three alike
REPEATS = 5  # timed runs of each per round
POLL = 0.005  # seconds between looks at the run row
PROGRAM = """
code: BENCH-EMEA-HW
name: EMEA hardware group rebate (benchmark)
kind: rebate
currency: USD
period: 2026-Q3
eligible: {territories: [EMEA], categories: [HW]}
measure: revenue
payee: partner_group
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}, {from: 100000, rate: 0.02},
                                   {from: 250000, rate: 0.035}]}
"""
BARE = "SELECT partner_id, SUM(amount) FROM sale_lines GROUP BY partner_id"
REFERENCE_TABLES = (
    "territories",
    "categories",
    "products",
    "partners",
    "partner_territories",
    "partner_tiers",
    "fx_rates",
)


def scaled(text: str, places: int = 4) -> int:
    return int(Decimal(text).scaleb(places))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis() -> tuple[subprocess.Popen, str]:
    """A private, throw-away Redis, so no test session or other benchmark shares its queues."""
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    return process, f"redis://127.0.0.1:{port}/0"


def load_database(
    server: str, name: str, data: Path, env: dict[str, str], *, sales: bool = True
) -> None:
    """Recreate the database, migrate it, and COPY the generated CSV files in (without the
    sales lines when `sales` is false: the first-run benchmark imports them for real)."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "-m", "portal.cli", "db", "upgrade"], env=env, check=True)
    from portal.models.trees import compute_paths

    def rows(kind: str):
        with (data / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)

    with psycopg.connect(f"{server}/{name}") as conn:

        def tree(table: str, nodes: list[dict], extra=lambda node: {}) -> dict[str, int]:
            ids = {node["code"]: index for index, node in enumerate(nodes, start=1)}
            parents = {ids[n["code"]]: ids.get(n["parent_code"]) for n in nodes}
            paths = compute_paths(parents)
            for node in nodes:
                own = ids[node["code"]]
                path, depth = paths[own]
                values = {
                    "id": own,
                    "code": node["code"],
                    "name": node["name"],
                    "parent_id": parents[own],
                    "path": path,
                    "depth": depth,
                    "root_id": int(path.split("/")[1]),
                    **extra(node),
                }
                columns = ", ".join(values)
                marks = ", ".join(["%s"] * len(values))
                insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
                conn.execute(insert, list(values.values()))
            conn.execute(f"SELECT setval('{table}_id_seq', {len(nodes)})")
            return ids

        territories = tree("territories", list(rows("territories")))
        categories = tree("categories", list(rows("categories")))
        products = {}
        for index, product in enumerate(rows("products"), start=1):
            conn.execute(
                "INSERT INTO products (id, sku, name, category_id) VALUES (%s, %s, %s, %s)",
                (index, product["sku"], product["name"], categories[product["category_code"]]),
            )
            products[product["sku"]] = index
        partner_rows = list(rows("partners"))
        partners = tree(
            "partners",
            partner_rows,
            lambda p: {"country": p["country"], "currency": p["currency"], "created_at": "now()"},
        )
        with conn.cursor().copy(
            "COPY partner_territories (partner_id, territory_id, valid_from) FROM STDIN"
        ) as copy:
            for p in partner_rows:
                copy.write_row(
                    (partners[p["code"]], territories[p["territory_code"]], "1970-01-01")
                )
        with conn.cursor().copy(
            "COPY partner_tiers (partner_id, tier, valid_from) FROM STDIN"
        ) as copy:
            for p in partner_rows:
                copy.write_row((partners[p["code"]], p["tier"], "1970-01-01"))
        with conn.cursor().copy("COPY fx_rates (currency, rate, valid_from) FROM STDIN") as copy:
            for fx in rows("fx"):
                copy.write_row((fx["currency"], scaled(fx["rate"], 10), fx["valid_from"]))
        conn.execute(
            "UPDATE fx_rates f SET valid_to = (SELECT min(n.valid_from) FROM fx_rates n"
            " WHERE n.currency = f.currency AND n.valid_from > f.valid_from)"
        )
        columns = (
            "external_id, partner_id, product_id, sold_on, quantity, amount, currency, deal_ref"
        )
        with conn.cursor().copy(f"COPY sale_lines ({columns}) FROM STDIN") as copy:
            for line in rows("sales") if sales else ():
                copy.write_row(
                    (
                        line["external_id"],
                        partners[line["partner_code"]],
                        products[line["sku"]],
                        line["sold_on"],
                        scaled(line["quantity"]),
                        scaled(line["amount"]),
                        line["currency"],
                        line["deal_ref"] or None,
                    )
                )
    with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
        if sales:
            conn.execute("VACUUM ANALYZE")
        else:
            # As on a fresh install, sale_lines has never been analyzed. (Analyzed while empty,
            # the planner would take it for a table that stays empty, and the import's merge
            # would scan it once per new line.)
            for table in REFERENCE_TABLES:
                conn.execute(f"VACUUM ANALYZE {table}")


def machine(dsn: str) -> str:
    memory = next(
        int(line.split()[1]) // 1024 // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with psycopg.connect(dsn) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    python = platform.python_version()
    return f"{os.cpu_count()} CPUs ({cpu}), {memory} GiB RAM, PostgreSQL {version}, Python {python}"


def time_bare(dsn: str) -> list[float]:
    timings = []
    with psycopg.connect(dsn) as conn:
        for _ in range(REPEATS + 1):
            started = time.perf_counter()
            conn.execute(BARE).fetchall()
            timings.append(time.perf_counter() - started)
    return timings[1:]  # the first one warms the cache


def time_query(program, period) -> list[float]:
    """The shard's one GROUP BY and the tier math, without RQ: where the run's time goes."""
    from flask import current_app

    from portal.extensions import db
    from workflows.calc.compute import compute_shard
    from workflows.calc.loaders import make_scope
    from workflows.calc.runs import version_of
    from workflows.engine import spec_from_dict

    spec = spec_from_dict(version_of(program).spec)
    timings = []
    for _ in range(REPEATS + 1):
        started = time.perf_counter()
        scope = make_scope(db.session, spec, period, base_currency="USD")
        compute_shard(db.session, scope, work_mem=current_app.config["CALC_WORK_MEM"])
        timings.append(time.perf_counter() - started)
        db.session.rollback()
    return timings[1:]


def spawn_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen]:
    from rq import Worker

    from portal.foundation.redis_conn import get_redis

    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while len(Worker.all(connection=get_redis())) < count:
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start")
        time.sleep(0.1)
    return workers


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a periodic job it started is still running
            process.kill()
            process.wait()


def timed_run(program, period, shards: int | None = None) -> tuple[float, int]:
    """Seconds from start_run to the run row saying done (created, queued, computed, fanned in)."""
    from sqlalchemy import text

    from portal.actors import SYSTEM
    from portal.extensions import db
    from workflows import enqueue
    from workflows.calc import runs

    started = time.perf_counter()
    run = runs.start_run(program, period, kind="settlement", actor=SYSTEM, shards=shards)
    run_id, shards = run.id, run.shards_total
    db.session.commit()
    enqueue.calc_run(run_id, shards)
    poll = text("SELECT status, error FROM calc_runs WHERE id = :id")
    while True:
        status, error = db.session.execute(poll, {"id": run_id}).one()
        db.session.rollback()
        if status == "done":
            return time.perf_counter() - started, run_id
        if status == "failed":
            raise SystemExit(f"run {run_id} failed: {error}")
        time.sleep(POLL)


def breakdown(run_id: int) -> str:
    """Where the time went: created → each shard's start and end → done, in milliseconds."""
    from sqlalchemy import text

    from portal.extensions import db

    created, finished = db.session.execute(
        text("SELECT created_at, finished_at FROM calc_runs WHERE id = :id"), {"id": run_id}
    ).one()
    shards = db.session.execute(
        text(
            "SELECT shard, started_at, finished_at FROM calc_shards WHERE run_id = :id"
            " ORDER BY started_at"
        ),
        {"id": run_id},
    ).all()
    db.session.rollback()

    def ms(moment) -> int:
        return round((moment - created).total_seconds() * 1000)

    parts = [f"shard {n} {ms(start)}–{ms(end)} ms" for n, start, end in shards]
    return "; ".join([*parts, f"done at {ms(finished)} ms"])


def result_lines(run_id: int) -> list[tuple]:
    from sqlalchemy import text

    from portal.extensions import db

    stmt = text(
        "SELECT payee_id, measure, band_from, rate, raw_amount, amount, explanation::text"
        " FROM calc_results WHERE run_id = :id ORDER BY payee_id"
    )
    rows = db.session.execute(stmt, {"id": run_id}).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


FIRST_RUN_DATABASE = "bench_calc_import"
NEVER = str(10**12)  # ANALYZE_AFTER_ROWS out of reach: the import refreshes no statistics
PRIOR_LINES = 1000
# The first run after an import, timed from two starting points of the import without its
# statistics refresh (what imports did before) — sale_lines never analyzed (a fresh install),
# and analyzed while it held only last quarter's few lines (as autovacuum leaves it after an
# earlier small import) — and from the second one with the importer as shipped (the tables it
# wrote ANALYZEd at commit; it ends the same from either start).
IMPORT_VARIANTS = (
    ("fresh table, import without ANALYZE (before)", False, NEVER),
    ("analyzed with last quarter, import without ANALYZE (before)", True, NEVER),
    ("analyzed with last quarter, import as shipped", True, None),
)


def prior_quarter_file(data: Path, out: Path) -> Path:
    """The first PRIOR_LINES lines of the sales file, moved back one quarter (2026-Q2)."""
    from datetime import timedelta

    path = out / "sales-prior-quarter.csv"
    with (data / "sales.csv").open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        with path.open("w", encoding="utf-8", newline="") as target:
            writer = csv.DictWriter(target, reader.fieldnames, lineterminator="\n")
            writer.writeheader()
            for _, line in zip(range(PRIOR_LINES), reader, strict=False):
                sold_on = date.fromisoformat(line["sold_on"]) - timedelta(days=92)
                line.update(external_id="Q2-" + line["external_id"], sold_on=sold_on.isoformat())
                writer.writerow(line)
    return path


def import_sales(env: dict[str, str], path: Path) -> float:
    """`portal import sales FILE` as a subprocess: wall seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "portal.cli", "import", "sales", str(path)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def first_runs(server: str, data: Path, env: dict[str, str]) -> list[tuple[str, float, list]]:
    """For each variant: a fresh database with the reference data, one worker started and warmed
    up, `portal import sales` of the whole file, then the first settlement runs right after it
    (no manual ANALYZE): what a user who starts a run after an import waits for."""
    from sqlalchemy import select

    from portal import create_app
    from portal.actors import SYSTEM
    from portal.config import config_for
    from portal.extensions import db
    from portal.models import Program
    from portal.programs.services import save_program
    from workflows.engine import parse_period

    url = f"{server}/{FIRST_RUN_DATABASE}".replace("postgresql://", "postgresql+psycopg://", 1)

    class FirstRunConfig(config_for("development")):
        SQLALCHEMY_DATABASE_URI = url

    period = parse_period("2026-Q3")
    measured = []
    for label, prior, analyze_after in IMPORT_VARIANTS:
        base_env = dict(env, DATABASE_URL=url)
        load_database(server, FIRST_RUN_DATABASE, data, base_env, sales=False)
        if prior:
            import_sales(dict(base_env, ANALYZE_AFTER_ROWS=NEVER), prior_quarter_file(data, data))
            with psycopg.connect(f"{server}/{FIRST_RUN_DATABASE}", autocommit=True) as conn:
                conn.execute("ANALYZE sale_lines")
        app = create_app(FirstRunConfig)
        with app.app_context():
            save_program(PROGRAM, actor=SYSTEM)
            db.session.commit()
            program = db.session.scalar(select(Program).where(Program.code == "BENCH-EMEA-HW"))
            workers = spawn_workers(1, base_env)
            try:
                for _ in range(3):  # the worker is warm, as a long-running one is
                    timed_run(program, period)
                import_env = dict(base_env)
                if analyze_after is not None:
                    import_env["ANALYZE_AFTER_ROWS"] = analyze_after
                imported = import_sales(import_env, data / "sales.csv")
                runs_after = [timed_run(program, period)[0] for _ in range(3)]
            finally:
                stop(workers)
                db.session.remove()
                db.engine.dispose()
        print(
            f"{label}: import {imported:.1f} s; settlement runs right after it: "
            f"first {runs_after[0]:.3f} s, then {_list(runs_after[1:])}"
        )
        measured.append((label, imported, runs_after))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench_calc", help="suffixed with the size")
    parser.add_argument("--reload", action="store_true", help="rebuild the database first")
    parser.add_argument("--shards", type=int, help="shards per run (default: sized by config)")
    parser.add_argument(
        "--split-shards",
        type=int,
        default=4,
        help="line-range shards of the run timed to show how workers share it (default 4)",
    )
    parser.add_argument(
        "--no-first-run",
        action="store_true",
        help="skip timing the first runs right after a fresh `portal import sales`",
    )
    sizes.sizes_argument(parser)
    sizes.single_size_arguments(parser)
    args = parser.parse_args()
    if args.lines is None:
        figures = sizes.each_size(
            Path(__file__), sizes.passed_arguments(sys.argv[1:]), sizes.parse_sizes(args.sizes)
        )
        print()
        for lines, f in sorted(figures.items()):
            print(
                f"{lines:>12,} lines: run / bare {f['run_1'] / f['bare']:.2f}x with 1 worker, "
                f"{f['run_2'] / f['bare']:.2f}x with 2 over {f['shards']:.0f} shard(s) "
                f"(target <= {TARGET_RATIO:.0f}x); {f['split_shards']:.0f} line-range shards: "
                f"2 workers / 1 worker {f['split_2'] / f['split_1']:.2f} (target < 1)"
            )
        sizes.growth(
            figures,
            {
                "bare": "bare GROUP BY (s)",
                "run_1": "settlement run, 1 worker (s)",
                "run_2": "settlement run, 2 workers (s)",
                "split_1": "line-range shards, 1 worker (s)",
                "split_2": "line-range shards, 2 workers (s)",
            },
        )
        return
    args.data = sizes.data_for(args.lines)
    args.database = f"{args.database}_{args.lines}"
    dsn = f"{args.server}/{args.database}"
    redis_server, redis_url = start_redis()
    env = dict(
        os.environ,
        PORTAL_ENV="development",
        DATABASE_URL=dsn.replace("postgresql://", "postgresql+psycopg://", 1),
        REDIS_URL=redis_url,
    )
    os.environ.update(env)  # the portal reads its configuration when it is imported
    try:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (args.database,)
            ).fetchone()
        if args.reload or not exists:
            started = time.perf_counter()
            load_database(args.server, args.database, args.data, env)
            print(
                f"loaded {args.data} into {args.database} in {time.perf_counter() - started:.1f} s"
            )
        else:  # a database kept from an earlier run gets the migrations added since
            subprocess.run(
                [sys.executable, "-m", "portal.cli", "db", "upgrade"], env=env, check=True
            )
        first = [] if args.no_first_run else first_runs(args.server, args.data, env)
        figures = report(dsn, env, args.shards, args.split_shards, first)
        sizes.save_figures(args.figures, figures)
    finally:
        redis_server.terminate()
        redis_server.wait(timeout=10)


def report(
    dsn: str, env: dict[str, str], shards: int | None, split: int, first: list
) -> dict[str, float]:
    from sqlalchemy import select

    from portal import create_app
    from portal.actors import SYSTEM
    from portal.extensions import db
    from portal.models import Program
    from portal.programs.services import save_program
    from workflows.engine import parse_period

    app = create_app("development")
    with app.app_context():
        save_program(PROGRAM, actor=SYSTEM)
        db.session.commit()
        program = db.session.scalar(select(Program).where(Program.code == "BENCH-EMEA-HW"))
        lines = db.session.execute(db.text("SELECT count(*) FROM sale_lines")).scalar()
        db.session.rollback()
        period = parse_period("2026-Q3")
        print(f"machine: {machine(dsn)}")
        print(f"data: {lines:,} sales lines; program {program.code} settlement for {period.label}")
        query = time_query(program, period)
        print(f"the run's GROUP BY alone, in process: median {statistics.median(query):.3f} s")
        configs = {"run": shards, "split": split}
        timings: dict = {"bare": []}
        last_runs: dict = {}
        for _ in range(ROUNDS):
            timings["bare"] += time_bare(dsn)
            for name, count in itertools.product(configs, (1, 2)):
                runs_timed, last_runs[name, count] = time_workers(
                    count, program, period, configs[name], env
                )
                timings.setdefault((name, count), []).extend(runs_timed)
        bare = statistics.median(timings["bare"])
        print(f"bare GROUP BY: median {bare:.3f} s  (runs {_list(timings['bare'])})")
        medians = {key: statistics.median(timings[key]) for key in last_runs}
        used = {}
        for name, count in last_runs:
            used[name] = db.session.execute(
                db.text("SELECT shards_total, payee_count FROM calc_runs WHERE id = :id"),
                {"id": last_runs[name, count]},
            ).one()
            db.session.rollback()
            print(
                f"settlement run, {used[name][0]} shard(s), {count} worker(s): median "
                f"{medians[name, count]:.3f} s (runs {_list(timings[name, count])}; "
                f"{used[name][1]} payees)"
            )
            print(f"    last run: {breakdown(last_runs[name, count])}")
        # every configuration must write the same result lines
        lines_written = [result_lines(run_id) for run_id in last_runs.values()]
        same = all(lines == lines_written[0] for lines in lines_written)
        one, two = medians["run", 1], medians["run", 2]
        print(
            f"run / bare ({used['run'][0]} shard(s), sized by config): {one / bare:.2f}x with "
            f"1 worker, {two / bare:.2f}x with 2 (target <= {TARGET_RATIO}x)"
        )
        scaling = medians["split", 2] / medians["split", 1]
        print(
            f"{used['split'][0]} line-range shards: 2 workers / 1 worker {scaling:.2f} "
            f"(target < 1.00: two workers faster); run / bare "
            f"{medians['split', 1] / bare:.2f}x with 1 worker, "
            f"{medians['split', 2] / bare:.2f}x with 2"
        )
        print(f"identical result lines in every configuration: {same}")
        for label, _imported, runs_after in first:
            print(f"first run after {label} / warmed-up run (1 worker): {runs_after[0] / one:.1f}x")
        print(f"as of {date.today().isoformat()}")
        return {
            "bare": bare,
            "run_1": one,
            "run_2": two,
            "shards": used["run"][0],
            "split_1": medians["split", 1],
            "split_2": medians["split", 2],
            "split_shards": used["split"][0],
        }


def time_workers(count: int, program, period, shards, env) -> tuple[list[float], int]:
    """REPEATS settlement runs with `count` fresh workers, after warming every worker up."""
    workers = spawn_workers(count, env)
    try:
        for _ in range(3 * count):  # RQ hands jobs out in turn: each worker runs a few first
            timed_run(program, period, shards)
        timings, run_id = [], 0
        for _ in range(REPEATS):
            seconds, run_id = timed_run(program, period, shards)
            timings.append(seconds)
        return timings, run_id
    finally:
        stop(workers)


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    main()
