"""Finnish reference numbers, RF creditor references and virtual bank barcodes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from billing.numbers import (
    reference_check_digit,
    reference_create,
    reference_for_invoice,
    reference_format,
    reference_is_valid,
    reference_validate,
    rf_format,
    rf_from_reference,
    rf_is_valid,
    rf_to_reference,
    rf_validate,
    virtual_barcode,
)

# --- National reference number ----------------------------------------------------------------


def test_it_appends_the_7_3_1_check_digit():
    assert reference_check_digit("123456") == "1"
    assert reference_create(123456) == "1234561"
    assert reference_create("123456") == "1234561"
    assert reference_create("123 456") == "1234561"


def test_it_uses_zero_when_the_weighted_sum_is_a_multiple_of_ten():
    # 0·7 + 5·3 + 5·1 = 20: the check digit is 0, not 10.
    assert reference_create(550) == "5500"


def test_it_accepts_a_correct_reference():
    assert reference_is_valid("1234561")
    assert reference_is_valid("12 34561")
    assert reference_validate("12 34561") == "1234561"


@pytest.mark.parametrize("wrong", [d for d in "0123456789" if d != "1"])
def test_it_rejects_every_wrong_check_digit(wrong):
    assert not reference_is_valid("123456" + wrong)
    with pytest.raises(ValueError, match="check digit"):
        reference_validate("123456" + wrong)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "12345a1",
        "-1234561",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff11",  # full-width digits pass str.isdigit()
        "71",  # too short: 4 digits at least
        "0071",  # the leading zeros do not count towards the length
        "1" * 21,
    ],
)
def test_it_rejects_malformed_references(value):
    assert not reference_is_valid(value)


def test_it_allows_leading_zeros_up_to_the_twenty_digit_field():
    assert reference_is_valid("0001234561")
    assert reference_validate("0001234561") == "1234561"
    assert reference_is_valid("1234561".zfill(20))
    assert not reference_is_valid("1234561".zfill(21))


def test_it_drops_leading_zeros_when_creating():
    assert reference_create("000123456") == reference_create(123456) == "1234561"


@pytest.mark.parametrize("base", [12, "0012", 0, "1" * 20, -123, "12a", ""])
def test_it_refuses_a_base_of_the_wrong_length_or_form(base):
    with pytest.raises(ValueError):
        reference_create(base)


def test_it_refuses_a_bool_base():
    with pytest.raises(TypeError):
        reference_create(True)


def test_it_creates_the_longest_reference():
    reference = reference_create("1" * 19)
    assert len(reference) == 20
    assert reference_is_valid(reference)


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("123456789012345", "12345 67890 12345"),
        ("868516259619897", "86851 62596 19897"),
        ("69875672083435364", "69 87567 20834 35364"),
        ("1234561", "12 34561"),
        ("0001234561", "12 34561"),
        ("10016", "10016"),
        ("12 3456 1", "12 34561"),
    ],
)
def test_it_prints_groups_of_five_from_the_right(value, printed):
    assert reference_format(value) == printed


def test_it_refuses_to_print_an_invalid_reference():
    with pytest.raises(ValueError):
        reference_format("1234560")


def test_it_builds_invoice_references_from_the_invoice_number():
    assert reference_for_invoice(organization_id=1, invoice_number=1) == "10016"
    assert reference_for_invoice(organization_id=1, invoice_number=7) == "10074"
    assert reference_for_invoice(organization_id=1, invoice_number=12345) == "1123452"


def test_it_gives_every_invoice_of_an_organization_its_own_valid_reference():
    numbers = [*range(1, 20_001), 10**17, 10**18 - 1]
    references = [reference_for_invoice(organization_id=5, invoice_number=n) for n in numbers]
    assert len(set(references)) == len(numbers)
    for number, reference in zip(numbers, references, strict=True):
        assert reference_is_valid(reference)
        assert 4 <= len(reference) <= 20
        # Readable: the invoice number sits right before the check digit.
        assert reference[:-1].endswith(str(number))


def test_it_keeps_invoice_references_short_and_per_organization():
    # The organization is not encoded: each collects to its own account.
    assert reference_for_invoice(organization_id=1, invoice_number=42) == reference_for_invoice(
        organization_id=2, invoice_number=42
    )


@pytest.mark.parametrize(
    ("organization_id", "invoice_number", "error"),
    [
        (1, 0, ValueError),
        (1, -1, ValueError),
        (0, 1, ValueError),
        (1, 10**18, ValueError),
        (1, True, TypeError),
        (1, "12", TypeError),
    ],
)
def test_it_refuses_invoice_numbers_it_cannot_encode(organization_id, invoice_number, error):
    with pytest.raises(error):
        reference_for_invoice(organization_id=organization_id, invoice_number=invoice_number)


# --- RF creditor reference ----------------------------------------------------------------------

# National references and their RF forms, paired in the examples of Finance Finland's
# Pankkiviivakoodi-opas 5.3 (invoices 1, 2, 4-9).
SPEC_RF_PAIRS = [
    ("86851 62596 19897", "RF09 8685 1625 9619 897"),
    ("55958 22432 94671", "RF06 5595 8224 3294 671"),
    ("7 75847 47906 47489", "RF84 7758 4747 9064 7489"),
    ("78 77767 96566 28687", "RF60 7877 7679 6566 2868 7"),
    ("8 68624", "RF10 8686 24"),
    ("92125 37425 25398 97737", "RF71 9212 5374 2525 3989 7737"),
    ("5907 38390", "RF66 5907 3839 0"),
    ("13 57914", "RF95 1357 914"),
]


@pytest.mark.parametrize(("national", "rf"), SPEC_RF_PAIRS)
def test_it_converts_the_published_references_both_ways(national, rf):
    assert rf_from_reference(national) == rf.replace(" ", "")
    assert rf_format(rf_from_reference(national)) == rf
    assert rf_to_reference(rf) == national.replace(" ", "")


def test_it_converts_the_worked_example_of_the_rf_guide():
    # Finance Finland's RF guide starts its worked example from 2348236 (as quoted on
    # ohjelmointiputka.net; the quote stops before the result). 2348236271500 % 97 = 65,
    # and 98 - 65 = 33.
    assert rf_from_reference("2348236") == "RF332348236"
    assert rf_format("RF332348236") == "RF33 2348 236"


@pytest.mark.parametrize("base", ["123", "123456", "1000", "99999999", "1" * 19, "9" * 19])
def test_it_round_trips_through_rf(base):
    national = reference_create(base)
    rf = rf_from_reference(national)
    assert rf_is_valid(rf)
    assert rf_to_reference(rf) == national
    assert rf_from_reference(rf_to_reference(rf)) == rf


def test_it_drops_leading_zeros_on_the_way_to_rf():
    assert rf_from_reference("0001234561") == rf_from_reference("1234561")


def test_it_validates_rf_references_with_stdnum():
    assert rf_is_valid("RF18 5390 0754 7034")
    assert rf_is_valid("rf18 5390 0754 70y")  # letters are allowed by ISO 11649
    assert not rf_is_valid("RF17 5390 0754 7034")
    assert not rf_is_valid("1234561")
    assert rf_validate("rf18 5390 0754 7034") == "RF18539007547034"
    with pytest.raises(ValueError):
        rf_validate("RF17 5390 0754 7034")


def test_it_refuses_rf_references_without_a_finnish_reference_inside():
    with pytest.raises(ValueError):
        rf_to_reference("RF18 5390 0754 70Y")  # letters
    with pytest.raises(ValueError):
        rf_to_reference("RF02 6987 5672 0834")  # 698756720834 fails the 7-3-1 check
    with pytest.raises(ValueError):
        rf_from_reference("1234560")


# --- Virtual bank barcode -------------------------------------------------------------------------

# The example invoices of Finance Finland's Pankkiviivakoodi-opas, version 5.3 (invoices 1-9,
# each in version 4 with the national reference and version 5 with the RF reference), as
# quoted by several independent implementations. The version-5 code of invoice 2 carries the
# due date 100131 where its version-4 twin carries 120131: both are kept as published.
SPEC_EXAMPLES = [
    # Invoice 1
    (
        "FI79 4405 2020 0360 82",
        "4883.15",
        "86851 62596 19897",
        datetime.date(2010, 6, 12),
        "479440520200360820048831500000000868516259619897100612",
    ),
    (
        "FI79 4405 2020 0360 82",
        "4883.15",
        "RF09 8685 1625 9619 897",
        datetime.date(2010, 6, 12),
        "579440520200360820048831509000000868516259619897100612",
    ),
    # Invoice 2
    (
        "FI58 1017 1000 0001 22",
        "482.99",
        "55958 22432 94671",
        datetime.date(2012, 1, 31),
        "458101710000001220004829900000000559582243294671120131",
    ),
    (
        "FI58 1017 1000 0001 22",
        "482.99",
        "RF06 5595 8224 3294 671",
        datetime.date(2010, 1, 31),
        "558101710000001220004829906000000559582243294671100131",
    ),
    # Invoice 3
    (
        "FI02 5000 4640 0013 02",
        "693.80",
        "69 87567 20834 35364",
        datetime.date(2011, 7, 24),
        "402500046400013020006938000000069875672083435364110724",
    ),
    (
        "FI02 5000 4640 0013 02",
        "693.80",
        "RF02 6987 5672 0834",
        datetime.date(2011, 7, 24),
        "502500046400013020006938002000000000698756720834110724",
    ),
    # Invoice 4
    (
        "FI15 6601 0001 5306 41",
        "7444.54",
        "7 75847 47906 47489",
        datetime.date(2019, 12, 19),
        "415660100015306410074445400000007758474790647489191219",
    ),
    (
        "FI15 6601 0001 5306 41",
        "7444.54",
        "RF84 7758 4747 9064 7489",
        datetime.date(2019, 12, 19),
        "515660100015306410074445484000007758474790647489191219",
    ),
    # Invoice 5: no due date
    (
        "FI16 8000 1400 0502 67",
        "935.85",
        "78 77767 96566 28687",
        None,
        "416800014000502670009358500000078777679656628687000000",
    ),
    (
        "FI16 8000 1400 0502 67",
        "935.85",
        "RF60 7877 7679 6566 2868 7",
        None,
        "516800014000502670009358560000078777679656628687000000",
    ),
    # Invoice 6: no amount
    (
        "FI73 3131 3001 0000 58",
        "0.00",
        "8 68624",
        datetime.date(2013, 8, 9),
        "473313130010000580000000000000000000000000868624130809",
    ),
    (
        "FI73 3131 3001 0000 58",
        "0.00",
        "RF10 8686 24",
        datetime.date(2013, 8, 9),
        "573313130010000580000000010000000000000000868624130809",
    ),
    # Invoice 7: a six-digit amount and the longest reference
    (
        "FI83 3301 0001 1007 75",
        "150000.20",
        "92125 37425 25398 97737",
        datetime.date(2016, 5, 25),
        "483330100011007751500002000092125374252539897737160525",
    ),
    (
        "FI83 3301 0001 1007 75",
        "150000.20",
        "RF71 9212 5374 2525 3989 7737",
        datetime.date(2016, 5, 25),
        "583330100011007751500002071092125374252539897737160525",
    ),
    # Invoice 8
    (
        "FI39 3636 3002 0924 92",
        "1.03",
        "5907 38390",
        datetime.date(2023, 3, 11),
        "439363630020924920000010300000000000000590738390230311",
    ),
    (
        "FI39 3636 3002 0924 92",
        "1.03",
        "RF66 5907 3839 0",
        datetime.date(2023, 3, 11),
        "539363630020924920000010366000000000000590738390230311",
    ),
    # Invoice 9: a due date far ahead
    (
        "FI92 3939 0001 0033 91",
        "0.02",
        "13 57914",
        datetime.date(2099, 12, 24),
        "492393900010033910000000200000000000000001357914991224",
    ),
    (
        "FI92 3939 0001 0033 91",
        "0.02",
        "RF95 1357 914",
        datetime.date(2099, 12, 24),
        "592393900010033910000000295000000000000001357914991224",
    ),
]


@pytest.mark.parametrize(("iban", "amount", "reference", "due_date", "expected"), SPEC_EXAMPLES)
def test_it_reproduces_the_published_barcodes(iban, amount, reference, due_date, expected):
    code = virtual_barcode(
        iban=iban, amount=Decimal(amount), reference=reference, due_date=due_date
    )
    assert code == expected
    assert len(code) == 54


def test_it_accepts_compact_and_lower_case_input():
    code = virtual_barcode(
        iban="fi7944052020036082",
        amount=Decimal("4883.15"),
        reference="rf098685162596 19897",
        due_date=datetime.date(2010, 6, 12),
    )
    assert code == "579440520200360820048831509000000868516259619897100612"


def test_it_accepts_leading_zeros_in_a_national_reference():
    code = virtual_barcode(
        iban="FI73 3131 3001 0000 58",
        amount=Decimal("0.00"),
        reference="000868624",
        due_date=datetime.date(2013, 8, 9),
    )
    assert code == "473313130010000580000000000000000000000000868624130809"


def _amount_digits(amount: Decimal) -> str:
    code = virtual_barcode(
        iban="FI79 4405 2020 0360 82",
        amount=amount,
        reference="86851 62596 19897",
        due_date=None,
    )
    return code[17:25]


@pytest.mark.parametrize(
    ("amount", "digits"),
    [
        ("999999.99", "99999999"),
        ("1000000.00", "00000000"),  # above the maximum: the payer types the amount
        ("-10.00", "00000000"),  # a credit note has nothing to pay
        ("-0.01", "00000000"),
        ("12.3", "00001230"),
        ("0", "00000000"),
    ],
)
def test_it_encodes_amounts_it_cannot_carry_as_zero(amount, digits):
    assert _amount_digits(Decimal(amount)) == digits


def test_it_refuses_fractions_of_a_cent():
    with pytest.raises(ValueError, match="cent"):
        _amount_digits(Decimal("1.005"))


@pytest.mark.parametrize("amount", [12.5, 12, "12.50"])
def test_it_refuses_amounts_that_are_not_decimals(amount):
    with pytest.raises(TypeError):
        _amount_digits(amount)


def test_it_refuses_an_infinite_amount():
    with pytest.raises(ValueError):
        _amount_digits(Decimal("Infinity"))


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",  # valid, but not Finnish
        "SE45 5000 0000 0583 9825 7466",
        "FI79 4405 2020 0360 83",  # wrong IBAN check digits
        "FI79 4405 2020 0360",  # too short
        "",
    ],
)
def test_it_refuses_non_finnish_or_invalid_ibans(iban):
    with pytest.raises(ValueError):
        virtual_barcode(
            iban=iban,
            amount=Decimal("1.00"),
            reference="1234561",
            due_date=None,
        )


@pytest.mark.parametrize(
    "reference",
    [
        "1234560",  # wrong check digit
        "RF17 5390 0754 7034",  # wrong RF check digits
        "RF18 5390 0754 70Y",  # valid RF, but the barcode carries digits only
        "",
    ],
)
def test_it_refuses_references_it_cannot_carry(reference):
    with pytest.raises(ValueError):
        virtual_barcode(
            iban="FI79 4405 2020 0360 82",
            amount=Decimal("1.00"),
            reference=reference,
            due_date=None,
        )


def test_it_refuses_a_datetime_or_a_due_date_outside_the_two_digit_years():
    def code(due_date):
        return virtual_barcode(
            iban="FI79 4405 2020 0360 82",
            amount=Decimal("1.00"),
            reference="1234561",
            due_date=due_date,
        )

    with pytest.raises(TypeError):
        code(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(ValueError):
        code(datetime.date(1999, 12, 31))
    with pytest.raises(ValueError):
        code(datetime.date(2100, 1, 1))
    assert code(datetime.date(2000, 1, 1)).endswith("000101")


def test_it_builds_a_barcode_for_a_generated_invoice_reference():
    reference = reference_for_invoice(organization_id=3, invoice_number=42)
    assert reference == "10427"
    national = virtual_barcode(
        iban="FI21 1234 5600 0007 85",
        amount=Decimal("125.50"),
        reference=reference,
        due_date=datetime.date(2026, 12, 14),
    )
    international = virtual_barcode(
        iban="FI21 1234 5600 0007 85",
        amount=Decimal("125.50"),
        reference=rf_from_reference(reference),
        due_date=datetime.date(2026, 12, 14),
    )
    assert national == "4" + "2112345600000785" + "00012550" + "000" + "10427".zfill(20) + "261214"
    assert international[0] == "5"
    assert international[1:25] == national[1:25]
    assert international[-6:] == national[-6:]
    assert international[25:48].endswith(reference)
