import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from satudata.accounts.permissions import authorize, can, registered, rule


def test_it_refuses_an_unknown_action():
    with pytest.raises(LookupError):
        can(None, "dataset.fly")


def test_it_refuses_to_declare_an_action_twice():
    with pytest.raises(ValueError):
        rule("portal.browse")(lambda user, obj: True)


def test_every_rule_says_what_it_allows():
    assert all(r.description for r in registered().values())


def test_it_gives_404_without_access_and_403_with_read_only_access(cast, catalog):
    restricted = catalog["restricted"]
    with pytest.raises(Http404):
        authorize(None, "dataset.change", restricted)
    with pytest.raises(PermissionDenied):
        authorize(cast["pimpinan"], "dataset.change", restricted)
    with pytest.raises(Http404):  # another OPD does not see Terbatas data at all
        authorize(cast["produsen_b"], "dataset.change", restricted)
    with pytest.raises(PermissionDenied):
        authorize(cast["produsen_b"], "dataset.change", catalog["open"])
    authorize(cast["produsen_a"], "dataset.change", restricted)
    authorize(cast["walidata"], "dataset.change", restricted)


def test_it_forgets_roles_of_a_deactivated_user(cast, catalog):
    user = cast["produsen_a"]
    user.is_active = False
    assert not can(user, "dataset.view", catalog["closed"])


@pytest.mark.parametrize(
    "role,allowed", [("admin", True), ("walidata", False), ("pimpinan", False), ("publik", False)]
)
def test_only_admin_opens_the_django_admin(clients, role, allowed):
    response = clients[role].get("/admin/")
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
