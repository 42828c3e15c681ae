"""Programs as data: validate a spec against the database and keep every change as a version."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.foundation.audit import record_event
from workflows.calc.specs import parse_program
from workflows.engine import N_, Problem, ProgramSpec, SpecError, spec_from_dict, spec_hash
from workflows.engine.spec import spec_to_dict

from ..extensions import db
from ..models import Program, ProgramVersion, utcnow
from ..security import Perm, ensure


def current_version(program: Program) -> ProgramVersion:
    return db.session.scalars(
        select(ProgramVersion).where(
            ProgramVersion.program_id == program.id,
            ProgramVersion.version == program.current_version,
        )
    ).one()


def refuse_code_change(spec: ProgramSpec, program: Program | None) -> None:
    """A new version keeps its program's code."""
    if program is not None and spec.code != program.code:
        raise SpecError(
            [
                Problem(
                    "code",
                    N_("The code of an existing program cannot change; it is %(code)s."),
                    {"code": program.code},
                )
            ]
        )


def save_program(
    text: str, *, actor, fmt: str | None = None, program: Program | None = None
) -> tuple[Program, ProgramVersion, bool]:
    """Create the program, or add a version when the spec changed. Returns (program, version,
    created?); a spec equal to the current version (same canonical hash) adds nothing."""
    ensure(actor, Perm.MANAGE_PROGRAMS)
    spec = parse_program(text, fmt)
    refuse_code_change(spec, program)
    program = program or db.session.scalar(select(Program).where(Program.code == spec.code))
    digest = spec_hash(spec)
    if program is not None:
        latest = current_version(program)
        if latest.spec_hash == digest:
            return program, latest, False
        number = 1 + db.session.scalar(
            select(func.max(ProgramVersion.version)).where(ProgramVersion.program_id == program.id)
        )
        program.name, program.kind, program.current_version = spec.name, spec.kind, number
        program.updated_at = utcnow()
        action = "program.version"
    else:
        number = 1
        program = Program(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            current_version=1,
            created_by_id=actor.id,
        )
        db.session.add(program)
        action = "program.create"
    version = ProgramVersion(
        program=program,
        version=number,
        spec=spec_to_dict(spec),
        spec_hash=digest,
        source=text,
        created_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    record_event(
        actor,
        action,
        program,
        after={"code": program.code, "version": number, "spec_hash": digest},
    )
    return program, version, True


def programs_query():
    return select(Program).order_by(Program.code)


def spec_of(version: ProgramVersion) -> ProgramSpec:
    return spec_from_dict(version.spec)
