"""Write a seeded, deterministic benchmark data set as the CSV files `portal import` reads.

5,000 partners in 500 dealer groups over a 4-level territory tree, 500 SKUs in a category tree,
weekly FX rates for EUR GBP JPY CHF against USD, and N sales lines (default 1,000,000) over
2026-07-01..2026-09-30 in five currencies, about 2 % of them returns.

    python benchmarks/generate.py --lines 1000000 --out benchmarks/data
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

QUARTER_START, QUARTER_END = date(2026, 7, 1), date(2026, 9, 30)
GROUPS, PARTNERS, SKUS = 500, 5000, 500
RETURN_SHARE = 0.02
DEAL_SHARE = 0.05
FOREIGN_CURRENCY_SHARE = 0.08

# region → country → (currency, sub-areas)
GEOGRAPHY: dict[str, dict[str, tuple[str, int]]] = {
    "AMER": {"US": ("USD", 6), "CA": ("USD", 3), "MX": ("USD", 2), "BR": ("USD", 3)},
    "EMEA": {
        "DE": ("EUR", 4),
        "FR": ("EUR", 4),
        "IT": ("EUR", 3),
        "ES": ("EUR", 3),
        "NL": ("EUR", 2),
        "BE": ("EUR", 2),
        "AT": ("EUR", 2),
        "IE": ("EUR", 2),
        "GB": ("GBP", 4),
        "CH": ("CHF", 2),
        "AE": ("USD", 2),
        "ZA": ("USD", 2),
    },
    "APAC": {"JP": ("JPY", 4), "AU": ("USD", 3), "SG": ("USD", 2), "IN": ("USD", 3)},
}
FX_START = {"EUR": "1.0850", "GBP": "1.2710", "JPY": "0.006810", "CHF": "1.1230"}
AREA_NAMES = ("North", "South", "East", "West", "Central", "Coast")
CATEGORIES = {
    "HW": ("Hardware", {"NET": "Networking", "STO": "Storage", "SRV": "Servers"}),
    "SW": ("Software", {"SEC": "Security", "OBS": "Observability", "DB": "Databases"}),
    "SVC": ("Services", {"SUP": "Support", "TRN": "Training"}),
}
LEAVES = (("BAS", "Entry"), ("MID", "Midrange"), ("ENT", "Enterprise"))
TIERS = (("registered", 40), ("silver", 30), ("gold", 20), ("platinum", 10))
NAME_PARTS = (
    ("Nordic", "Alpine", "Pacific", "Atlas", "Summit", "Harbor", "Vertex", "Blue", "Iron", "Delta"),
    ("Networks", "Systems", "Data", "Solutions", "Computing", "Integrators", "Digital", "IT"),
    ("Ltd", "GmbH", "SAS", "Inc", "BV", "KK", "Pty", "AG"),
)


def write_csv(path: Path, header: list[str], rows) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def territories() -> tuple[list[list[str]], dict[str, list[str]]]:
    """World > regions > countries > sub-areas; returns the rows and each country's sub-areas."""
    rows = [["WORLD", "World", ""]]
    areas: dict[str, list[str]] = {}
    for region, countries in GEOGRAPHY.items():
        rows.append([region, region, "WORLD"])
        for country, (_currency, count) in countries.items():
            rows.append([country, f"{country} country", region])
            areas[country] = []
            for index in range(count):
                code = f"{country}-{AREA_NAMES[index][0]}{index + 1}"
                rows.append([code, f"{country} {AREA_NAMES[index]}", country])
                areas[country].append(code)
    return rows, areas


def categories() -> tuple[list[list[str]], list[str]]:
    rows, leaves = [], []
    for top, (top_name, children) in CATEGORIES.items():
        rows.append([top, top_name, ""])
        for child, child_name in children.items():
            rows.append([child, child_name, top])
            for suffix, leaf in LEAVES:
                code = f"{child}-{suffix}"
                rows.append([code, f"{child_name} {leaf}", child])
                leaves.append(code)
    return rows, leaves


def products(rng: random.Random, leaves: list[str]) -> tuple[list[list[str]], list[Decimal]]:
    """SKUs spread over the leaf categories, each with a USD list price."""
    rows, prices = [], []
    for index in range(1, SKUS + 1):
        leaf = leaves[(index - 1) % len(leaves)]
        rows.append([f"SKU-{index:05d}", f"{leaf} model {index}", leaf])
        prices.append(
            Decimal(rng.choice((19, 49, 99, 249, 499, 999, 2490, 4990))) + Decimal("0.99")
        )
    return rows, prices


def partners(rng: random.Random, areas: dict[str, list[str]]) -> list[list[str]]:
    """500 group heads, then 4,500 branches, each in a sub-area of its head's country."""
    countries = list(areas)
    currency = {c: cur for region in GEOGRAPHY.values() for c, (cur, _n) in region.items()}
    tiers, weights = zip(*TIERS, strict=True)
    rows, head_country = [], {}
    for index in range(1, PARTNERS + 1):
        code = f"P{index:05d}"
        if index <= GROUPS:
            parent, country = "", rng.choice(countries)
            head_country[code] = country
        else:
            parent = f"P{rng.randint(1, GROUPS):05d}"
            country = head_country[parent]
        name = " ".join(rng.choice(part) for part in NAME_PARTS) + f" {index}"
        tier = rng.choices(tiers, weights)[0]
        territory = rng.choice(areas[country])
        rows.append([code, name, parent, territory, tier, country, currency[country]])
    return rows


def fx_rates(rng: random.Random) -> list[list[str]]:
    """Weekly rates (Mondays) covering the quarter, as a gentle random walk."""
    rows = []
    first_monday = QUARTER_START - timedelta(days=QUARTER_START.weekday())
    for currency, start in FX_START.items():
        rate = Decimal(start)
        day = first_monday
        while day <= QUARTER_END:
            rows.append([currency, str(rate), day.isoformat()])
            drift = Decimal(rng.randint(-150, 150)) / Decimal(10000)
            rate = (rate * (1 + drift)).quantize(Decimal("0.00000001"))
            day += timedelta(days=7)
    return rows


def sales(rng: random.Random, partner_rows: list[list[str]], prices: list[Decimal], lines: int):
    """Sales lines: a few big partners sell most (Pareto weights); ~2 % are returns."""
    days = (QUARTER_END - QUARTER_START).days + 1
    weights = [1.0 / (rank**0.8) for rank in range(1, len(partner_rows) + 1)]
    rng.shuffle(weights)
    chosen = rng.choices(range(len(partner_rows)), weights, k=lines)
    approx = {"USD": Decimal(1), **{c: Decimal(r) for c, r in FX_START.items()}}
    currencies = list(approx)
    for number, partner_index in enumerate(chosen, start=1):
        partner = partner_rows[partner_index]
        sku_index = rng.randrange(SKUS)
        currency = partner[6]
        if rng.random() < FOREIGN_CURRENCY_SHARE:
            currency = rng.choice(currencies)
        quantity = rng.randint(1, 20)
        discount = Decimal(100 - rng.randint(0, 25)) / 100
        places = Decimal(1) if currency == "JPY" else Decimal("0.01")
        amount = (prices[sku_index] * quantity * discount / approx[currency]).quantize(places)
        if rng.random() < RETURN_SHARE:
            quantity, amount = -rng.randint(1, quantity), -amount
        sold_on = QUARTER_START + timedelta(days=rng.randrange(days))
        deal_ref = f"DR-{rng.randint(1, 40000):06d}" if rng.random() < DEAL_SHARE else ""
        yield [
            f"SL-{number:08d}",
            partner[0],
            f"SKU-{sku_index + 1:05d}",
            sold_on.isoformat(),
            str(quantity),
            str(amount),
            currency,
            deal_ref,
        ]


def generate(out: Path, lines: int, seed: int) -> dict[str, int]:
    """Write all six files into `out`; returns the number of data rows per file."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    territory_rows, areas = territories()
    category_rows, leaves = categories()
    product_rows, prices = products(rng, leaves)
    partner_rows = partners(rng, areas)
    sales_header = ["external_id", "partner_code", "sku", "sold_on", "quantity", "amount"]
    return {
        "territories": write_csv(
            out / "territories.csv", ["code", "name", "parent_code"], territory_rows
        ),
        "categories": write_csv(
            out / "categories.csv", ["code", "name", "parent_code"], category_rows
        ),
        "products": write_csv(out / "products.csv", ["sku", "name", "category_code"], product_rows),
        "partners": write_csv(
            out / "partners.csv",
            ["code", "name", "parent_code", "territory_code", "tier", "country", "currency"],
            partner_rows,
        ),
        "fx": write_csv(out / "fx.csv", ["currency", "rate", "valid_from"], fx_rates(rng)),
        "sales": write_csv(
            out / "sales.csv",
            [*sales_header, "currency", "deal_ref"],
            sales(rng, partner_rows, prices, lines),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="sales lines to write")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--seed", type=int, default=20260701)
    args = parser.parse_args()
    counts = generate(args.out, args.lines, args.seed)
    for name, count in counts.items():
        print(f"{name:12} {count:>9,} rows  {args.out / (name + '.csv')}")


if __name__ == "__main__":
    main()
