"""Numbers on invoices, printed the Finnish way in every language: ``1 234,50 €``, ``25,5 %``.

An invoice is a Finnish voucher: its amounts read the same whichever language the page or
mail is in, and they match what the bank shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

from registry.listing import labels_of, rows_html, short_date, url_filler

from .. import money
from ..models import Payment

if TYPE_CHECKING:
    from organizations.models import Organization

register = template.Library()

_NBSP = "\N{NO-BREAK SPACE}"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plain(value: Decimal) -> str:
    """``1.50`` → ``1,5``; ``2.00`` → ``2``: no trailing zeros, a decimal comma."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


@register.filter
def eur(value) -> str:
    """``Decimal("1234.5")`` → ``1 234,50 €`` (no-break spaces, as ``money.format_eur``)."""
    amount = _decimal(value)
    return "" if amount is None else money.format_eur(amount)


@register.filter
def euro_digits(value) -> str:
    """The amount without the euro sign, for a field labelled in euros: ``1 234,50``."""
    amount = _decimal(value)
    return "" if amount is None else money.format_eur(amount).removesuffix("\N{NO-BREAK SPACE}€")


@register.filter
def quantity(value) -> str:
    """A quantity without needless decimals: ``1.00`` → ``1``, ``1.50`` → ``1,5``."""
    number = _decimal(value)
    return "" if number is None else _plain(number)


@register.filter
def vat_percent(value) -> str:
    """A VAT rate in percent: ``25.5`` → ``25,5 %``, ``14.0`` → ``14 %``."""
    rate = _decimal(value)
    return "" if rate is None else f"{_plain(rate)}{_NBSP}%"


@register.filter
def iban(value: str) -> str:
    """An IBAN in groups of four, as printed on paper: ``FI21 1234 5600 0007 85``."""
    compact = (value or "").replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


@lru_cache(maxsize=8)
def _payment_states(language: str | None) -> dict[str, str]:
    from ..models import Payment

    return {value: str(label) for value, label in Payment.State.choices}


@register.filter
def payment_state(value: str) -> str:
    """A payment's state (``Payment.State``, as the payments list annotates it) in words."""
    return _payment_states(get_language()).get(value, value)


_PAYMENT_ROW = (
    '<tr>\n      <td>{}</td>\n      <td class="num">{}</td>\n      <td>{}</td>\n'
    "      <td>{}</td>\n      <td>{}</td>\n      <td>{}</td>\n      <td>{}</td>\n"
    '      <td><span class="badge payment-{}">{}</span>{}</td>\n    </tr>\n'
)


@register.simple_tag
def payment_rows(payments: Iterable[Payment], organization: Organization, unmatched_only: bool):
    """The payments list's ``<tr>`` of each payment on the page (or the one saying there
    are none), built as Django's admin builds its change list's rows: one ``format_html``
    a row with the fixed strings translated once a page. Through the template language, a
    row resolved some thirty variables and filters: most of the page's own time."""
    if not payments:
        empty = (
            gettext("Every payment is matched to an invoice.")
            if unmatched_only
            else gettext("No payments yet.")
        )
        return format_html('<tr><td colspan="8">{}</td></tr>', empty)
    undo, match = gettext("Undo the match"), gettext("Match to an invoice")
    owed_back_text = gettext("%(amount)s owed back")
    invoice_url = url_filler("billing:invoice", 2)
    unmatch_url = url_filler("billing:payment_unmatch", 2)
    match_url = url_filler("billing:payment_match", 2)
    sources = labels_of(Payment, "source")
    state_labels = _payment_states(get_language())
    rows = []
    for payment in payments:
        state = payment.state
        if payment.invoice_id:
            invoice = format_html(
                '<a href="{}">{}</a> <a class="button button-compact button-secondary" '
                'href="{}">{}</a>',
                invoice_url(organization.pk, payment.invoice_id),
                payment.invoice.number_display,
                unmatch_url(organization.pk, payment.pk),
                undo,
            )
        else:
            invoice = format_html(
                '<a class="button button-compact" href="{}">{}</a>',
                match_url(organization.pk, payment.pk),
                match,
            )
        owed_back = ""
        if state == Payment.State.OVERPAID and payment.invoice_id:
            before, _amount, after = owed_back_text.partition("%(amount)s")
            owed_back = format_html(" {}{}{}", before, eur(payment.invoice.amount_owed_back), after)
        rows.append(
            (
                short_date(payment.paid_on),
                eur(payment.amount),
                payment.payer_name or "—",
                payment.reference or "—",
                sources.get(payment.source, payment.source),
                payment.message or "—",
                invoice,
                state,
                state_labels.get(state, state),
                owed_back,
            )
        )
    return rows_html(_PAYMENT_ROW, rows)
