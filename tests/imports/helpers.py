"""Shared bits of the import tests: headers, CSV bytes, and the single error of a rejection."""

from __future__ import annotations

from workflows.imports import ImportResult

HEADERS = {
    "territories": "code,name,parent_code",
    "categories": "code,name,parent_code",
    "products": "sku,name,category_code",
    "partners": "code,name,parent_code,territory_code,tier,country,currency",
    "fx": "currency,rate,valid_from",
    "sales": "external_id,partner_code,sku,sold_on,quantity,amount,currency",
}


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data


def only_error(result: ImportResult):
    """The single error of a rejected import."""
    assert not result.ok
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return result.errors[0]
