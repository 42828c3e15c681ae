"""The conflict matcher, table-driven: true matches, near misses, and the reasons it gives."""

from decimal import Decimal

import pytest

from workflows.deals.matching import (
    CONFLICT_THRESHOLD,
    CategoryRef,
    Facts,
    customer_keys,
    domain_root,
    domains_match,
    match,
    name_similarity,
    name_tokens,
    normalise_domain,
    overlapping_categories,
)

NET = CategoryRef("/1/", "Networking")
SWITCHES = CategoryRef("/1/2/", "Switches")
SECURITY = CategoryRef("/3/", "Security")


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("ACME Corp.", ("acme",)),
        ("Acme Corporation", ("acme",)),
        ("Acme Co., Ltd.", ("acme",)),
        ("Société Générale SA", ("societe", "generale")),
        ("Sony K.K.", ("sony",)),
        ("Kabushiki Kaisha Toshiba", ("toshiba",)),
        ("Toshiba Kabushiki Kaisha", ("toshiba",)),
        ("Fiat S.p.A.", ("fiat",)),
        ("Philips N.V.", ("philips",)),
        ("Heineken B.V.", ("heineken",)),
        ("Nokia Oyj", ("nokia",)),
        ("Volvo AB", ("volvo",)),
        ("BHP Pty Ltd", ("bhp",)),
        ("Müller GmbH & Co. KG", ("muller",)),
        ("Dupont S.A.S.", ("dupont",)),
        ("Les Fleurs SARL", ("les", "fleurs")),
        ("Siemens AG", ("siemens",)),
        ("Tesco PLC", ("tesco",)),
        ("The Limited", ("limited",)),
        ("Inc.", ("inc",)),
        ("O'Reilly Media, Inc.", ("oreilly", "media")),
    ],
)
def test_name_normalisation(name, tokens):
    assert name_tokens(name) == tokens


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("ACME Corp.", "Acme Corporation", 1.0, 1.0),
        ("Société Générale SA", "Societe Generale", 1.0, 1.0),
        ("Sony K.K.", "SONY Kabushiki Kaisha", 1.0, 1.0),
        ("BlueSky Inc", "Blue Sky", 0.9, 1.0),
        ("Microsoft", "Mikrosoft GmbH", 0.85, 0.95),
        ("Acme", "Acme Widgets", 0.5, 0.5),
        ("Blue Ocean Logistics", "Blue Sky Software", 0.2, 0.2),
        ("Blue Ocean Logistics", "Red Ocean Logistics", 0.5, 0.5),
        ("Acme", "Acne", 0.0, 0.0),
        ("Globex", "Initech", 0.0, 0.0),
    ],
)
def test_name_similarity(a, b, low, high):
    assert low <= round(name_similarity(a, b), 2) <= high
    assert name_similarity(a, b) == name_similarity(b, a)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("acme.com", "acme.com"),
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("jane.doe@EU.acme.com", "eu.acme.com"),
        ("acme.com:8443", "acme.com"),
        ("acme.com.", "acme.com"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("", None),
        (None, None),
    ],
)
def test_domain_normalisation(raw, normalised):
    assert normalise_domain(raw) == normalised


@pytest.mark.parametrize("raw", ["acme", "1.2.3.4", "a..b", "-acme.com", "acme .com", "<b>.com"])
def test_domain_normalisation_refuses_junk(raw):
    with pytest.raises(ValueError):
        normalise_domain(raw)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("eu.acme.com", "acme.com", True),
        ("eu.acme.com", "us.acme.com", True),
        ("acme.com", "acme.co.uk", False),
        ("shop.acme.co.uk", "acme.co.uk", True),
        ("acme.co.uk", "other.co.uk", False),
        ("acme.com.au", "acme.com", False),
        ("sales.acme.co.jp", "acme.co.jp", True),
        ("gmail.com", "gmail.com", False),
        (None, "acme.com", False),
    ],
)
def test_domain_match_includes_subdomains_but_not_other_suffixes(a, b, same):
    assert domains_match(a, b) is same


def test_domain_root_of_free_mail_is_none():
    assert domain_root("mail.yahoo.com") is None
    assert domain_root("acme.co.uk") == "acme.co.uk"


def test_category_overlap_uses_the_tree():
    assert overlapping_categories([NET], [SWITCHES]) == (SWITCHES,)
    assert overlapping_categories([SWITCHES], [NET]) == (SWITCHES,)
    assert overlapping_categories([NET], [SECURITY]) == ()


def facts(name, domain=None, country="DE", categories=(NET,), partner_id=None):
    return Facts(name, domain, country, tuple(categories), partner_id)


MATCHES = [
    # (new, other, expected score, expected reason codes)
    (
        facts("ACME Corp.", "acme.com"),
        facts("Acme Corporation", "acme.com"),
        "1.00",
        ["same_domain", "name_similarity", "same_category", "same_country"],
    ),
    (
        facts("Acme Europe", "eu.acme.com"),
        facts("ACME Inc", "acme.com", categories=(SWITCHES,)),
        "1.00",
        ["same_domain", "name_similarity", "same_category", "same_country"],
    ),
    (
        facts("ACME Ltd", "acme.co.uk", country="GB"),
        facts("Acme Inc", "acme.com", country="US"),
        "0.90",
        ["name_similarity", "same_category"],
    ),
    (
        facts("Société Générale SA"),
        facts("Societe Generale"),
        "1.00",
        ["name_similarity", "same_category", "same_country"],
    ),
    (
        facts("Sony K.K.", country="JP", categories=(SECURITY,)),
        facts("Sony Corporation", country="JP"),
        "0.80",
        ["name_similarity", "same_country"],
    ),
    (facts("Blue Ocean Logistics"), facts("Blue Sky Software"), "0.44", None),
    (facts("Acme", "acme.com"), facts("Globex", "globex.com"), "0.30", None),
    (facts("Acme Widgets"), facts("Acme"), "0.65", None),
    (facts("Acme Widgets", country="FR"), facts("Acme"), "0.55", None),
    (facts("Initech", "gmail.com"), facts("Globex", "gmail.com"), "0.30", None),
]


@pytest.mark.parametrize(("new", "other", "score", "codes"), MATCHES)
def test_match_scores_and_reasons(new, other, score, codes):
    result = match(new, other)
    assert result.score == Decimal(score)
    assert result.is_conflict is (result.score >= CONFLICT_THRESHOLD)
    if codes is not None:
        assert [r.code for r in result.reasons] == codes
        assert result.is_conflict


def test_different_companies_sharing_words_stay_below_threshold():
    result = match(facts("Blue Ocean Logistics"), facts("Blue Sky Software"))
    assert not result.is_conflict


def test_reasons_carry_the_evidence():
    result = match(
        facts("Acme EU", "eu.acme.com"), facts("ACME", "acme.com", categories=(SWITCHES,))
    )
    reasons = {r.code: r.params for r in result.reasons}
    assert reasons["same_domain"] == {"a": "acme.com", "b": "eu.acme.com"}
    assert reasons["same_category"] == {"category": "Switches"}
    assert reasons["same_country"] == {"country": "DE"}
    assert reasons["name_similarity"] == {"score": "0.50"}
    assert result.reason_dicts()[0] == {"code": "same_domain", "params": reasons["same_domain"]}


def test_same_partner_is_a_reason_but_adds_nothing():
    mine = facts("ACME", partner_id=1)
    assert "same_partner" in [r.code for r in match(mine, facts("ACME", partner_id=1)).reasons]
    assert (
        match(mine, facts("ACME", partner_id=1)).score
        == match(mine, facts("ACME", partner_id=2)).score
    )


def test_customer_keys_name_and_domain_root():
    assert customer_keys("ACME Corp.", "eu.acme.com") == ("name:acme", "domain:acme.com")
    assert customer_keys("ACME Corp.", "gmail.com") == ("name:acme",)
    assert customer_keys("ACME Corp.", None) == ("name:acme",)
