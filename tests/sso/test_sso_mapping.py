"""The mapping from a provider's groups to roles and territories, without HTTP."""

from __future__ import annotations

import pytest

from portal.auth.sso import services
from portal.models import SsoProvider

STAFF = SsoProvider(
    name="s",
    groups_claim="groups",
    role_map={"a": "admin", "f": "finance", "c": "channel_manager"},
    territory_map={},
    domains=["vendor.example"],
)
PARTNER = SsoProvider(
    name="p",
    groups_claim="roles",
    role_map={"owners": "partner_admin"},
    territory_map={},
    domains=["alpen.example"],
    partner_id=1,
)


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ({"c"}, "channel_manager"),
        ({"c", "f"}, "finance"),
        ({"c", "f", "a"}, "admin"),
        ({"other"}, None),
        (set(), None),
    ],
)
def test_staff_get_the_highest_mapped_role(groups, role):
    assert services.mapped_role(STAFF, groups) == role


@pytest.mark.parametrize(
    ("groups", "role"),
    [({"owners"}, "partner_admin"), ({"x"}, "partner_user"), (set(), "partner_user")],
)
def test_partner_people_are_partner_users_unless_mapped(groups, role):
    assert services.mapped_role(PARTNER, groups) == role


@pytest.mark.parametrize(
    ("claims", "groups"),
    [
        ({"roles": ["owners", "x"]}, {"owners", "x"}),
        ({"roles": "owners"}, {"owners"}),  # a single group as a string
        ({"roles": [1, {"nested": 1}, None]}, {"1"}),  # only plain values count
        ({"roles": {"owners": True}}, set()),
        ({}, set()),
    ],
)
def test_groups_are_read_from_the_configured_claim(claims, groups):
    assert services.groups_of(PARTNER, claims) == groups


def test_domain_of_ignores_case_and_spaces():
    assert services.domain_of("Ada@Vendor.Example ") == "vendor.example"
