"""JSON schemas of everything the API sends and accepts (the OpenAPI components)."""

from __future__ import annotations

from typing import Any

DECIMAL = r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$"
TEXT_IN = r"^[^\x00]*$"  # no NUL: PostgreSQL text cannot hold it
CODE = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": TEXT_IN}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*kinds, "null"]}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, **extra) -> dict:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


def page_of(name: str) -> dict[str, Any]:
    return obj(
        {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            "next_cursor": nullable({"type": "string"}),
        }
    )


ID = {"type": "integer"}
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; anything larger names nothing
ONE_LINE = r"^[^\r\n\x00]*$"  # a CSV cell: no line breaks, no NUL


def cell(max_length: int, min_length: int = 0) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, "pattern": ONE_LINE}


TEXT = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
MONEY = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "An exact decimal."}

SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": {"type": "string", "description": "Stable, for programs."},
                    "message": {"type": "string", "description": "English, for people."},
                    "details": {
                        "type": "array",
                        "items": {"type": "object"},
                        "description": "What was wrong, e.g. [{field, problem}].",
                    },
                }
            )
        }
    ),
    "Partner": obj(
        {
            "id": ID,
            "code": TEXT,
            "name": TEXT,
            "country": TEXT,
            "currency": TEXT,
            "parent_id": nullable(ID),
            "territory": nullable(TEXT),
            "tier": nullable(TEXT),
        }
    ),
    "Territory": obj(
        {"id": ID, "code": TEXT, "name": TEXT, "parent_id": nullable(ID), "depth": ID}
    ),
    "DealRegistration": obj(
        {
            "id": ID,
            "reference": nullable(TEXT),
            "partner_id": ID,
            "state": TEXT,
            "customer_name": TEXT,
            "domain": nullable(TEXT),
            "country": TEXT,
            "estimated_value": MONEY,
            "currency": TEXT,
            "expected_close_on": DATE,
            "notes": TEXT,
            "categories": {"type": "array", "items": TEXT},
            "products": {"type": "array", "items": TEXT},
            "submitted_at": nullable(DATETIME),
            "decided_at": nullable(DATETIME),
            "rejection_reason": nullable(TEXT),
            "decision_note": nullable(TEXT),
            "protection_ends_on": nullable(DATE),
            "protection_program": nullable(TEXT),
            "created_at": DATETIME,
            "updated_at": DATETIME,
        }
    ),
    "DealCreate": obj(
        {
            "customer_name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "pattern": TEXT_IN,
            },
            "country": {
                "type": "string",
                "pattern": "^[A-Z]{2}$",
                "description": "ISO 3166-1 alpha-2, such as DE; regions such as EU or ZZ are "
                "refused (422), as on the page.",
            },
            "estimated_value": {
                "type": "string",
                "pattern": DECIMAL,
                "description": "No more decimals than the currency has (HUF and JPY none).",
            },
            "currency": {
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "description": "ISO 4217 legal tender, such as EUR; XXX, XTS, metals and BTC "
                "are refused (422).",
            },
            "expected_close_on": DATE,
        },
        {
            "domain": nullable({"type": "string", "maxLength": 253, "pattern": TEXT_IN}),
            "categories": {"type": "array", "items": CODE, "maxItems": 50},
            "products": {"type": "array", "items": CODE, "maxItems": 200},
            "notes": {"type": "string", "maxLength": 2000, "pattern": TEXT_IN},
            "submit": {
                "type": "boolean",
                "default": True,
                "description": "Submit for review (true) or keep as a draft (false).",
            },
        },
    ),
    "DealDecision": obj(
        {"action": {"type": "string", "enum": ["approve", "reject", "return"]}},
        {
            "reason": {
                "type": "string",
                "maxLength": 32,
                "pattern": TEXT_IN,
                "description": "Required to reject: duplicate, direct_sales, "
                "insufficient_information, not_qualified, outside_territory or other.",
            },
            "note": {"type": "string", "maxLength": 2000, "pattern": TEXT_IN},
        },
    ),
    "SaleLineInput": obj(
        {
            "external_id": cell(128, min_length=1),
            "partner_code": cell(64),
            "sku": cell(64),
            "sold_on": cell(32),
            "quantity": cell(32),
            "amount": cell(32),
            "currency": cell(8),
        },
        {"deal_ref": nullable(cell(64))},
        description="Cells as in the sales CSV; they are checked exactly like an import.",
    ),
    "SalesBulkRequest": obj(
        {
            "lines": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/SaleLineInput"},
                "minItems": 1,
                "maxItems": 50000,
            }
        },
        {"dry_run": {"type": "boolean", "default": False}},
    ),
    "SalesBulkResult": obj(
        {
            "rows_total": ID,
            "inserted": ID,
            "updated": ID,
            "unchanged": ID,
            "dry_run": {"type": "boolean"},
        }
    ),
    "Program": obj(
        {
            "id": ID,
            "code": TEXT,
            "name": TEXT,
            "kind": TEXT,
            "current_version": ID,
            "spec": {"type": "object"},
            "created_at": DATETIME,
            "updated_at": DATETIME,
        }
    ),
    "CalcRunStart": obj(
        {"program_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        {
            "period": {
                "type": "string",
                "maxLength": 32,
                "pattern": TEXT_IN,
                "description": "2026-Q3, 2026-07, 2026 or a..b; default: the program's period.",
            },
            "kind": {"type": "string", "enum": ["accrual", "settlement"], "default": "accrual"},
        },
    ),
    "CalcRun": obj(
        {
            "id": ID,
            "program_id": ID,
            "program_code": TEXT,
            "kind": TEXT,
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "shards_total": ID,
            "shards_done": ID,
            "period": TEXT,
            "period_start": DATE,
            "period_end": DATE,
            "currency": TEXT,
            "payee_count": ID,
            "total_amount": MONEY,
            "unusable_count": ID,
            "error": nullable(TEXT),
            "created_at": DATETIME,
            "started_at": nullable(DATETIME),
            "finished_at": nullable(DATETIME),
        }
    ),
    "CalcResult": obj(
        {
            "id": ID,
            "run_id": ID,
            "payee_id": ID,
            "payee_code": TEXT,
            "measure": MONEY,
            "rate": nullable(MONEY),
            "amount": MONEY,
            "currency": TEXT,
            "capped": {"type": "boolean"},
            "line_count": ID,
        }
    ),
    "ContestStanding": obj(
        {
            "partner_code": TEXT,
            "rank": {"type": "integer", "minimum": 1, "description": "1 is the best, per group."},
            "measure": {
                **MONEY,
                "description": "Revenue or growth in the contest's currency, units sold, or "
                "loyalty points earned (whole).",
            },
            "qualified": {"type": "boolean"},
            "gap": {
                **MONEY,
                "description": "What is still needed to qualify (money with its cents, whole "
                "units or points); 0 when qualified.",
            },
        }
    ),
    "ContestStandings": obj(
        {
            "contest_id": ID,
            "program_code": TEXT,
            "as_of": nullable(DATE),
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ContestStanding"}},
        }
    ),
    "PartnerReward": obj(
        {
            "id": ID,
            "run_id": ID,
            "program_code": TEXT,
            "period": TEXT,
            "kind": {"type": "string", "enum": ["accrual", "settlement"]},
            "approved": {"type": "boolean", "description": "A settlement approved for payout."},
            "measure": MONEY,
            "band_from": nullable(MONEY),
            "rate": nullable(MONEY),
            "amount": MONEY,
            "currency": TEXT,
            "capped": {"type": "boolean"},
            "line_count": ID,
            "explanation": {
                "type": "array",
                "items": {"type": "string"},
                "description": "How the amount was reached, one sentence per step.",
            },
        }
    ),
    "PointsBalance": obj(
        {
            "partner_id": ID,
            "as_of": DATE,
            "available": {"type": "integer", "description": "Spendable points on as_of."},
            "held": {"type": "integer", "description": "Held by open redemption requests."},
            "expiring": {"type": "integer", "description": "Usable points lapsing within 90 days."},
        }
    ),
    "ProgramBalance": obj(
        {
            "program_id": ID,
            "program_code": TEXT,
            "currency": TEXT,
            "accrued": {**MONEY, "description": "Estimate of the latest accrual of open periods."},
            "approved": {**MONEY, "description": "Approved settlements and claims not yet paid."},
            "paid": {**MONEY, "description": "Paid in exported payout batches."},
        }
    ),
    "MoneyBalances": obj(
        {
            "partner_id": ID,
            "balances": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProgramBalance"},
                "description": "One entry per program and currency, by program code.",
            },
        }
    ),
    "PointsEntry": obj(
        {
            "id": ID,
            "partner_id": ID,
            "program_id": nullable(ID),
            "kind": TEXT,
            "points": ID,
            "occurred_on": DATE,
            "expires_on": nullable(DATE),
            "source": TEXT,
        }
    ),
    "Claim": obj(
        {
            "id": ID,
            "partner_id": ID,
            "program_id": ID,
            "period": TEXT,
            "sale_reference": TEXT,
            "sold_on": DATE,
            "amount": MONEY,
            "currency": TEXT,
            "status": {
                "type": "string",
                "enum": ["submitted", "first_approved", "approved", "rejected"],
            },
            "invoice_name": TEXT,
            "reason": nullable(TEXT),
            "created_at": DATETIME,
            "approved_at": nullable(DATETIME),
        }
    ),
    "ClaimCreate": obj(
        {
            "program_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "sale_reference": {
                "type": "string",
                "minLength": 1,
                "maxLength": 120,
                "pattern": TEXT_IN,
            },
            "sold_on": DATE,
            "amount": {"type": "string", "pattern": DECIMAL},
            "invoice": obj(
                {
                    "filename": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 255,
                        "pattern": TEXT_IN,
                    },
                    "content_type": {
                        "type": "string",
                        "enum": ["application/pdf", "image/png", "image/jpeg"],
                    },
                    "content_base64": {"type": "string", "minLength": 1, "maxLength": 15_000_000},
                },
                description="The proof of sale, checked like an upload on the claims page.",
            ),
        }
    ),
    "ClaimDecision": obj(
        {"action": {"type": "string", "enum": ["approve", "reject"]}},
        {"reason": {"type": "string", "maxLength": 2000, "pattern": TEXT_IN}},
    ),
}
MDF_FIGURES = obj(
    {
        "currency": TEXT,
        "allocated": {**MONEY, "description": "Money allocated to the scope (and earned)."},
        "committed": {**MONEY, "description": "Committed by approved requests, claimed included."},
        "claimed": {**MONEY, "description": "Approved claims."},
        "paid": {**MONEY, "description": "Claims paid by exported payout batches."},
        "expired": {**MONEY, "description": "Left uncommitted at the claim deadline."},
        "available": {**MONEY, "description": "allocated - committed - expired."},
    },
    description="A fund's money as seen from one scope, in the fund's currency.",
)
MDF_SCOPE = {
    "type": "string",
    "enum": ["fund", "territories", "territory", "partner"],
    "description": "Whose figures: the whole fund (finance), the caller's territories "
    "(a channel manager), one territory and everything below it, or one partner.",
}
MDF_TEXT = {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": TEXT_IN}
MDF_REASON = {"type": "string", "maxLength": 2000, "pattern": TEXT_IN}
PROOF_IN = obj(
    {
        "filename": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": TEXT_IN},
        "content_type": {"type": "string", "enum": ["application/pdf", "image/png", "image/jpeg"]},
        "content_base64": {"type": "string", "minLength": 1, "maxLength": 15_000_000},
    },
    description="A proof file, checked like an upload on the claim page.",
)
SCHEMAS.update(
    {
        "MdfFigures": MDF_FIGURES,
        "MdfFund": obj(
            {
                "id": ID,
                "code": TEXT,
                "name": TEXT,
                "kind": {"type": "string", "enum": ["allocated", "earned"]},
                "state": {"type": "string", "enum": ["open", "expired"]},
                "currency": TEXT,
                "starts_on": DATE,
                "ends_on": DATE,
                "claim_deadline": DATE,
                "claim_days": ID,
                "second_approval_above": nullable(MONEY),
                "scope": MDF_SCOPE,
                "scope_code": nullable(TEXT),
                "figures": {"$ref": "#/components/schemas/MdfFigures"},
            }
        ),
        "MdfRequest": obj(
            {
                "id": ID,
                "fund_id": ID,
                "fund_code": TEXT,
                "partner_id": ID,
                "partner_code": TEXT,
                "activity_type": TEXT,
                "state": {
                    "type": "string",
                    "enum": [
                        "submitted",
                        "first_approved",
                        "returned",
                        "approved",
                        "rejected",
                        "claimed",
                        "lapsed",
                    ],
                },
                "starts_on": DATE,
                "ends_on": DATE,
                "description": TEXT,
                "currency": TEXT,
                "requested_amount": MONEY,
                "approved_amount": nullable(MONEY),
                "expected_leads": nullable(ID),
                "expected_pipeline": nullable(MONEY),
                "claim_due_on": DATE,
                "reason": nullable(TEXT),
                "created_at": DATETIME,
                "updated_at": DATETIME,
                "first_approved_at": nullable(DATETIME),
                "approved_at": nullable(DATETIME),
                "decided_at": nullable(DATETIME),
            }
        ),
        "MdfRequestCreate": obj(
            {
                "fund_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "activity_type": {**CODE, "description": "An active activity type's code."},
                "starts_on": DATE,
                "ends_on": DATE,
                "amount": {
                    "type": "string",
                    "pattern": DECIMAL,
                    "description": "In the fund's currency, no more decimals than it has.",
                },
                "description": MDF_TEXT,
            },
            {
                "expected_leads": nullable({"type": "integer", "minimum": 0, "maximum": 10**9}),
                "expected_pipeline": nullable({"type": "string", "pattern": DECIMAL}),
            },
        ),
        "MdfApproval": obj(
            {},
            {
                "amount": {
                    "type": "string",
                    "pattern": DECIMAL,
                    "description": "Approve less than was requested; default: the requested "
                    "amount (send {} for that).",
                }
            },
        ),
        "MdfReason": obj({"reason": MDF_REASON}),
        "MdfProof": obj({"id": ID, "name": TEXT, "content_type": TEXT, "size": ID}),
        "MdfClaim": obj(
            {
                "id": ID,
                "request_id": ID,
                "fund_id": ID,
                "fund_code": TEXT,
                "partner_id": ID,
                "partner_code": TEXT,
                "amount": MONEY,
                "currency": TEXT,
                "state": {"type": "string", "enum": ["submitted", "approved", "rejected"]},
                "reason": nullable(TEXT),
                "paid": {"type": "boolean", "description": "An exported payout batch paid it."},
                "proofs": {"type": "array", "items": {"$ref": "#/components/schemas/MdfProof"}},
                "created_at": DATETIME,
                "decided_at": nullable(DATETIME),
            }
        ),
        "MdfClaimCreate": obj(
            {
                "amount": {"type": "string", "pattern": DECIMAL},
                "proofs": {"type": "array", "items": PROOF_IN, "minItems": 1, "maxItems": 10},
            }
        ),
    }
)
for _name in (
    "Claim",
    "MdfFund",
    "MdfRequest",
    "MdfClaim",
    "PointsEntry",
    "Partner",
    "Territory",
    "DealRegistration",
    "Program",
    "CalcRun",
    "CalcResult",
    "PartnerReward",
):
    SCHEMAS[f"{_name}Page"] = page_of(_name)
