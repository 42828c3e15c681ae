from flask import flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workflows.engine import SpecError

from ..calc.forms import StartRunForm
from ..extensions import db
from ..models import CalcRun, Program, utcnow
from ..pagination import paginate
from ..rewards.forms import PostPointsForm
from ..security import Perm, requires
from . import bp, services
from .describe import SPEC_FIELDS, describe_spec
from .forms import ProgramForm


def _problems(error: SpecError) -> list[tuple[str, str]]:
    """(where, what) per problem, in the reader's language."""
    return [(problem.path, problem.render(_, format_date)) for problem in error.problems]


def _save(form: ProgramForm, program: Program | None = None):
    """Validate and store the form's spec; (program, problems) — commits on success."""
    if not form.validate_on_submit():
        return None, []
    try:
        saved, version, created = services.save_program(
            form.source.data, actor=current_user, program=program
        )
    except SpecError as exc:
        db.session.rollback()
        return None, _problems(exc)
    db.session.commit()
    if created:
        flash(_("Saved as version %(version)s.", version=version.version), "success")
    else:
        flash(_("Nothing changed: the definition equals the current version."), "info")
    return saved, []


@bp.get("/")
@requires(Perm.MANAGE_PROGRAMS)
def index():
    return render_template("programs/index.html", page=paginate(services.programs_query()))


@bp.route("/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_PROGRAMS)
def new():
    form = ProgramForm()
    program, problems = _save(form)
    if program is not None:
        return redirect(url_for("programs.detail", program_id=program.id))
    return render_template(
        "programs/edit.html", form=form, problems=problems, program=None, spec_fields=SPEC_FIELDS
    )


@bp.get("/<int:program_id>")
@requires(Perm.MANAGE_PROGRAMS)
def detail(program_id):
    program = db.get_or_404(Program, program_id)
    spec = services.spec_of(services.current_version(program))
    runs = db.session.scalars(
        select(CalcRun)
        .where(CalcRun.program_id == program.id)
        .order_by(CalcRun.id.desc())
        .limit(20)
    ).all()
    period = spec.period.label if spec.period else utcnow().strftime("%Y-%m")
    return render_template(
        "programs/detail.html",
        program=program,
        rules=describe_spec(spec),
        runs=runs,
        form=StartRunForm(period=period),
        post_form=PostPointsForm(period=period) if program.kind == "loyalty" else None,
    )


@bp.route("/<int:program_id>/edit", methods=["GET", "POST"])
@requires(Perm.MANAGE_PROGRAMS)
def edit(program_id):
    program = db.get_or_404(Program, program_id)
    form = ProgramForm(source=services.current_version(program).source)
    saved, problems = _save(form, program)
    if saved is not None:
        return redirect(url_for("programs.detail", program_id=program.id))
    return render_template(
        "programs/edit.html", form=form, problems=problems, program=program, spec_fields=SPEC_FIELDS
    )
