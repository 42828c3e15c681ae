"""Stored values read as words in the reader's language, and every stored value has one."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.labels import BADGES, LABELS, badge, label
from portal.models import Role
from portal.models.deals import DEAL_STATES, EXTENSION_STATES
from portal.models.mdf import CLAIM_STATES as MDF_CLAIM_STATES
from portal.models.mdf import FUND_STATES
from portal.models.mdf import REQUEST_STATES as MDF_REQUEST_STATES
from portal.models.onboarding import APPLICATION_STATES, BUSINESS_TYPES
from portal.models.partners import TIERS
from portal.models.payables import BATCH_STATES, CLAIM_STATES
from portal.models.programs import PAYOUT_KINDS, RUN_KINDS, RUN_STATES
from portal.models.rewards import ENTRY_KINDS, REDEMPTION_STATES
from portal.models.tasks import TASK_STATES
from portal.models.trips import TRIP_STATES


@pytest.mark.parametrize(
    ("vocabulary", "values"),
    [
        ("status", RUN_STATES + BATCH_STATES + REDEMPTION_STATES + TASK_STATES),
        ("run_kind", RUN_KINDS),
        ("payout_kind", PAYOUT_KINDS),
        ("entry_kind", ENTRY_KINDS),
        ("role", tuple(role.value for role in Role)),
        ("deal_state", DEAL_STATES),
        ("deal_extension", EXTENSION_STATES),
        ("application_state", APPLICATION_STATES),
        ("claim_state", CLAIM_STATES),
        ("mdf_request_state", MDF_REQUEST_STATES),
        ("mdf_claim_state", MDF_CLAIM_STATES),
        ("business_type", BUSINESS_TYPES),
        ("tier", TIERS),
        ("fund_state", FUND_STATES),
        ("trip_award_state", TRIP_STATES),
    ],
)
def test_every_stored_value_has_a_label(vocabulary, values):
    assert set(values) <= set(LABELS[vocabulary])


def test_labels_follow_the_readers_language(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert label("done", "status") == "done"
        with force_locale("fr"):
            assert label("done", "status") == "terminé"
            assert label("channel_manager", "role") == "responsable de canal"
        with force_locale("ja"):
            assert label("settlement", "run_kind") == "精算"


def test_unknown_values_show_as_stored(app):
    with app.test_request_context("/"):
        assert label("something_new", "status") == "something_new"
        assert label(None, "status") == ""


def test_refusals_name_states_in_the_readers_language(app):
    from flask_babel import gettext

    from workflows.engine import N_, Term
    from workflows.payables.errors import PayablesError

    template = N_("Claim %(id)s is already %(status)s.")
    refused = PayablesError(template, id=7, status=Term("approved"))
    assert refused.render() == "Claim 7 is already approved."
    with app.test_request_context("/"), force_locale("fr"):
        assert refused.render(gettext) == "La demande 7 a déjà le statut approuvé."


def test_tiers_and_redemption_states_have_labels_and_unknown_tiers_show_as_stored(app):
    assert {"registered", "silver", "gold", "platinum"} <= set(LABELS["tier"])
    assert set(REDEMPTION_STATES) <= set(LABELS["redemption_state"])
    with app.test_request_context("/"), force_locale("de"):
        assert label("registered", "tier") == "registriert"
        assert label("diamond", "tier") == "diamond"  # tiers are data; a new one shows as named


def test_badges_colour_labelled_values_only():
    for vocabulary, colours in BADGES.items():
        assert set(colours) <= set(LABELS[vocabulary]), vocabulary


def test_a_badge_shows_the_label_in_its_colour_and_escapes_what_it_is_given(app):
    with app.test_request_context("/"), force_locale("de"):
        assert badge("won", "deal_state") == '<span class="badge text-bg-primary">gewonnen</span>'
        assert badge("draft", "deal_state") == (
            '<span class="badge text-bg-secondary">Entwurf</span>'
        )
        marked = badge("needs_info", "application_state", marked=True)
        assert 'class="badge text-bg-warning" data-state="needs_info"' in marked
        assert (
            badge("x", "status", text="<b>")
            == '<span class="badge text-bg-secondary">&lt;b&gt;</span>'
        )


def test_workflows_keep_state_names_only():
    """Badge colours and page labels live in portal.labels, not in the workflows."""
    import workflows.deals.states as deals
    import workflows.onboarding.states as onboarding

    for module in (deals, onboarding):
        assert not hasattr(module, "STATE_BADGES")
