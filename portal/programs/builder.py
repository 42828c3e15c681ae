"""The program builder: a structured form that writes the same spec document as the YAML editor.

The form becomes a plain document (the dict a YAML file would load into) and then YAML text,
which goes through `services.save_program` like any pasted definition: one parse, one
validation, one canonical JSON and hash, however the program was written. Problems come back
with their spec paths (`tiers.bands[1].rate`) and are shown at the field they concern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import yaml
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from workflows.engine import MINOR_UNITS, Measure, Mode, Payee
from workflows.engine.spec_checks import canonical_decimal

from .. import labels
from ..calc.forms import PERIOD_HELP
from ..extensions import db
from ..models import TIERS, Category, MdfFund, Product, Territory

EMPTY_BAND_ROWS = 2  # blank rows below the bands, so more can be added without a script
NUMBER_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}
_WHITESPACE = re.compile(r"[\s\u00a0\u202f]")
_DIGITS = re.compile(r"[0-9]+")


class CodesField(SelectMultipleField):
    """A multi-select whose values the spec validates: unknown codes are reported by the spec
    ("Unknown territory code MARS.") at this field, not refused by the form."""

    def pre_validate(self, form) -> None:
        pass


class FundField(SelectField):
    """The earned fund a co-op program earns into: a forged or stale code is reported by the
    spec ("Unknown MDF fund …", "… is not an earned fund") at this field, not by the form."""

    def pre_validate(self, form) -> None:
        pass


class BandForm(Form):
    start = StringField(_l("From"), render_kw=NUMBER_ATTRS)
    rate = StringField(_l("Rate"), render_kw=NUMBER_ATTRS)


def _choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class BuilderForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=64)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    # Contests (ranks, groups, awards) are written in the program editor.
    kind = SelectField(
        _l("Kind"),
        choices=labels.choices("program_kind", ("rebate", "spif", "loyalty", "coop")),
    )
    currency = SelectField(_l("Currency"), choices=_choices((c, c) for c in sorted(MINOR_UNITS)))
    period_start = StringField(_l("First day"), render_kw={"type": "date"})
    period_end = StringField(_l("Last day"), render_kw={"type": "date"})
    territories = CodesField(_l("Territories"), description=_l("Each includes its subtree."))
    partner_tiers = CodesField(_l("Partner tiers"), choices=labels.choices("tier", TIERS))
    categories = CodesField(_l("Product categories"), description=_l("Each includes its subtree."))
    skus = CodesField(_l("Products (SKUs)"))
    registered_deals_only = BooleanField(_l("Only sales on registered, won deals"))
    deal_protection_days = StringField(
        _l("Deal protection (days)"),
        description=_l("Optional, with registered deals only: 1 to 730 days."),
        render_kw={"inputmode": "numeric"},
    )
    measure = SelectField(
        _l("Measure"),
        choices=_choices(
            [("revenue", _l("Revenue (converted)")), ("quantity", _l("Quantity (units)"))]
        ),
    )
    growth = BooleanField(_l("Only growth over the previous period of equal length counts"))
    payee = SelectField(
        _l("Paid to"),
        choices=_choices(
            [
                ("partner", _l("Each partner")),
                ("partner_group", _l("The top-level partner of each group")),
            ]
        ),
    )
    mode = SelectField(
        _l("Band mode"),
        choices=_choices(
            [
                ("retroactive", _l("Retroactive: the whole measure at the band reached")),
                ("marginal", _l("Marginal: each slice at its own band's rate")),
            ]
        ),
    )
    bands = FieldList(FormField(BandForm), min_entries=1)
    cap = StringField(
        _l("Cap per payee and period"), description=_l("Optional."), render_kw=NUMBER_ATTRS
    )
    claim_required = BooleanField(_l("Partners claim the reward with an invoice"))
    claim_approval_threshold = StringField(
        _l("Second approver above"),
        description=_l("Optional: claims above this amount need two different approvers."),
        render_kw=NUMBER_ATTRS,
    )
    points_per_unit = StringField(
        _l("Points per unit of the program currency"), render_kw=NUMBER_ATTRS
    )
    expires_after_days = StringField(
        _l("Points expire after (days)"), render_kw={"inputmode": "numeric"}
    )
    fund = FundField(
        _l("Co-op fund"),
        description=_l("An earned fund in the program's currency."),
        choices=[],
    )
    accrual_rate = StringField(
        _l("Accrual rate (percent of eligible revenue)"),
        description=_l("From 0 to 100, e.g. 2.5."),
        render_kw=NUMBER_ATTRS,
    )
    simulate_period = StringField(
        _l("Simulate on period"), validators=[Optional(), Length(max=32)], description=PERIOD_HELP
    )
    save = SubmitField(_l("Validate and save"))
    simulate = SubmitField(_l("Simulate"))

    def fill_pickers(self) -> None:
        """The territory, category and product trees as picker options, parents first."""
        self.territories.choices = _tree_choices(Territory)
        self.categories.choices = _tree_choices(Category)
        products = db.session.execute(select(Product.sku, Product.name).order_by(Product.sku))
        self.skus.choices = _choices((sku, f"{sku} · {name}") for sku, name in products)
        self.fund.choices = _earned_fund_choices()

    def pad_bands(self) -> None:
        """Blank rows below the bands for browsers without scripts."""
        for _ in range(EMPTY_BAND_ROWS):
            self.bands.append_entry()


def _earned_fund_choices() -> list[SelectChoice]:
    """Earned funds, open ones first, as "code · name (currency)"; a blank first option."""
    funds = db.session.execute(
        select(MdfFund.code, MdfFund.name, MdfFund.currency)
        .where(MdfFund.kind == "earned")
        .order_by(MdfFund.state.desc(), MdfFund.code)
    )
    return _choices(
        [("", _l("Choose an earned fund")), *((c, f"{c} · {n} ({cur})") for c, n, cur in funds)]
    )


def _tree_choices(model) -> list[SelectChoice]:
    """Each node as its line of ancestors (World › EMEA › DACH), so it reads right as a plain
    option, as a picked tag, and when searched for by any of its names."""
    rows = db.session.execute(
        select(model.id, model.parent_id, model.code, model.name).order_by(model.path)
    ).all()
    trail: dict[int, str] = {}
    choices = []
    for node_id, parent_id, code, name in rows:  # parents first: ordered by path
        shown = name if name == code else f"{name} ({code})"
        trail[node_id] = f"{trail[parent_id]} › {shown}" if parent_id in trail else shown
        choices.append((code, trail[node_id]))
    return _choices(choices)


# --- numbers: the reader's format in the form, exact decimals in the spec -------------------

MAX_NUMBER_DIGITS = 30  # far beyond any amount, rate or day count a program may hold


def parse_number(text: str | None) -> Decimal | str | None:
    """A number as the reader writes it (1.000,5 in German, 1,000.5 in English), exact. Text
    that is not a number in the reader's format is passed on for the spec to judge (plain
    0.035 is still read as a number there)."""
    cleaned = _WHITESPACE.sub("", text or "")
    if not cleaned:
        return None
    try:
        number = parse_decimal(cleaned, locale=str(get_locale()), strict=True)
    except (NumberFormatError, ValueError):
        return cleaned
    # NaN, Infinity and numbers beyond any amount are text for the spec to refuse, not numbers.
    if not number.is_finite() or number.adjusted() > MAX_NUMBER_DIGITS:
        return cleaned
    return number


def show_number(value: Any) -> str:
    """A stored number in the reader's format, every digit kept."""
    if value is None:
        return ""
    number = canonical_decimal(Decimal(str(value)))
    return format_decimal(
        number, format="#,##0.###", decimal_quantization=False, locale=str(get_locale())
    )


def _whole(text: str | None) -> int | str | None:
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    if _DIGITS.fullmatch(cleaned) and len(cleaned) <= MAX_NUMBER_DIGITS:
        return int(cleaned)
    return cleaned  # the spec says what is wrong with it


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _percent_to_rate(value: Decimal | str | None) -> Decimal | str | None:
    """Revenue rates are typed as percentages (3.5 → 0.035), exactly."""
    return canonical_decimal(value.scaleb(-2)) if isinstance(value, Decimal) else value


def _rate_to_percent(value: Any) -> Decimal:
    return canonical_decimal(Decimal(str(value)).scaleb(2))


# --- form → document ------------------------------------------------------------------------


def _band_rows(form: BuilderForm, revenue: bool) -> tuple[list[dict], list[int]]:
    """Bands from the filled rows (blank rows are skipped), and each band's form row index."""
    bands, rows = [], []
    for index, entry in enumerate(form.bands.entries):
        start, rate = entry.form.start.data, entry.form.rate.data
        if not (_text(start) or _text(rate)):
            continue
        parsed_rate = parse_number(rate)
        bands.append(
            {
                "from": parse_number(start),
                "rate": _percent_to_rate(parsed_rate) if revenue else parsed_rate,
            }
        )
        rows.append(index)
    return bands, rows


def document_from_form(form: BuilderForm) -> tuple[dict[str, Any], list[int]]:
    """The spec document the form describes, and the form row of each band (for errors). Only
    the fields of the chosen kind are written; a blank field is left out (the spec's default, or
    its "required" message)."""
    kind = form.kind.data
    loyalty = kind == "loyalty"
    coop = kind == "coop"
    tiered = not (loyalty or coop)
    doc: dict[str, Any] = {
        "code": _text(form.code.data),
        "name": _text(form.name.data),
        "kind": kind,
        "currency": form.currency.data,
    }
    start, end = _text(form.period_start.data), _text(form.period_end.data)
    if start or end:
        doc["period"] = {"start": start, "end": end}
    eligible: dict[str, Any] = {
        name: sorted(set(form[name].data or ()))
        for name in ("territories", "partner_tiers", "categories", "skus")
        if form[name].data
    }
    if form.registered_deals_only.data:
        eligible["registered_deals_only"] = True
    if eligible:
        doc["eligible"] = eligible
    rows: list[int] = []
    if tiered:
        doc["measure"] = form.measure.data
        if form.growth.data:
            doc["growth"] = True
    doc["payee"] = form.payee.data
    if tiered:
        bands, rows = _band_rows(form, form.measure.data == Measure.REVENUE)
        if bands:
            doc["tiers"] = {"mode": form.mode.data, "bands": bands}
        doc["cap"] = parse_number(form.cap.data)
    if kind == "spif":
        if form.claim_required.data:
            doc["claim_required"] = True
        doc["claim_approval_threshold"] = parse_number(form.claim_approval_threshold.data)
    if loyalty:
        doc["points_per_unit"] = parse_number(form.points_per_unit.data)
        doc["expires_after_days"] = _whole(form.expires_after_days.data)
    if coop:
        doc["fund"] = _text(form.fund.data)
        doc["accrual_rate"] = parse_number(form.accrual_rate.data)
    else:
        doc["deal_protection_days"] = _whole(form.deal_protection_days.data)
    return {name: value for name, value in doc.items() if value is not None}, rows


class _SpecDumper(yaml.SafeDumper):
    """Numbers as plain YAML numbers (read back exactly as Decimal), dates as YAML dates."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


_SpecDumper.add_representer(Decimal, _represent_decimal)


def _dates(value: Any) -> Any:
    """ISO days as dates, so the YAML shows 2026-07-01 unquoted; anything else unchanged."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else value
        except ValueError:
            return value
    return value


def yaml_source(doc: Mapping[str, Any]) -> str:
    """The document as the YAML a person would write, fields in spec order."""
    shown = dict(doc)
    if isinstance(shown.get("period"), Mapping):
        shown["period"] = {k: _dates(v) for k, v in shown["period"].items()}
    return yaml.dump(
        shown, Dumper=_SpecDumper, sort_keys=False, allow_unicode=True, default_flow_style=None
    )


# --- stored spec → form ---------------------------------------------------------------------


def form_data_from_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Initial form values from a stored (canonical) spec: every field as the reader types it."""
    period = spec.get("period") or {}
    eligible = spec.get("eligible") or {}
    tiers = spec.get("tiers") or {}
    revenue = spec.get("measure", Measure.REVENUE) == Measure.REVENUE
    return {
        "code": spec.get("code"),
        "name": spec.get("name"),
        "kind": spec.get("kind"),
        "currency": spec.get("currency"),
        "period_start": period.get("start", ""),
        "period_end": period.get("end", ""),
        **{
            name: list(eligible.get(name) or ())
            for name in ("territories", "partner_tiers", "categories", "skus")
        },
        "registered_deals_only": bool(eligible.get("registered_deals_only")),
        "deal_protection_days": str(spec.get("deal_protection_days") or ""),
        "measure": spec.get("measure", Measure.REVENUE),
        "growth": bool(spec.get("growth")),
        "payee": spec.get("payee", Payee.PARTNER),
        "mode": tiers.get("mode", Mode.RETROACTIVE),
        "bands": [
            {
                "start": show_number(band["from"]),
                "rate": show_number(_rate_to_percent(band["rate"]) if revenue else band["rate"]),
            }
            for band in tiers.get("bands") or ()
        ],
        "cap": show_number(spec.get("cap")),
        "claim_required": bool(spec.get("claim_required")),
        "claim_approval_threshold": show_number(spec.get("claim_approval_threshold")),
        "points_per_unit": show_number(spec.get("points_per_unit")),
        "expires_after_days": str(spec.get("expires_after_days") or ""),
        "fund": spec.get("fund") or "",
        "accrual_rate": show_number(spec.get("accrual_rate")),
    }
