"""Conflict matching between deal registrations: pure functions, no database, no Flask.

A match says how likely two registrations are about the same opportunity, as a score from 0 to 1
plus the reasons behind it, so a reviewer can see *why* two deals were flagged.

Scoring (decided here, documented in docs/decisions.md):

- **Customer evidence** = 1 when the web/e-mail domains share a registrable root (``eu.acme.com``
  and ``acme.com``), else the name similarity. Names are compared after normalisation (case,
  accents, punctuation and legal suffixes such as Inc, GmbH, S.A. or K.K. ignored) as a soft
  Jaccard index over their tokens, where two tokens of five or more letters that differ by a
  typo or two still count (difflib ratio ≥ 0.85).
- **score = 0.7 × customer evidence + 0.2 × overlapping category + 0.1 × same country.**
  Without evidence that the customer is the same, category and country alone (0.3) never flag.
- A pair scoring **≥ 0.6** is a possible conflict: stored and shown to the reviewer. An exact
  name or domain match is at least 0.7 whatever the category and country; a half-matching name
  ("Acme" vs "Acme Widgets", 0.5) is flagged only when the category and country agree too.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from workflows.engine.i18n import N_

CONFLICT_THRESHOLD = Decimal("0.60")
CUSTOMER_WEIGHT = 0.7
CATEGORY_WEIGHT = 0.2
COUNTRY_WEIGHT = 0.1
TOKEN_TYPO_RATIO = 0.85
TOKEN_TYPO_MIN_LENGTH = 5
COMPACT_RATIO = 0.9

# Legal-form tokens as they look after normalisation (lower case, dots removed): "S.p.A." → spa.
_SINGLE_WORD_SUFFIXES = tuple(
    (word,)
    for line in (
        "inc incorporated corp corporation co company cos ltd limited llc llp lp plc pty pte",
        "gmbh mbh ag kg ohg ug ev kgaa se",
        "sa sas sasu sarl eurl sca sci snc",
        "spa srl sapa sl slu",
        "bv nv vof cv",
        "kk gk yk",
        "oy oyj ab as asa aps",
        "sro spzoo zrt kft bhd pvt ltda sae kabushikigaisha",
    )
    for word in line.split()
)
_MULTI_WORD_SUFFIXES = (
    ("kabushiki", "kaisha"),
    ("godo", "kaisha"),
    ("sp", "z", "oo"),
    ("sdn", "bhd"),
    ("private", "limited"),
    ("sa", "de", "cv"),
)
LEGAL_SUFFIXES = tuple(sorted(_SINGLE_WORD_SUFFIXES + _MULTI_WORD_SUFFIXES, key=len, reverse=True))
LEADING_WORDS = (("kabushiki", "kaisha"), ("the",), ("kk",))

# Second-level public suffixes under which organisations register (acme.co.uk ≠ acme.com).
TWO_LEVEL_SUFFIXES = frozenset(
    """
    co.uk org.uk ac.uk gov.uk ltd.uk plc.uk me.uk net.uk sch.uk nhs.uk
    com.au net.au org.au edu.au gov.au asn.au id.au
    co.nz org.nz net.nz govt.nz ac.nz
    co.jp ne.jp or.jp ac.jp go.jp ad.jp ed.jp gr.jp lg.jp
    co.za org.za net.za gov.za ac.za
    com.br net.br org.br gov.br com.mx org.mx gob.mx com.ar com.co com.pe com.ve com.uy com.ec
    com.cn net.cn org.cn gov.cn com.hk org.hk com.tw org.tw com.sg org.sg edu.sg com.my
    co.in net.in org.in firm.in gen.in ind.in co.kr or.kr ne.kr co.id or.id co.th in.th
    com.ph com.vn com.pk com.bd com.np com.lk
    co.il org.il ac.il com.tr org.tr gen.tr com.sa com.eg com.qa com.kw com.bh com.om com.lb
    co.ae com.ng co.ke co.tz co.ug com.gh
    com.pl net.pl org.pl com.es org.es com.pt com.gr com.cy com.mt com.ua co.at or.at gv.at
    co.hu com.ro com.hr co.rs
    """.split()
)
# Free-mail providers: a shared mailbox domain says nothing about the customer.
PUBLIC_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com ymail.com
    aol.com icloud.com me.com mac.com proton.me protonmail.com gmx.de gmx.net gmx.com web.de
    mail.com yandex.ru mail.ru qq.com 163.com 126.com naver.com orange.fr free.fr laposte.net
    libero.it t-online.de zoho.com
    """.split()
)

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DROPPED_IN_WORDS = re.compile(r"[.'’`´]")
_WORD = re.compile(r"[^\W_]+")

REASON_TEMPLATES = {
    "same_domain": N_("same domain %(a)s ← %(b)s"),
    "name_similarity": N_("name similarity %(score)s"),
    "same_category": N_("both in %(category)s"),
    "same_country": N_("same country %(country)s"),
    "same_partner": N_("registered by the same partner"),
}


@dataclass(frozen=True)
class CategoryRef:
    """A category as the matcher sees it: its tree path ("/1/5/") and a label to show."""

    path: str
    label: str


@dataclass(frozen=True)
class Facts:
    """What the matcher compares about one registration."""

    name: str
    domain: str | None
    country: str
    categories: tuple[CategoryRef, ...] = ()
    partner_id: int | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class Match:
    score: Decimal
    reasons: tuple[Reason, ...]

    @property
    def is_conflict(self) -> bool:
        return self.score >= CONFLICT_THRESHOLD

    def reason_dicts(self) -> list[dict[str, Any]]:
        return [reason.as_dict() for reason in self.reasons]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _drop_sequence(tokens: list[str], sequences, *, at_end: bool) -> bool:
    """Remove the longest of `sequences` found at the end (or start) of `tokens`, keeping at
    least one token; True when something was removed."""
    for seq in sequences:
        n = len(seq)
        if len(tokens) <= n:
            continue
        if at_end and tuple(tokens[-n:]) == seq:
            del tokens[-n:]
            return True
        if not at_end and tuple(tokens[:n]) == seq:
            del tokens[:n]
            return True
    return False


def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a company name with case, accents, punctuation and legal forms removed.

    Legal forms are stripped from the end (repeatedly: "Acme Co., Ltd." → acme) and a leading
    "The" or "Kabushiki Kaisha" from the start, but never the last remaining word.
    """
    text = _strip_accents(name).casefold().replace("&", " ")
    tokens = _WORD.findall(_DROPPED_IN_WORDS.sub("", text))
    while _drop_sequence(tokens, LEADING_WORDS, at_end=False):
        pass
    while _drop_sequence(tokens, LEGAL_SUFFIXES, at_end=True):
        pass
    return tuple(tokens)


def normalise_name(name: str) -> str:
    """The customer key for names: normalised tokens joined by single spaces."""
    return " ".join(name_tokens(name))


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) < TOKEN_TYPO_MIN_LENGTH:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    return ratio if ratio >= TOKEN_TYPO_RATIO else 0.0


def token_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Soft Jaccard index: tokens pair up one to one, typo-tolerant pairs count by their ratio."""
    left, right = list(dict.fromkeys(a)), list(dict.fromkeys(b))
    if not left or not right:
        return 0.0
    pairs = sorted(
        ((_token_similarity(x, y), i, j) for i, x in enumerate(left) for j, y in enumerate(right)),
        reverse=True,
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    weight, matched = 0.0, 0
    for similarity, i, j in pairs:
        if similarity == 0.0:
            break
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        weight += similarity
        matched += 1
    return weight / (len(left) + len(right) - matched)


def name_similarity(a: str, b: str) -> float:
    """0–1: how alike two company names are once normalised; spacing differences are forgiven
    ("BlueSky" vs "Blue Sky")."""
    ta, tb = name_tokens(a), name_tokens(b)
    best = token_similarity(ta, tb)
    compact = difflib.SequenceMatcher(None, "".join(ta), "".join(tb)).ratio() if ta and tb else 0
    return max(best, compact) if compact >= COMPACT_RATIO else best


def normalise_domain(raw: str | None) -> str | None:
    """A bare host name from a URL, e-mail address or domain; None when empty.

    "https://www.Acme.com/about" → acme.com; "jane@EU.acme.com" → eu.acme.com. Raises ValueError
    when what is left is not a plausible domain name.
    """
    text = (raw or "").strip().lower()
    if not text:
        return None
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = re.split(r"[/?#:]", text, maxsplit=1)[0].strip(".")
    if text.startswith("www."):
        text = text[4:]
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(raw) from None
    labels = text.split(".")
    if len(labels) < 2 or len(text) > 253 or not all(_DOMAIN_LABEL.match(x) for x in labels):
        raise ValueError(raw)
    if labels[-1].isdigit():
        raise ValueError(raw)
    return text


def domain_root(domain: str | None) -> str | None:
    """The registrable part of a domain: eu.acme.com → acme.com, shop.acme.co.uk → acme.co.uk.

    None for free-mail providers, whose domain identifies no customer.
    """
    if not domain:
        return None
    labels = domain.split(".")
    keep = 3 if ".".join(labels[-2:]) in TWO_LEVEL_SUFFIXES else 2
    root = ".".join(labels[-keep:])
    return None if root in PUBLIC_MAIL_DOMAINS else root


def domains_match(a: str | None, b: str | None) -> bool:
    root = domain_root(a)
    return root is not None and root == domain_root(b)


def overlapping_categories(
    a: Iterable[CategoryRef], b: Iterable[CategoryRef]
) -> tuple[CategoryRef, ...]:
    """Categories of `a` and `b` where one contains the other; the more specific one is named."""
    found: dict[str, CategoryRef] = {}
    b = tuple(b)
    for x in a:
        for y in b:
            if y.path.startswith(x.path):
                found[y.path] = y
            elif x.path.startswith(y.path):
                found[x.path] = x
    return tuple(found[path] for path in sorted(found))


def customer_keys(name: str, domain: str | None) -> tuple[str, ...]:
    """Keys naming the end customer, for the one-approved-registration rule."""
    keys = [f"name:{normalise_name(name)}"]
    if root := domain_root(domain):
        keys.append(f"domain:{root}")
    return tuple(keys)


def match(new: Facts, other: Facts) -> Match:
    """Score how likely `other` concerns the same opportunity as `new`, with the reasons."""
    reasons: list[Reason] = []
    customer = name_score = name_similarity(new.name, other.name)
    if domains_match(new.domain, other.domain):
        customer = 1.0
        reasons.append(Reason("same_domain", {"a": other.domain, "b": new.domain}))
    if name_score > 0:
        reasons.append(Reason("name_similarity", {"score": f"{name_score:.2f}"}))
    shared = overlapping_categories(new.categories, other.categories)
    if shared:
        label = ", ".join(c.label for c in shared)
        reasons.append(Reason("same_category", {"category": label}))
    same_country = bool(new.country) and new.country == other.country
    if same_country:
        reasons.append(Reason("same_country", {"country": new.country}))
    if new.partner_id is not None and new.partner_id == other.partner_id:
        reasons.append(Reason("same_partner"))
    raw = (
        CUSTOMER_WEIGHT * customer + CATEGORY_WEIGHT * bool(shared) + COUNTRY_WEIGHT * same_country
    )
    return Match(Decimal(f"{min(raw, 1.0):.2f}"), tuple(reasons))


def candidate_tokens(name: str) -> tuple[str, ...]:
    """Name words distinctive enough to look up possible conflicts by (three letters or more)."""
    return tuple(t for t in name_tokens(name) if len(t) >= 3 and t not in COMMON_WORDS)


COMMON_WORDS = frozenset(
    """
    and der die das les the von und group groupe gruppe holding holdings international global
    solutions services systems technologies technology software consulting partners industries
    """.split()
)
