"""Finnish payment identifiers: reference numbers, RF creditor references, virtual barcodes.

Pure functions, no database. Everything that accepts a number also accepts it the way people
type it (with spaces); everything that returns one returns the compact form, except the
``*_format`` functions, which return the printed form.

Sources:

* Finnish national reference number (*viitenumero*): Finance Finland, "Kotimaisen
  viitteen rakenneohje" — 3-19 digits plus a 7-3-1 check digit, printed in groups of five
  from the right, no leading zeros printed.
* RF creditor reference: ISO 11649, checked with ``stdnum.iso11649``.
* Virtual bank barcode (*virtuaaliviivakoodi*): Finance Finland, "Pankkiviivakoodi-opas",
  version 5.3.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from itertools import cycle

from schwifty import IBAN
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from .money import to_cents

REFERENCE_MIN_LENGTH = 4
"""Shortest national reference, check digit included, leading zeros not counted."""

REFERENCE_MAX_LENGTH = 20
"""Longest national reference, check digit included (the bank's field is 20 digits)."""

BARCODE_MAX_AMOUNT = Decimal("999999.99")
"""Largest amount a virtual barcode can carry; larger ones are encoded as zero."""

_DIGITS = re.compile(r"[0-9]+")
_WEIGHTS = (7, 3, 1)
_RF_BARCODE_BODY_LENGTH = 21
_NATIONAL_BARCODE_LENGTH = 20


def _compact(value: str) -> str:
    return "".join(value.split())


def _is_digits(value: str) -> bool:
    # str.isdigit() would also accept "²" and non-ASCII digits.
    return _DIGITS.fullmatch(value) is not None


# --- National reference number (viitenumero) -------------------------------------------------


def reference_check_digit(base: str) -> str:
    """Return the 7-3-1 check digit of ``base`` (digits, spaces ignored).

    The digits are weighted 7, 3, 1, 7, 3, 1, … from the right; the check digit is
    ``(10 - sum % 10) % 10``. No length rule is applied here: see ``reference_create``.
    """
    digits = _compact(base)
    if not _is_digits(digits):
        raise ValueError(f"A reference number has digits only, not {base!r}.")
    total = sum(int(digit) * weight for digit, weight in zip(reversed(digits), cycle(_WEIGHTS)))
    return str((10 - total % 10) % 10)


def reference_create(base: str | int) -> str:
    """Append the check digit to ``base``: ``123456`` → ``"1234561"``.

    ``base`` must have 3-19 significant digits. Leading zeros are dropped first, because they
    are never printed and the banks ignore them, so ``"00123"`` and ``123`` give the same
    reference.
    """
    if isinstance(base, bool):
        raise TypeError("A reference base is a number or a string of digits, not a bool.")
    if isinstance(base, int):
        if base < 0:
            raise ValueError("A reference base cannot be negative.")
        base = str(base)
    digits = _compact(base)
    if not _is_digits(digits):
        raise ValueError(f"A reference base has digits only, not {base!r}.")
    significant = digits.lstrip("0")
    if not REFERENCE_MIN_LENGTH - 1 <= len(significant) <= REFERENCE_MAX_LENGTH - 1:
        raise ValueError(
            f"A reference base has {REFERENCE_MIN_LENGTH - 1}-{REFERENCE_MAX_LENGTH - 1} "
            f"digits without leading zeros, not {len(significant)}."
        )
    return significant + reference_check_digit(significant)


def reference_validate(value: str) -> str:
    """Return the compact reference (no spaces, no leading zeros) or raise ``ValueError``.

    Accepts spaces and leading zeros (as long as the whole fits the bank's 20-digit field);
    the significant part must be 4-20 digits and end with the right check digit.
    """
    digits = _compact(value)
    if not _is_digits(digits):
        raise ValueError(f"A reference number has digits only, not {value!r}.")
    if len(digits) > REFERENCE_MAX_LENGTH:
        raise ValueError(f"A reference number has at most {REFERENCE_MAX_LENGTH} digits.")
    significant = digits.lstrip("0")
    if len(significant) < REFERENCE_MIN_LENGTH:
        raise ValueError(
            f"A reference number has at least {REFERENCE_MIN_LENGTH} digits without leading zeros."
        )
    if reference_check_digit(significant[:-1]) != significant[-1]:
        raise ValueError(f"The check digit of reference number {value!r} is wrong.")
    return significant


def reference_is_valid(value: str) -> bool:
    """Tell whether ``value`` is a valid national reference number (see ``reference_validate``)."""
    try:
        reference_validate(value)
    except ValueError:
        return False
    return True


def reference_format(value: str) -> str:
    """Print a valid reference in groups of five from the right: ``"12345 67890 12345"``.

    Leading zeros are not printed; an invalid reference raises ``ValueError``.
    """
    digits = reference_validate(value)
    head = len(digits) % 5
    groups = [digits[:head]] if head else []
    groups += [digits[i : i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


def reference_for_invoice(*, organization_id: int, invoice_number: int) -> str:
    """Return the national reference of an organization's invoice.

    The base is ``"1"`` followed by the invoice number padded to at least three digits
    (invoice 7 → base ``1007`` → ``"10074"``; invoice 12345 → base ``112345`` →
    ``"1123452"``), then the check digit. The leading ``1`` keeps the base at the required
    3+ digits without leading zeros, and the padding makes the mapping one-to-one: numbers
    below 1000 give four-digit bases, larger ones longer bases, so two invoice numbers never
    share a reference. Readers find the invoice number right before the check digit.

    References are unique per organization, which is what the banks need because each
    organization collects to its own account; ``organization_id`` is not encoded, so that
    the numbers members type stay short. If organizations ever share a collection account,
    this scheme must start encoding the organization (callers already pass it).
    Invoice numbers from 1 to 10¹⁸ - 1 fit in the 20-digit limit.
    """
    for name, number in (("organization_id", organization_id), ("invoice_number", invoice_number)):
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError(f"{name} must be an int.")
        if number < 1:
            raise ValueError(f"{name} must be positive.")
    return reference_create(f"1{invoice_number:03d}")


# --- RF creditor reference (ISO 11649) --------------------------------------------------------


def rf_validate(value: str) -> str:
    """Return the compact, upper-case RF reference or raise ``ValueError``.

    Any ISO 11649 reference passes (letters included); ``rf_to_reference`` is stricter.
    """
    # stdnum's ValidationError is a ValueError.
    return iso11649.validate(value)


def rf_is_valid(value: str) -> bool:
    """Tell whether ``value`` is a valid ISO 11649 creditor reference."""
    return iso11649.is_valid(value)


def rf_from_reference(national: str) -> str:
    """Turn a valid national reference into its RF form: ``"2348236"`` → ``"RF332348236"``."""
    reference = reference_validate(national)
    return "RF" + mod_97_10.calc_check_digits(reference + "RF") + reference


def rf_to_reference(rf: str) -> str:
    """Return the national reference inside an RF reference, compact and without leading zeros.

    Raises ``ValueError`` when the RF reference is invalid or does not carry a valid Finnish
    national reference (RF references from other countries may hold letters).
    ``rf_to_reference(rf_from_reference(x)) == reference_validate(x)`` for every valid ``x``.
    """
    compact = rf_validate(rf)
    return reference_validate(compact[4:])


def rf_format(value: str) -> str:
    """Print a valid RF reference in groups of four: ``"RF33 2348 236"``."""
    return iso11649.format(rf_validate(value))


# --- References written in free text ----------------------------------------------------------

# Punctuation people put around a reference in a message: "viite: 12345 67890,".
_TOKEN_EDGES = ".,;:()[]{}<>\"'#/"  # noqa: S105  (punctuation, not a password)
# A reference written in groups spans at most this many words (20 digits in groups of 4-5).
_MAX_WORDS = 6
_MAX_LENGTH = 35


def references_in_text(text: str) -> list[str]:
    """Every valid national or RF reference written in ``text``, compact, in text order.

    Payers write references in the message field in groups ("12345 67890") or whole,
    with words and punctuation around them, so every run of up to six neighbouring words
    is tried, the longest first at each position. National references come without
    leading zeros; RF references in upper case. A candidate may be a false positive (the
    check digit catches nine in ten): the caller decides which one names an invoice.
    """
    words = [word.strip(_TOKEN_EDGES).upper() for word in text.split()]
    found: dict[str, None] = {}
    for start in range(len(words)):
        for end in range(min(len(words), start + _MAX_WORDS), start, -1):
            joined = "".join(words[start:end])
            if not joined or len(joined) > _MAX_LENGTH:
                continue
            if joined.startswith("RF") and rf_is_valid(joined):
                found.setdefault(rf_validate(joined))
            elif _is_digits(joined) and reference_is_valid(joined):
                found.setdefault(reference_validate(joined))
    return list(found)


# --- Virtual bank barcode (virtuaaliviivakoodi) -----------------------------------------------


def _barcode_account(iban: str) -> str:
    parsed = IBAN(iban)  # raises a ValueError subclass on a bad IBAN
    if parsed.country_code != "FI":
        raise ValueError("A virtual barcode can only carry a Finnish (FI) IBAN.")
    return str(parsed)[2:]


def _barcode_amount(amount: Decimal) -> str:
    if not isinstance(amount, Decimal):
        raise TypeError("The amount must be a Decimal.")
    if not amount.is_finite():
        raise ValueError("The amount must be a finite number.")
    if amount < 0 or amount > BARCODE_MAX_AMOUNT:
        # The guide's rule: an amount the code cannot carry is left for the payer to type.
        return "0" * 8
    return f"{to_cents(amount):08d}"


def _barcode_reference(reference: str) -> tuple[str, str]:
    compact = _compact(reference).upper()
    if compact.startswith("RF"):
        rf = rf_validate(compact)
        body = rf[4:]
        if not _is_digits(body) or len(body) > _RF_BARCODE_BODY_LENGTH:
            raise ValueError(
                "A virtual barcode carries only RF references with up to "
                f"{_RF_BARCODE_BODY_LENGTH} digits after the check digits."
            )
        return "5", rf[2:4] + body.zfill(_RF_BARCODE_BODY_LENGTH)
    national = reference_validate(compact)
    return "4", "000" + national.zfill(_NATIONAL_BARCODE_LENGTH)


def _barcode_due_date(due_date: datetime.date | None) -> str:
    if due_date is None:
        return "000000"
    if isinstance(due_date, datetime.datetime) or not isinstance(due_date, datetime.date):
        raise TypeError("The due date must be a date (not a datetime).")
    if not 2000 <= due_date.year <= 2099:
        # The code keeps two digits of the year.
        raise ValueError("A virtual barcode carries due dates from 2000 to 2099 only.")
    return due_date.strftime("%y%m%d")


def virtual_barcode(
    *, iban: str, amount: Decimal, reference: str, due_date: datetime.date | None
) -> str:
    """Return the 54-digit virtual bank barcode of a payment (Pankkiviivakoodi-opas 5.3).

    Layout: version (1), IBAN without "FI" (16), euros (6) and cents (2), reference (23),
    due date YYMMDD (6). An RF ``reference`` gives version 5 (the two RF check digits, then
    the digits zero-padded to 21); a national one gives version 4 (``000`` then the
    reference zero-padded to 20). An amount that is negative or above 999 999,99 is encoded
    as zero, as the guide says; an amount with fractions of a cent is an error. No due date
    gives ``000000``. Raises ``ValueError`` on a non-Finnish or invalid IBAN or reference.
    """
    account = _barcode_account(iban)
    amount_digits = _barcode_amount(amount)
    version, reference_digits = _barcode_reference(reference)
    return version + account + amount_digits + reference_digits + _barcode_due_date(due_date)
