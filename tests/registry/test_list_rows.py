"""The long lists' rows built in Python (``member_rows``, ``payment_rows``) give the markup
the template loops they replaced gave, for any text a member or a bank file can put in them:
the loops are kept here as the reference, and Hypothesis writes the values."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.template import engines
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.models import Invoice, Payment
from organizations.models import Membership, Organization

MEMBER_LOOP = """{% load i18n listing %}{% for m in page %}
    <tr>
      <td><a href="{% fast_url 'organizations:member' organization.pk m.pk %}">{{ m.name|default:"—" }}</a>{% if m.processing_restricted %} <span class="badge badge-warning" title="{% translate "Only keep the data: no marketing, no disclosures (GDPR Art. 18)." %}">{% translate "processing restricted" %}</span>{% endif %}</td>
      <td>{{ m.email }}</td>
      <td>{{ m.member_number|default:"—" }}</td>
      <td>{{ m|label:"status" }}</td>
      <td>{{ m|label:"role" }}</td>
      <td>{{ m.joined_on|short_date|default:"—" }}</td>
    </tr>
  {% empty %}
    <tr><td colspan="6">{% translate "No members match the search." %}</td></tr>
  {% endfor %}"""  # noqa: E501

PAYMENT_LOOP = """{% load i18n billing listing %}{% for payment in page %}
    <tr>
      <td>{{ payment.paid_on|short_date }}</td>
      <td class="num">{{ payment.amount|eur }}</td>
      <td>{{ payment.payer_name|default:"—" }}</td>
      <td>{{ payment.reference|default:"—" }}</td>
      <td>{{ payment|label:"source" }}</td>
      <td>{{ payment.message|default:"—" }}</td>
      <td>{% if payment.invoice_id %}<a href="{% fast_url 'billing:invoice' organization.pk payment.invoice_id %}">{{ payment.invoice.number_display }}</a> <a class="button button-compact button-secondary" href="{% fast_url 'billing:payment_unmatch' organization.pk payment.pk %}">{% translate "Undo the match" %}</a>{% else %}<a class="button button-compact" href="{% fast_url 'billing:payment_match' organization.pk payment.pk %}">{% translate "Match to an invoice" %}</a>{% endif %}</td>
      <td><span class="badge payment-{{ payment.state }}">{{ payment.state|payment_state }}</span>{% if payment.state == "overpaid" %} {% blocktranslate trimmed with amount=payment.invoice.amount_owed_back|eur %}{{ amount }} owed back{% endblocktranslate %}{% endif %}</td>
    </tr>
  {% empty %}
    <tr><td colspan="8">{% if unmatched_only %}{% translate "Every payment is matched to an invoice." %}{% else %}{% translate "No payments yet." %}{% endif %}</td></tr>
  {% endfor %}"""  # noqa: E501

MEMBER_TAG = "{% load member_table %}{% member_rows page organization %}"
PAYMENT_TAG = "{% load billing %}{% payment_rows page organization unmatched_only %}"

# Free text as people type it and banks send it: markup, quotes, ampersands, any script.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
LANGUAGES = st.sampled_from(["fi", "sv", "en"])
ORGANIZATION = Organization(pk=31)


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def _compact(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def _same(loop: str, tag: str, language: str, **context) -> str:
    with translation.override(language):
        expected, ours = _render(loop, **context), _render(tag, **context)
    assert _compact(ours) == _compact(expected)
    return ours


members = st.builds(
    lambda pk, name, email, number, status, role, joined, restricted: _member(
        pk, name, email, number, status, role, joined, restricted
    ),
    st.integers(1, 10**9),
    TEXT,
    TEXT,
    TEXT,
    st.sampled_from([*Membership.Status.values, "unknown"]),
    st.sampled_from(Membership.Role.values),
    st.none() | st.dates(datetime.date(1950, 1, 1), datetime.date(2030, 12, 31)),
    st.booleans(),
)


def _member(pk, name, email, number, status, role, joined, restricted) -> Membership:
    membership = Membership(
        pk=pk,
        organization=ORGANIZATION,
        name=name,
        email=email,
        member_number=number,
        status=status,
        role=role,
        joined_on=joined,
    )
    membership.processing_restricted = restricted
    return membership


@settings(max_examples=60, deadline=None)
@given(st.lists(members, max_size=5), LANGUAGES)
def test_member_rows_are_the_template_loops_markup(page, language):
    _same(MEMBER_LOOP, MEMBER_TAG, language, page=page, organization=ORGANIZATION)


def test_member_rows_escape_what_a_member_typed_and_flag_a_restriction():
    member = _member(5, '<script>alert("x")</script>', "a&b@example.com", "", "active", "member",
                     None, True)  # fmt: skip
    html = _same(MEMBER_LOOP, MEMBER_TAG, "en", page=[member], organization=ORGANIZATION)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "a&amp;b@example.com" in html
    assert "processing restricted" in html
    assert '/31/members/5/">' in html


def test_an_empty_member_page_says_none_matched():
    html = _same(MEMBER_LOOP, MEMBER_TAG, "fi", page=[], organization=ORGANIZATION)
    assert html.count("<tr>") == 1


AMOUNTS = st.decimals(Decimal("-99999.99"), Decimal("99999.99"), places=2)


def _payment(pk, amount, payer, reference, message, source, paid_on, invoice):
    payment = Payment(
        pk=pk,
        organization=ORGANIZATION,
        amount=amount,
        payer_name=payer,
        reference=reference,
        message=message,
        source=source,
        paid_on=paid_on,
    )
    if invoice is not None:
        payment.invoice = invoice  # its totals and status give the state (Payment.state)
    return payment


invoices = st.builds(
    lambda pk, number, status, total, paid: Invoice(
        pk=pk,
        number=number,
        status=status,
        total=total,
        paid_amount=paid,
        fees_charged=Decimal("0.00"),
        interest_charged=Decimal("0.00"),
    ),
    st.integers(1, 10**9),
    st.none() | st.integers(1, 10**7),
    st.sampled_from(Invoice.Status.values),
    AMOUNTS,
    AMOUNTS,
)
payments = st.builds(
    _payment,
    st.integers(1, 10**9),
    AMOUNTS,
    TEXT,
    TEXT,
    TEXT,
    st.sampled_from(Payment.Source.values),
    st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)),
    st.none() | invoices,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(payments, max_size=5), st.booleans(), LANGUAGES)
def test_payment_rows_are_the_template_loops_markup(page, unmatched_only, language):
    _same(PAYMENT_LOOP, PAYMENT_TAG, language, page=page, organization=ORGANIZATION,
          unmatched_only=unmatched_only)  # fmt: skip


def test_payment_rows_escape_a_bank_files_text_and_say_what_is_owed_back():
    invoice = Invoice(pk=9, number=1204, status=Invoice.Status.PAID, total=Decimal("100.00"),
                      paid_amount=Decimal("150.00"), fees_charged=Decimal("0.00"),
                      interest_charged=Decimal("0.00"))  # fmt: skip
    payment = _payment(4, Decimal("150.00"), "<b>Payer</b>", "RF18 5390 0754 7034", "a & b",
                       Payment.Source.BANK_FILE, datetime.date(2026, 3, 1), invoice)  # fmt: skip
    assert payment.state == Payment.State.OVERPAID
    html = _same(PAYMENT_LOOP, PAYMENT_TAG, "en", page=[payment], organization=ORGANIZATION,
                 unmatched_only=False)  # fmt: skip
    assert "&lt;b&gt;Payer&lt;/b&gt;" in html and "a &amp; b" in html
    assert "50,00\N{NO-BREAK SPACE}€ owed back" in html
    assert ">1204</a>" in html and "1.3.2026" in html


def test_an_empty_payment_page_says_which_list_is_empty():
    for unmatched_only in (False, True):
        _same(PAYMENT_LOOP, PAYMENT_TAG, "sv", page=[], organization=ORGANIZATION,
              unmatched_only=unmatched_only)  # fmt: skip
