"""Bank details are checked before anything is sealed: IBAN, BIC, ABA, UK sort codes and tax
ids, table by table (pure: no database)."""

from __future__ import annotations

import pytest

from workflows.banking.errors import BankDetailsError
from workflows.banking.validation import (
    check_aba,
    check_account,
    check_bic,
    check_iban,
    check_sort_code,
    check_tax_id,
    scheme_for,
)

DE_IBAN = "DE89370400440532013000"


@pytest.mark.parametrize(
    ("typed", "currency", "compact"),
    [
        (DE_IBAN, "EUR", DE_IBAN),
        ("de89 3704 0044 0532 0130 00", "EUR", DE_IBAN),  # lowercase and spaces
        ("  DE89-3704-0044-0532-0130-00 ", "EUR", DE_IBAN),  # hyphens
        ("FR1420041010050500013M02606", "EUR", "FR1420041010050500013M02606"),
        ("GB29NWBK60161331926819", "EUR", "GB29NWBK60161331926819"),  # SEPA, not eurozone
        ("CH9300762011623852957", "CHF", "CH9300762011623852957"),
        ("SA0380000000608010167519", "SAR", "SA0380000000608010167519"),  # not SEPA: not EUR
    ],
)
def test_valid_ibans_are_normalised(typed, currency, compact):
    assert str(check_iban(typed, currency).compact) == compact


@pytest.mark.parametrize(
    ("typed", "currency", "says"),
    [
        ("", "EUR", "Enter the IBAN."),
        ("DE89370400440532013001", "EUR", "check digits"),  # bad checksum
        ("DE8937040044053201300", "EUR", "wrong length"),  # one digit short for DE
        ("DE893704004405320130000", "EUR", "wrong length"),  # one digit too many
        ("US89370400440532013000", "EUR", "does not start with the code of a country"),
        ("XX89370400440532013000", "EUR", "does not start with the code of a country"),
        ("SA0380000000608010167519", "EUR", "outside the SEPA zone"),  # non-SEPA IBAN for EUR
        ("DE89 3704 0044 0532 0130 0O", "EUR", "IBAN"),  # letter O for zero
        ("9" * 5000, "EUR", "IBAN"),
    ],
)
def test_bad_ibans_are_refused_with_a_clear_reason(typed, currency, says):
    with pytest.raises(BankDetailsError) as refused:
        check_iban(typed, currency)
    assert says in str(refused.value)
    assert refused.value.field == "iban"
    assert len(str(refused.value)) < 200  # a huge input is not echoed in full


@pytest.mark.parametrize(
    ("typed", "iban", "bic"),
    [
        ("COBADEFFXXX", DE_IBAN, "COBADEFFXXX"),
        ("cobadeff", DE_IBAN, "COBADEFF"),  # 8 characters, lowercase
        (" coba de ff xxx ", DE_IBAN, "COBADEFFXXX"),
        ("", DE_IBAN, "COBADEFFXXX"),  # looked up from the IBAN's bank
        (None, "FR1420041010050500013M02606", "PSSTFRPP"),
    ],
)
def test_bics_are_normalised_or_looked_up(typed, iban, bic):
    assert check_bic(typed, check_iban(iban, "EUR")) == bic


@pytest.mark.parametrize(
    ("typed", "iban", "says"),
    [
        ("BNPAFRPPXXX", DE_IBAN, "The BIC BNPAFRPPXXX is of a bank in FR, the IBAN of one in DE."),
        ("COBA", DE_IBAN, "is not a BIC"),  # wrong length
        ("COBADEFFXX", DE_IBAN, "is not a BIC"),  # 10 characters
        ("COBADEFF!XX", DE_IBAN, "is not a BIC"),  # not a letter or digit
        ("COBAZZFFXXX", DE_IBAN, "is not a BIC"),  # no such country
        ("", "AT611904300234573201", "Enter the BIC"),  # bank not in the registry
    ],
)
def test_bad_bics_are_refused(typed, iban, says):
    with pytest.raises(BankDetailsError) as refused:
        check_bic(typed, check_iban(iban, "EUR"))
    assert says in str(refused.value)
    assert refused.value.field == "bic"


@pytest.mark.parametrize(
    ("routing", "account", "expected"),
    [
        ("011000015", "12345678", {"routing_number": "011000015", "account_number": "12345678"}),
        ("0110-0001-5", "1234 5678", {"routing_number": "011000015", "account_number": "12345678"}),
        ("021000021", "0000", {"routing_number": "021000021", "account_number": "0000"}),
    ],
)
def test_aba_routing_numbers_with_a_valid_checksum(routing, account, expected):
    assert check_aba(routing, account) == expected


@pytest.mark.parametrize(
    ("routing", "account", "field"),
    [
        ("011000016", "12345678", "routing_number"),  # bad check digit
        ("01100001", "12345678", "routing_number"),  # 8 digits
        ("0110000150", "12345678", "routing_number"),  # 10 digits
        ("01100001A", "12345678", "routing_number"),
        ("", "12345678", "routing_number"),
        ("011000015", "123", "account_number"),  # too short
        ("011000015", "1" * 18, "account_number"),  # too long
        ("011000015", "12AB5678", "account_number"),
    ],
)
def test_bad_aba_details_are_refused(routing, account, field):
    with pytest.raises(BankDetailsError) as refused:
        check_aba(routing, account)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("sort_code", "account", "field"),
    [
        ("60-16-13", "31926819", None),
        ("601613", "3192 6819", None),
        ("60-16-1", "31926819", "sort_code"),
        ("60-16-13-1", "31926819", "sort_code"),
        ("60-16-13", "3192681", "account_number"),
        ("60-16-13", "319268190", "account_number"),
    ],
)
def test_uk_sort_code_and_account_number(sort_code, account, field):
    if field is None:
        assert check_sort_code(sort_code, account) == {
            "sort_code": "601613",
            "account_number": "31926819",
        }
        return
    with pytest.raises(BankDetailsError) as refused:
        check_sort_code(sort_code, account)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("typed", "country", "kept"),
    [
        ("DE136695976", "DE", "DE136695976"),
        ("136 695 976", "DE", "DE136695976"),  # the country prefix is added
        ("FR40303265045", "FR", "FR40303265045"),
        ("ATU13585627", "AT", "ATU13585627"),
        ("094259216", "GR", "EL094259216"),  # Greece writes EL
        ("GB980780684", "GB", "GB980780684"),
        ("04-2103594", "US", "042103594"),  # EIN
        ("", "DE", None),  # optional
        ("  ", "US", None),
        ("RFC ABC-123", "MX", "RFC ABC-123"),  # no scheme known: kept as typed
    ],
)
def test_tax_ids(typed, country, kept):
    assert check_tax_id(typed, country) == kept


@pytest.mark.parametrize(
    ("typed", "country"),
    [("DE136695977", "DE"), ("FR40303265046", "FR"), ("GB980780685", "GB"), ("12", "US")],
)
def test_bad_tax_ids_are_refused(typed, country):
    with pytest.raises(BankDetailsError) as refused:
        check_tax_id(typed, country)
    assert refused.value.field == "tax_id"
    assert country in str(refused.value)


@pytest.mark.parametrize(
    ("currency", "scheme"),
    [("EUR", "iban"), ("USD", "us_aba"), ("GBP", "gb_sort_code"), ("CHF", "iban")],
)
def test_the_currency_decides_the_scheme(currency, scheme):
    assert scheme_for(currency) == scheme


def test_a_checked_account_keeps_only_its_schemes_numbers_and_the_last_four():
    checked = check_account(
        currency=" eur ",
        holder_name="  Alpennetz Systemhaus GmbH ",
        partner_country="DE",
        iban="de89 3704 0044 0532 0130 00",
        routing_number="011000015",  # not the scheme of EUR: ignored
        tax_id="136695976",
    )
    assert checked.currency == "EUR" and checked.scheme == "iban" and checked.country == "DE"
    assert checked.fields == {"iban": DE_IBAN}
    assert checked.bic == "COBADEFFXXX" and checked.last4 == "3000"
    assert checked.holder_name == "Alpennetz Systemhaus GmbH"
    assert checked.tax_id == "DE136695976"


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "9" * 5000}, "currency"),
        ({"holder_name": ""}, "holder_name"),
        ({"holder_name": "A" * 71}, "holder_name"),
        ({"holder_name": "Acme\x00"}, "holder_name"),
        ({"iban": "\x00"}, "iban"),
        ({"tax_id": "a\x00b"}, "tax_id"),
    ],
)
def test_bad_values_name_their_field(details, field):
    base = {"currency": "EUR", "holder_name": "Acme", "partner_country": "DE", "iban": DE_IBAN}
    with pytest.raises(BankDetailsError) as refused:
        check_account(**{**base, **details})
    assert refused.value.field == field
