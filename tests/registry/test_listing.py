"""The list tags print what {% url %}, get_FOO_display and |date:"j.n.Y" print."""

import datetime

import pytest
from django.template import engines
from django.urls import reverse, set_script_prefix
from django.utils import translation

from organizations.models import Membership
from registry.listing import fast_url, label, labels_of, short_date, url_filler


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("organizations:member", (1, 2)),
        ("organizations:member", (987_654_320, 3)),  # an id equal to a placeholder
        ("organizations:members", (45,)),
        ("billing:invoice", (7, 1234567)),
        ("billing:payment_match", (7, 8)),
        ("accounts:my_data", ()),
        ("home", ()),
    ],
)
def test_fast_url_is_reverse(name, args):
    assert fast_url(name, *args) == reverse(name, args=args)
    assert fast_url(name, *args) == reverse(name, args=args)  # from the cache
    # A page's rows: the pattern looked up once, filled in for each row.
    fill = url_filler(name, len(args))
    assert fill(*args) == fill(*args) == reverse(name, args=args)


def test_fast_url_follows_the_script_prefix():
    plain = reverse("organizations:members", args=[3])
    try:
        set_script_prefix("/registry/")
        assert fast_url("organizations:members", 3) == "/registry" + plain
    finally:
        set_script_prefix("/")
    assert fast_url("organizations:members", 3) == plain


def test_fast_url_with_text_arguments_calls_reverse():
    assert fast_url("organizations:members", "5") == reverse("organizations:members", args=[5])
    assert url_filler("organizations:members", 1)("5") == reverse(
        "organizations:members", args=["5"]
    )


def test_a_url_filler_takes_the_prefix_of_its_page():
    plain = reverse("organizations:members", args=[3])
    try:
        set_script_prefix("/registry/")
        assert url_filler("organizations:members", 1)(3) == "/registry" + plain
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_label_is_the_choice_display_in_each_language(language):
    membership = Membership(status=Membership.Status.ENDED, role=Membership.Role.ADMIN)
    with translation.override(language):
        assert label(membership, "status") == membership.get_status_display()
        assert label(membership, "role") == membership.get_role_display()
        assert labels_of(Membership, "status")["ended"] == membership.get_status_display()


def test_label_of_an_unknown_value_is_the_value():
    assert label(Membership(status="odd"), "status") == "odd"


def test_short_date_is_the_date_filter():
    day = datetime.date(2026, 1, 5)
    rendered = engines["django"].from_string('{{ d|date:"j.n.Y" }}').render({"d": day})
    assert short_date(day) == rendered == "5.1.2026"
    assert short_date(None) == ""
