"""Rate limits: every limit of the portal counts here, in Redis, the same way.

A `Counter` is one Redis key with its limit and window; its window starts at its first hit
(`redis_conn.count_in_window`) and the key expires with it. Who is limited is only a question
of the key: a client address, an account (hashed, `digest`), a pair of both, an API token.

- `refuse_while_over`: refuse while any counter has reached its limit (nothing is counted);
  failed sign-ins and failed token authentications are checked this way, then `count`ed only
  when they fail.
- `hit`: refuse while over, else count one more on every counter (registration, verification
  resends, password-reset links).
- `take`: count, then refuse beyond the limit: every request counts (API calls per token).

A refusal is `RateLimited`, a `Refusal` that knows how long to wait: `Retry-After`, the IETF
draft's `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` headers, and a message
that tells the reader when to try again in their language.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_timedelta
from flask_babel import get_locale

from workflows.engine.i18n import N_, Gettext, Refusal, render_message, untranslated

from .redis_conn import count_in_window, get_redis

TRY_AGAIN = N_("Too many attempts. Please try again in %(wait)s.")


@dataclass(frozen=True)
class Counter:
    """At most `limit` hits on `key` within `window` seconds from the first one."""

    key: str
    limit: int
    window: int


@dataclass(frozen=True)
class Usage:
    """A counter as it stands: `used` hits of `limit`, `reset` seconds until its window ends."""

    limit: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        """The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers): delta seconds."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


class RateLimited(Refusal):
    """Too many attempts: `retry_after` seconds until the counter that refused lets one through.

    The template's `%(wait)s` is that time in words ("15 minutes"), written in the language the
    template is rendered in: English by default, the reader's when a page renders it."""

    def __init__(self, counter: Counter, usage: Usage, template: str = TRY_AGAIN):
        super().__init__(template, seconds=usage.reset)
        self.counter = counter
        self.usage = usage
        self.retry_after = usage.reset

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after), **self.usage.headers()}

    def render(self, gettext: Gettext = untranslated, show_date=date.isoformat) -> str:
        locale = "en" if gettext is untranslated else (get_locale() or "en")
        params = {**self.params, "wait": wait_in_words(self.retry_after, locale)}
        return render_message(self.template, params, gettext, show_date)


def wait_in_words(seconds: int, locale="en") -> str:
    """Seconds under a minute, else whole minutes rounded up (never sooner than it is)."""
    if seconds < 60:
        return format_timedelta(
            timedelta(seconds=seconds), granularity="second", threshold=math.inf, locale=locale
        )
    minutes = timedelta(minutes=math.ceil(seconds / 60))
    return format_timedelta(minutes, granularity="minute", threshold=math.inf, locale=locale)


def digest(identity: str) -> str:
    """An e-mail address or other identity as it appears in keys: hashed, case-insensitive."""
    return hashlib.sha256(identity.lower().encode()).hexdigest()[:32]


def per_identity(action: str, identities: Iterable, *, limit: int, window: int) -> list[Counter]:
    """One counter of `action` for each identity given (an address, an e-mail, user:<id>)."""
    return [
        Counter(f"portal:rate:{action}:{digest(str(identity))}", limit, window)
        for identity in identities
        if identity
    ]


def _seconds(pttl: int, window: int) -> int:
    """A key's remaining life in whole seconds, at least 1 (a key without one: its window)."""
    if pttl is None or pttl == -1:
        return window
    return max(1, math.ceil(pttl / 1000))


def refuse_while_over(counters: Iterable[Counter], template: str = TRY_AGAIN) -> None:
    """Raise RateLimited while any counter has reached its limit, with the longest wait among
    them; counts nothing."""
    counters = list(counters)
    pipe = get_redis().pipeline(transaction=False)
    for counter in counters:
        pipe.get(counter.key)
        pipe.pttl(counter.key)
    values = pipe.execute()
    refusals = [
        (counter, Usage(counter.limit, int(used), _seconds(pttl, counter.window)))
        for counter, used, pttl in zip(counters, values[::2], values[1::2], strict=True)
        if used is not None and int(used) >= counter.limit
    ]
    if refusals:
        counter, usage = max(refusals, key=lambda refusal: refusal[1].reset)
        raise RateLimited(counter, usage, template)


def count(counters: Iterable[Counter]) -> list[Usage]:
    """One more hit on every counter; how each stands after it."""
    counters = list(counters)
    pipe = get_redis().pipeline()
    for counter in counters:
        count_in_window(pipe, counter.key, counter.window)
        pipe.pttl(counter.key)
    values = pipe.execute()
    return [
        Usage(counter.limit, int(values[3 * n + 1]), _seconds(values[3 * n + 2], counter.window))
        for n, counter in enumerate(counters)
    ]


def hit(counters: Iterable[Counter], template: str = TRY_AGAIN) -> None:
    """Refuse while any counter is over its limit (without counting); else count on each."""
    counters = list(counters)
    refuse_while_over(counters, template)
    count(counters)


def take(counter: Counter) -> Usage:
    """Count this one, then refuse it when that went beyond the limit (refused ones count too,
    within the same window)."""
    [usage] = count([counter])
    if usage.used > counter.limit:
        raise RateLimited(counter, usage)
    return usage


def block(key: str, seconds: int) -> None:
    """Hold `key` for `seconds`: checked as a Counter(key, 1, …), it refuses until then."""
    get_redis().set(key, 1, ex=max(1, seconds))
