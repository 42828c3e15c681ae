"""Browser tests: the real app served on a local port, driven by Debian's Chromium.

The server runs in a thread of the test process against the session's database; pages commit
for real, so browser tests use the `committed_db` fixture (tables are emptied afterwards).
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The suite runs a worker per core, each with its own server and browser: a page may take a
# few seconds longer than on an idle machine, never fifteen.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def closing(app):
    """The app, with every response body closed however the request ends. The development
    server leaves a body unclosed when the browser drops the connection mid-response (it
    navigated on while a script was still being sent), and the file behind it then warns when
    it is collected, in whichever test runs next."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(autouse=True)
def production_caches(app):
    """Journeys run with the dashboards' page cache on, as in production: a page kept before
    an action must not be what the user sees after it."""
    app.config["DASHBOARD_CACHE_SECONDS"] = 300
    yield
    app.config["DASHBOARD_CACHE_SECONDS"] = 0


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the real login page."""

    def go(email: str, password: str):
        page.goto(f"{live_server}/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server}/dashboard")
        return page

    return go
