"""Partners, territories and programs: read only."""

from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import Partner, Program, ProgramVersion, Territory
from ...partners.services import current_assignments, partners_query
from ...programs.services import current_version
from ...security import Perm, get_unscoped_or_404, get_visible_or_404, visible_to
from .. import serializers
from ..registry import PAGING, Param, cursor_page, operation, path_id

SEARCH = Param("q", "query", {"type": "string", "maxLength": 100}, "Part of the code or name.")


def _partners(rows: list[Partner]) -> list[dict]:
    assignments = current_assignments([p.id for p in rows])
    return [serializers.partner(p, assignments.get(p.id, (None, None))) for p in rows]


@operation(
    "GET",
    "/partners",
    "listPartners",
    summary="List the partners the user may see",
    tag="partners",
    perm=Perm.VIEW_PARTNERS,
    response="PartnerPage",
    params=(SEARCH, *PAGING),
)
def list_partners(q, limit, cursor):
    stmt = partners_query(current_user, q or "")
    return cursor_page(stmt, Partner, limit=limit, cursor=cursor, serialize_rows=_partners)


@operation(
    "GET",
    "/partners/{partner_id}",
    "getPartner",
    summary="One partner, with its territory and tier today",
    tag="partners",
    perm=Perm.VIEW_PARTNERS,
    response="Partner",
    params=(path_id("partner_id", "partner"),),
)
def get_partner(partner_id):
    return _partners([get_visible_or_404(Partner, partner_id)])[0]


@operation(
    "GET",
    "/territories",
    "listTerritories",
    summary="List the territories the user may see",
    tag="territories",
    perm=Perm.VIEW_TERRITORIES,
    response="TerritoryPage",
    params=PAGING,
)
def list_territories(limit, cursor):
    stmt = visible_to(select(Territory), current_user, Territory)
    return cursor_page(stmt, Territory, limit=limit, cursor=cursor, serialize=serializers.territory)


@operation(
    "GET",
    "/territories/{territory_id}",
    "getTerritory",
    summary="One territory",
    tag="territories",
    perm=Perm.VIEW_TERRITORIES,
    response="Territory",
    params=(path_id("territory_id", "territory"),),
)
def get_territory(territory_id):
    return serializers.territory(get_visible_or_404(Territory, territory_id))


def _program(program: Program) -> dict:
    return serializers.program(program, current_version(program).spec)


def _programs(rows: list[Program]) -> list[dict]:
    """A page of programs with their current specs, read in one query."""
    specs = dict(
        db.session.execute(
            select(ProgramVersion.program_id, ProgramVersion.spec)
            .join(Program, Program.id == ProgramVersion.program_id)
            .where(
                ProgramVersion.program_id.in_([p.id for p in rows]),
                ProgramVersion.version == Program.current_version,
            )
        ).all()
    )
    return [serializers.program(p, specs[p.id]) for p in rows]


@operation(
    "GET",
    "/programs",
    "listPrograms",
    summary="List programs with their current spec",
    tag="programs",
    perm=Perm.MANAGE_PROGRAMS,
    response="ProgramPage",
    params=PAGING,
)
def list_programs(limit, cursor):
    return cursor_page(
        select(Program), Program, limit=limit, cursor=cursor, serialize_rows=_programs
    )


@operation(
    "GET",
    "/programs/{program_id}",
    "getProgram",
    summary="One program with its current spec",
    tag="programs",
    perm=Perm.MANAGE_PROGRAMS,
    response="Program",
    params=(path_id("program_id", "program"),),
)
def get_program(program_id):
    return _program(get_unscoped_or_404(Program, program_id))
