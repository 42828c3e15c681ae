"""Checking bank details before they are sealed: the scheme a currency is paid by, its numbers
and the partner's tax id, each with a kept library (`schwifty`, `python-stdnum`).

    EUR                  IBAN of a SEPA country + BIC (SEPA credit transfer)
    USD                  US ABA routing number (checksum) + account number (ACH / Fedwire)
    GBP                  UK sort code (6 digits) + account number (8 digits) (Faster Payments)
    any other currency   IBAN + BIC (international transfer)

The BIC may be left empty when the IBAN's bank is in schwifty's registry (it is filled in);
a BIC given must be well formed and of the IBAN's country. Input is normalised first: spaces,
hyphens and case do not matter. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from importlib import import_module

from schwifty import BIC, IBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)
from stdnum.exceptions import ValidationError
from stdnum.us import rtn

from workflows import validators
from workflows.engine.i18n import N_

from .errors import BankDetailsError

SCHEMES = {"USD": "us_aba", "GBP": "gb_sort_code"}  # every other currency: "iban"
HOLDER_LENGTH = 70  # what a SEPA or ACH file carries of the creditor's name
SEPARATORS = re.compile(r"[\s\-./]+")
US_ACCOUNT = re.compile(r"[0-9]{4,17}")
GB_SORT_CODE = re.compile(r"[0-9]{6}")
GB_ACCOUNT = re.compile(r"[0-9]{8}")
TAX_ID_LENGTH = 32

# The tax ids checked, by the partner's country: the EU VAT number in every member state
# (Greece writes EL), the UK VAT number, and the business numbers of the other countries
# the program pays in. Other countries' ids are kept as typed (trimmed), unchecked.
EU_MEMBERS = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
TAX_ID_MODULES = {
    "GB": "stdnum.gb.vat",
    "US": "stdnum.us.ein",
    "CH": "stdnum.ch.vat",
    "NO": "stdnum.no.mva",
    "AU": "stdnum.au.abn",
    "CA": "stdnum.ca.bn",
    "JP": "stdnum.jp.cn",
    **dict.fromkeys(EU_MEMBERS, "stdnum.eu.vat"),
}


@dataclass(frozen=True)
class CheckedAccount:
    """Bank details that passed their checks, normalised: `fields` are the numbers to seal."""

    currency: str
    scheme: str
    country: str
    holder_name: str
    bic: str | None
    fields: dict[str, str]
    last4: str
    tax_id: str | None


def scheme_for(currency: str) -> str:
    """How an account in `currency` is paid: `iban`, `us_aba` or `gb_sort_code`."""
    return SCHEMES.get(currency, "iban")


def compact(value: str | None) -> str:
    """The value without spaces, hyphens, dots or slashes, in capitals."""
    return SEPARATORS.sub("", value or "").upper()


def check_holder(value: str | None) -> str:
    try:
        holder = validators.name(value or "")
    except validators.InvalidValue as exc:
        raise BankDetailsError(exc.template, field="holder_name", **exc.params) from None
    if not holder:
        raise BankDetailsError(N_("Enter the account holder's name."), field="holder_name")
    if len(holder) > HOLDER_LENGTH:
        raise BankDetailsError(
            N_("Bank transfers carry at most %(count)s characters of the account holder's name."),
            count=HOLDER_LENGTH,
            field="holder_name",
        )
    return holder


def check_iban(value: str | None, currency: str) -> IBAN:
    """A valid IBAN (country, length and structure, checksum); for EUR one of the SEPA zone."""
    text = compact(value)
    if not text:
        raise BankDetailsError(N_("Enter the IBAN."), field="iban")
    shown = validators.shown(text)
    try:
        iban = IBAN(text)
    except InvalidCountryCode:
        raise BankDetailsError(
            N_("%(value)s does not start with the code of a country that uses IBANs."),
            value=shown,
            field="iban",
        ) from None
    except InvalidLength:
        raise BankDetailsError(
            N_("%(value)s has the wrong length for an IBAN of its country."),
            value=shown,
            field="iban",
        ) from None
    except (InvalidChecksumDigits, InvalidBBANChecksum):
        raise BankDetailsError(
            N_("The check digits of %(value)s do not match: look for a typing error."),
            value=shown,
            field="iban",
        ) from None
    except SchwiftyException:
        raise BankDetailsError(
            N_("%(value)s is not laid out like an IBAN of its country."), value=shown, field="iban"
        ) from None
    if currency == "EUR" and not iban.in_sepa_zone:
        raise BankDetailsError(
            N_("EUR is paid by SEPA transfer, and %(country)s is outside the SEPA zone."),
            country=iban.country_code,
            field="iban",
        )
    return iban


def check_bic(value: str | None, iban: IBAN) -> str:
    """The BIC given (well formed, of the IBAN's country), or the one the IBAN's bank has."""
    text = compact(value)
    if not text:
        known = iban.bic
        if known is None:
            raise BankDetailsError(
                N_("Enter the BIC (SWIFT code) of the bank that holds the account."), field="bic"
            )
        return str(known.compact)
    try:
        bic = BIC(text)
    except SchwiftyException:
        raise BankDetailsError(
            N_("%(value)s is not a BIC: it has 8 or 11 letters and digits, such as COBADEFFXXX."),
            value=validators.shown(text),
            field="bic",
        ) from None
    if bic.country_code != iban.country_code:
        raise BankDetailsError(
            N_("The BIC %(bic)s is of a bank in %(bic_country)s, the IBAN of one in %(country)s."),
            bic=bic.compact,
            bic_country=bic.country_code,
            country=iban.country_code,
            field="bic",
        )
    return str(bic.compact)


def check_aba(routing_number: str | None, account_number: str | None) -> dict[str, str]:
    routing = compact(routing_number)
    if not routing:
        raise BankDetailsError(N_("Enter the ABA routing number."), field="routing_number")
    try:
        routing = rtn.validate(routing)
    except ValidationError:
        raise BankDetailsError(
            N_("%(value)s is not an ABA routing number: nine digits with a valid check digit."),
            value=validators.shown(routing),
            field="routing_number",
        ) from None
    account = compact(account_number)
    if not US_ACCOUNT.fullmatch(account):
        raise BankDetailsError(
            N_("Enter the account number: 4 to 17 digits."), field="account_number"
        )
    return {"routing_number": routing, "account_number": account}


def check_sort_code(sort_code: str | None, account_number: str | None) -> dict[str, str]:
    code = compact(sort_code)
    if not GB_SORT_CODE.fullmatch(code):
        raise BankDetailsError(
            N_("Enter the sort code: 6 digits, such as 60-16-13."), field="sort_code"
        )
    account = compact(account_number)
    if not GB_ACCOUNT.fullmatch(account):
        raise BankDetailsError(N_("Enter the account number: 8 digits."), field="account_number")
    return {"sort_code": code, "account_number": account}


def check_tax_id(value: str | None, country: str) -> str | None:
    """The partner's tax id, normalised and checked where its country has a known scheme;
    None when left empty."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        return None
    try:
        validators.printable(text)
    except validators.InvalidValue as exc:
        raise BankDetailsError(exc.template, field="tax_id", **exc.params) from None
    name = TAX_ID_MODULES.get(country)
    if name is None:
        if len(text) > TAX_ID_LENGTH:
            raise BankDetailsError(
                N_("A tax id has at most %(count)s characters."),
                count=TAX_ID_LENGTH,
                field="tax_id",
            )
        return text
    module = import_module(name)
    number = compact(text)
    if name == "stdnum.eu.vat" and not number[:2].isalpha():
        number = ("EL" if country == "GR" else country) + number
    try:
        checked = module.validate(number)
    except ValidationError:
        raise BankDetailsError(
            N_("%(value)s is not a valid tax id of %(country)s: look for a typing error."),
            value=validators.shown(text),
            country=country,
            field="tax_id",
        ) from None
    checked = str(checked)
    if country == "GB" and not checked.startswith("GB"):
        checked = "GB" + checked  # written with its prefix, as on invoices
    return checked[:TAX_ID_LENGTH]


def check_account(
    *,
    currency: str,
    holder_name: str | None,
    partner_country: str,
    iban: str | None = None,
    bic: str | None = None,
    routing_number: str | None = None,
    account_number: str | None = None,
    sort_code: str | None = None,
    tax_id: str | None = None,
) -> CheckedAccount:
    """Every check of an account entered for `currency`; the first problem is refused."""
    try:
        currency = validators.currency(compact(currency))
    except validators.InvalidValue as exc:
        raise BankDetailsError(exc.template, field="currency", **exc.params) from None
    holder = check_holder(holder_name)
    scheme = scheme_for(currency)
    bic_code = None
    if scheme == "iban":
        opened = check_iban(iban, currency)
        bic_code = check_bic(bic, opened)
        fields, country = {"iban": str(opened.compact)}, opened.country_code
        number = fields["iban"]
    elif scheme == "us_aba":
        fields, country = check_aba(routing_number, account_number), "US"
        number = fields["account_number"]
    else:
        fields, country = check_sort_code(sort_code, account_number), "GB"
        number = fields["account_number"]
    return CheckedAccount(
        currency=currency,
        scheme=scheme,
        country=country,
        holder_name=holder,
        bic=bic_code,
        fields=fields,
        last4=number[-4:],
        tax_id=check_tax_id(tax_id, partner_country),
    )
