"""Dashboards under load: wrk against gunicorn on 127.0.0.1, with the 1M-line data set loaded.

Loads the generated data set with the calculation benchmark's COPY loader (its own database),
moves the sales into the current quarter (the generator writes 2026-Q3; the dashboards show the
quarter of today), rebuilds the monthly roll-up, runs an accrual of the benchmark program on real
workers, creates a partner user (the group with the largest accrual) and a channel manager of
EMEA, starts gunicorn (`--workers` sync workers, 4 as the README deploys it;
--no-control-socket) and measures, in one run and at 16 concurrent connections, a trivial page
(/health/ping), the partner user's contests page (a reference, without target: a light signed-in
page, empty here), the partner dashboard, the manager dashboard and the manager's territory roll-up.
Prints p95 latency, requests/s and the ratio to the trivial page against the targets (p95 <=
150 ms; >= 30 % of the trivial page's rps with the page cache, >= 10 % with --no-page-cache,
where every request renders afresh).

    pip install -e '.[serve]' && apt-get install wrk   # gunicorn and wrk
    python benchmarks/dashboards_load.py               # 1M lines; --reload rebuilds its database
    python benchmarks/dashboards_load.py --sizes 1000000,10000000 --no-page-cache
    python benchmarks/dashboards_load.py --no-page-cache   # every request renders afresh
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import calc_run
import psycopg
import sizes
from calc_run import POLL, PROGRAM, free_port, load_database, spawn_workers, start_redis, stop

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
DURATION = "15s"
TARGET_P95_MS = 150
TARGET_SHARE = 0.30  # of the trivial page's requests/s, pages kept in the page cache
TARGET_SHARE_UNCACHED = 0.10  # every page rendered afresh (--no-page-cache)
PAGE_KEYS = {
    "trivial page /health/ping": "trivial",
    "signed-in reference: /contests": "signed_in",
    "partner dashboard": "partner",
    "manager dashboard": "manager",
    "manager territory roll-up": "rollup",
}
PASSWORD = "benchmark-password"  # noqa: S105 - throw-away users in a throw-away database
USER_AGENT = "dashboards-load/1"  # the same for the login and wrk: sessions are bound to it
LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  local e = summary.errors
  io.write(string.format("RESULT p95_us=%d rps=%.1f requests=%d errors=%d non200=%d\\n",
    latency:percentile(95), summary.requests / (summary.duration / 1e6), summary.requests,
    e.connect + e.read + e.write + e.timeout, bad))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\\n",
    e.connect, e.read, e.write, e.timeout))
end
"""


def _upgrade_to_all_heads(command, **kwargs):
    """The loader runs `portal db upgrade`; feature branches may leave several heads unmerged."""
    if list(command[-2:]) == ["db", "upgrade"]:
        command = [*command, "heads"]
    return subprocess.run(command, **kwargs)  # noqa: S603


calc_run.subprocess = SimpleNamespace(
    run=_upgrade_to_all_heads, Popen=subprocess.Popen, DEVNULL=subprocess.DEVNULL
)


def quarter_label(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def shift_into_this_quarter(dsn: str) -> None:
    """The generated sales cover 2026-Q3; move them by whole months into today's quarter."""
    today = date.today()
    months = (today.year * 12 + (today.month - 1) // 3 * 3) - (2026 * 12 + 6)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "UPDATE sale_lines SET sold_on = (sold_on + make_interval(months => %s))::date",
            (months,),
        )
        conn.execute("ANALYZE sale_lines")


def prepare(dsn: str, env: dict[str, str]) -> dict[str, str]:
    """Roll-up, an accrual run on real workers, and the two users; returns what to request."""
    from sqlalchemy import func, select, text

    from portal import create_app
    from portal.actors import SYSTEM
    from portal.admin.services import create_user
    from portal.extensions import db
    from portal.models import CalcResult, Partner, Program, Territory, User
    from portal.programs.services import save_program
    from workflows import enqueue
    from workflows.calc import runs
    from workflows.engine import parse_period
    from workflows.rollups import refresh_sales_monthly

    app = create_app("development")
    with app.app_context():
        started = time.perf_counter()
        rows = refresh_sales_monthly()
        db.session.commit()
        print(f"roll-up rebuilt: {rows:,} rows in {time.perf_counter() - started:.2f} s")
        spec = PROGRAM.replace("period: 2026-Q3", f"period: {quarter_label(date.today())}")
        program, _version, _created = save_program(spec, actor=SYSTEM)
        db.session.commit()
        program = db.session.scalar(select(Program).where(Program.code == "BENCH-EMEA-HW"))
        workers = spawn_workers(2, env)
        try:
            run = runs.start_run(program, parse_period(quarter_label(date.today())), actor=SYSTEM)
            run_id, shards = run.id, run.shards_total
            db.session.commit()
            enqueue.calc_run(run_id, shards)
            poll = text("SELECT status FROM calc_runs WHERE id = :id")
            while (status := db.session.scalar(poll, {"id": run_id})) not in ("done", "failed"):
                db.session.rollback()
                time.sleep(POLL)
            db.session.rollback()
            if status != "done":
                raise SystemExit(f"accrual run {run_id} failed")
        finally:
            stop(workers)
        top_payee = db.session.scalar(
            select(CalcResult.payee_id)
            .where(CalcResult.run_id == run_id)
            .order_by(CalcResult.amount.desc())
            .limit(1)
        )
        partner = db.session.get(Partner, top_payee)
        emea = db.session.scalar(select(Territory).where(Territory.code == "EMEA"))
        for email, role, fields in (
            ("partner@bench.example", "partner_user", {"partner_code": partner.code}),
            ("manager@bench.example", "channel_manager", {"territory_codes": ("EMEA",)}),
        ):
            if db.session.scalar(select(func.count()).where(User.email == email)) == 0:
                create_user(email=email, password=PASSWORD, role=role, name=role, **fields)
        db.session.commit()
        print(f"partner user of {partner.code}; manager of EMEA (territory id {emea.id})")
        return {"territory_id": str(emea.id)}


def login(base: str, email: str) -> str:
    """Sign in through the real form; returns the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", data=form.encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if not cookie:
        raise SystemExit(f"could not sign in as {email}")
    return cookie


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_page(url: str, cookie: str | None, marker: str) -> int:
    """The page answers 200 itself (no redirect to the login page) and shows `marker`."""
    opener = urllib.request.build_opener(NoRedirect)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with opener.open(request) as response:
            body = response.read().decode()
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url} answered {error.code}, not the page") from None
    if marker not in body:
        raise SystemExit(f"{url} does not show {marker!r}")
    return len(body)


def wrk(url: str, script: Path, cookie: str | None = None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--timeout", "10s"]
    command += ["-s", str(script)]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(
        r"RESULT p95_us=(\d+) rps=([\d.]+) requests=(\d+) errors=(\d+) non200=(\d+)", output
    )
    p95, rps, requests, errors, non200 = found.groups()
    if int(errors) or int(non200):
        raise SystemExit(f"{url}: {non200} responses other than 200; {output.strip()}")
    return {"p95_ms": int(p95) / 1000, "rps": float(rps), "requests": int(requests)}


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(  # noqa: S603
        [
            gunicorn,
            "--no-control-socket",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/health/ping").read()  # noqa: S310
            return process, base
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench_dashboards", help="suffixed with the size")
    parser.add_argument("--reload", action="store_true", help="rebuild the database first")
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="render every dashboard afresh (DASHBOARD_CACHE_SECONDS=0): the cost after a change",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=4,
        help="gunicorn sync workers (default 4, as the README deploys the portal)",
    )
    sizes.sizes_argument(parser)
    sizes.single_size_arguments(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    share_target = TARGET_SHARE_UNCACHED if args.no_page_cache else TARGET_SHARE
    if args.lines is None:
        figures = sizes.each_size(
            Path(__file__), sizes.passed_arguments(sys.argv[1:]), sizes.parse_sizes(args.sizes)
        )
        print()
        for lines, f in sorted(figures.items()):
            shown = ", ".join(
                f"{page} p95 {f[page + '_p95']:.0f} ms, {f[page + '_share']:.1%}"
                for page in PAGE_KEYS.values()
            )
            print(f"{lines:>12,} lines: {shown}")
        print(f"targets: p95 <= {TARGET_P95_MS} ms and >= {share_target:.0%} of the trivial rps")
        sizes.growth(
            figures,
            {
                f"{key}_{figure}": f"{key}: {'p95 (ms)' if figure == 'p95' else 'ms per request'}"
                for key in PAGE_KEYS.values()
                for figure in ("p95", "cost")
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
    if args.no_page_cache:
        env["DASHBOARD_CACHE_SECONDS"] = "0"
    os.environ.update(env)
    processes: list[subprocess.Popen] = []
    try:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (args.database,)
            ).fetchone()
        if args.reload or not exists:
            started = time.perf_counter()
            load_database(args.server, args.database, args.data, env)
            shift_into_this_quarter(dsn)
            print(f"loaded {args.data} in {time.perf_counter() - started:.1f} s")
        else:  # a kept database gets the migrations added since, and its roll-up rebuilt
            _upgrade_to_all_heads(
                [sys.executable, "-m", "portal.cli", "db", "upgrade"], env=env, check=True
            )
        targets = prepare(dsn, env)
        with psycopg.connect(dsn) as conn:
            lines = conn.execute("SELECT count(*) FROM sale_lines").fetchone()[0]
            rollup = conn.execute("SELECT count(*) FROM sales_monthly").fetchone()[0]
        print(f"data: {lines:,} sales lines, {rollup:,} roll-up rows; {os.cpu_count()} cores")
        print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        server, base = serve(env, args.workers)
        processes.append(server)
        partner = login(base, "partner@bench.example")
        manager = login(base, "manager@bench.example")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        pages = [
            ("trivial page /health/ping", f"{base}/health/ping", None, "pong"),
            # not a target: a light signed-in page (session, user, layout and one query; the
            # benchmark has no contest), for what every signed-in page costs
            ("signed-in reference: /contests", f"{base}/contests", partner, "takes part in no"),
            ("partner dashboard", f"{base}/dashboard", partner, 'data-program="BENCH-EMEA-HW"'),
            ("manager dashboard", f"{base}/dashboard", manager, 'id="leaderboard"'),
            (
                "manager territory roll-up",
                f"{base}/dashboards/territories/{targets['territory_id']}",
                manager,
                'id="rollup"',
            ),
        ]
        results = {}
        for label, url, cookie, marker in pages:
            size = check_page(url, cookie, marker)
            results[label] = wrk(url, Path(script.name), cookie)
            results[label]["bytes"] = size
        Path(script.name).unlink()
        baseline = results["trivial page /health/ping"]["rps"]
        print(
            f"wrk -t2 -c{CONNECTIONS} -d{DURATION}, gunicorn {args.workers} sync workers, "
            f"{date.today()}"
        )
        print(f"{'page':32} {'bytes':>7} {'p95 ms':>8} {'req/s':>9} {'share':>7}  verdict")
        for label, figures in results.items():
            share = figures["rps"] / baseline
            verdict = ""
            if not label.startswith(("trivial", "signed-in reference")):
                ok = figures["p95_ms"] <= TARGET_P95_MS and share >= share_target
                verdict = "meets targets" if ok else "MISSES targets"
            print(
                f"{label:32} {figures['bytes']:7} {figures['p95_ms']:8.1f} {figures['rps']:9.1f} "
                f"{share:7.1%}  {verdict}"
            )
        print(f"targets: p95 <= {TARGET_P95_MS} ms and >= {share_target:.0%} of the trivial rps")
        sizes.save_figures(
            args.figures,
            {
                f"{PAGE_KEYS[label]}_{name}": value
                for label, figures in results.items()
                for name, value in (
                    ("p95", figures["p95_ms"]),
                    ("share", figures["rps"] / baseline),
                    ("cost", 1000 / figures["rps"]),
                )
            },
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        redis_server.terminate()
        redis_server.wait(timeout=10)


if __name__ == "__main__":
    main()
