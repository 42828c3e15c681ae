"""Redis counters that cap how often an action may be taken per address and per account.

The same mechanism as failed sign-ins (portal.auth.services): one counter per key, the window
starting at the first hit (`count_in_window`), refusals while any key is over the limit.
"""

from __future__ import annotations

import hashlib

from flask_babel import lazy_gettext as _l

from portal.foundation.redis_conn import count_in_window, get_redis
from workflows.onboarding.errors import OnboardingError


class RateLimited(OnboardingError):
    def __init__(self):
        super().__init__(_l("Too many attempts. Please wait a while and try again."))


def _key(action: str, identity: str) -> str:
    digest = hashlib.sha256(identity.lower().encode()).hexdigest()[:32]
    return f"portal:rate:{action}:{digest}"


def hit(action: str, identities, *, limit: int, window: int) -> None:
    """Count one `action` for each identity (IP, e-mail, user id…); raise RateLimited, without
    counting, when any of them already reached `limit` within the last `window` seconds."""
    keys = [_key(action, str(identity)) for identity in identities if identity]
    redis = get_redis()
    counts = redis.mget(keys)
    if any(count is not None and int(count) >= limit for count in counts):
        raise RateLimited()
    pipe = redis.pipeline()
    for key in keys:
        count_in_window(pipe, key, window)
    pipe.execute()
