"""A real OpenID Connect provider for the tests: `oidc-provider-mock` (a kept test provider
built on Authlib's server side) in its own process on a free local port.

Run as a script it serves the provider, plus one test-only endpoint through which a test makes
the provider's *next* token answer hostile, as an attacker in the middle or a misbehaving
provider would: `tampered` (the ID token's payload changed, the signature kept) or
`wrong_audience` (a genuine signature over a token for another client; with
`wrong_audience_with_azp` the token also names our client as its authorized party).
Everything else is the provider as published. Shared by tests/sso and tests/browser
(`start_provider`).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.request import Request, urlopen

START_TIMEOUT_SECONDS = 30


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def build_app():
    """The provider's Flask app with the hostile-answer switch (run in the provider process)."""
    import flask
    import oidc_provider_mock
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    app = oidc_provider_mock.app(require_nonce=True)
    pending: dict[str, str] = {}

    @app.post("/_test/next-token")
    def next_token():
        pending["mode"] = flask.request.get_json()["mode"]
        return "", 204

    @app.after_request
    def hostile_answer(response):
        if flask.request.path != "/oauth2/token" or response.status_code != 200:
            return response
        mode = pending.pop("mode", None)
        if mode is None:
            return response
        body = json.loads(response.get_data())
        header, payload, signature = body["id_token"].split(".")
        claims = json.loads(_b64decode(payload))
        if mode == "tampered":
            claims["email"] = "someone.else@" + claims["email"].rpartition("@")[2]
            body["id_token"] = ".".join(
                [header, _b64encode(json.dumps(claims).encode()), signature]
            )
        elif mode in ("wrong_audience", "wrong_audience_with_azp"):
            if mode == "wrong_audience_with_azp":  # names us as authorized party, for another
                claims["azp"] = claims["aud"]
            claims["aud"] = "another-client"
            storage = flask.g.oidc_provider_mock_storage
            key = RSAKey.import_key(storage.jwk.as_dict(is_private=True))
            body["id_token"] = jwt.encode(json.loads(_b64decode(header)), claims, key)
        response.set_data(json.dumps(body))
        return response

    return app


class Provider:
    """The provider process seen from the tests."""

    def __init__(self, url: str, process: subprocess.Popen):
        self.url, self.process = url, process

    def _call(self, method: str, path: str, body: dict) -> None:
        request = Request(  # noqa: S310 - a local test server
            self.url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status in (200, 201, 204)

    def set_user(self, subject: str, **claims) -> None:
        """The claims the provider gives for `subject` from now on."""
        self._call("PUT", f"/users/{subject}", claims)

    def next_token(self, mode: str) -> None:
        """Make the provider's next token answer hostile (`tampered`, `wrong_audience`)."""
        self._call("POST", "/_test/next-token", {"mode": mode})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def start_provider(log_path):
    """The provider in its own process on a free local port, stopped afterwards."""
    port = _free_port()
    env = {**os.environ, "AUTHLIB_INSECURE_TRANSPORT": "1", "PYTHONWARNINGS": "ignore"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, str(port)], env=env, stdout=log, stderr=log
        )
    provider = Provider(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited: {open(log_path).read()}")
            try:
                discovery = f"{provider.url}/.well-known/openid-configuration"
                with urlopen(discovery, timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the OIDC provider did not start: {open(log_path).read()}")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    build_app().run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
