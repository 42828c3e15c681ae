"""Column types that keep money exact on every database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class InexactValueError(ValueError):
    """A value carries more decimal places than its column can hold exactly."""


class ValueTooLargeError(ValueError):
    """A value whose scaled integer does not fit the 64-bit column."""


MAX_UNITS = 2**63 - 1


class ScaledDecimal(TypeDecorator):
    """A Decimal stored as an integer count of 10**-scale units.

    SQLite keeps NUMERIC as binary floats and sums them as floats; an integer column is exact on
    SQLite and PostgreSQL alike, and `SUM()` over it stays exact, so set-based aggregation gives
    identical results on both.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int):
        super().__init__()
        self.scale = scale
        self._factor = Decimal(10) ** scale

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are never accepted for exact decimal columns")
        number = Decimal(value)
        if not number.is_finite() or number.adjusted() > 18 - self.scale:
            raise ValueTooLargeError(f"{value} does not fit a column of {self.scale} decimals")
        scaled = number * self._factor
        if scaled != scaled.to_integral_value():
            raise InexactValueError(f"{value} has more than {self.scale} decimal places")
        if abs(scaled) > MAX_UNITS:
            raise ValueTooLargeError(f"{value} does not fit a column of {self.scale} decimals")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)

    def coerce_compared_value(self, op, value):
        return self


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite returns naive ones otherwise)."""

    from sqlalchemy import DateTime as _DateTime

    impl = _DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


Amount = ScaledDecimal(4)
Quantity = ScaledDecimal(4)
Rate = ScaledDecimal(10)
