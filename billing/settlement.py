"""How a payment is split over what an invoice owes: fees, then interest, then capital.

A payment on an overdue claim settles first the collection costs (here the reminder fees),
then the interest, and only then the capital. This is the order Finnish practice applies to
a debtor's partial payments and the Consumer Ombudsman's guideline on good collection
practice (*Hyvä perintätapa kuluttajaperinnässä*, 6.1) describes for consumer claims; the
Receivables Collection Act (513/1999) itself states no order, so the settled practice rules.

Only the invoice's counters change here (``fees_paid``, ``interest_paid``, ``paid_amount``);
the caller locks and saves the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import Invoice

# The invoice's fields ``allocate`` changes, for the caller's ``save(update_fields=...)``.
FIELDS = ("paid_amount", "fees_paid", "interest_paid")

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Allocation:
    fees: Decimal
    interest: Decimal
    capital: Decimal  # includes any overpayment, which is then owed back


def allocate(invoice: Invoice, amount: Decimal) -> Allocation:
    """Count ``amount`` towards ``invoice``'s fees, interest and capital, in that order.

    A negative amount (a match undone) is taken back in the reverse order: from the
    capital first, then the interest, then the fees, so that undoing a payment leaves the
    fees and interest unpaid again exactly as far as that payment had paid them.
    """
    if amount < 0:
        back = -amount
        from_capital = min(back, max(invoice.capital_paid, ZERO))
        from_interest = min(back - from_capital, invoice.interest_paid)
        from_fees = min(back - from_capital - from_interest, invoice.fees_paid)
        invoice.interest_paid -= from_interest
        invoice.fees_paid -= from_fees
        invoice.paid_amount += amount
        return Allocation(
            fees=-from_fees, interest=-from_interest, capital=-(back - from_interest - from_fees)
        )
    to_fees = min(amount, max(invoice.fees_charged - invoice.fees_paid, ZERO))
    to_interest = min(amount - to_fees, max(invoice.interest_charged - invoice.interest_paid, ZERO))
    invoice.fees_paid += to_fees
    invoice.interest_paid += to_interest
    invoice.paid_amount += amount
    return Allocation(fees=to_fees, interest=to_interest, capital=amount - to_fees - to_interest)
