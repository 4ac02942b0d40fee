"""VAT, line and invoice amounts, and euro formatting: Decimal only, rounded half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.money import (
    LineAmounts,
    Totals,
    VatBreakdown,
    VatRate,
    format_eur,
    invoice_totals,
    line_amounts,
    round_cents,
    to_cents,
)

D = Decimal
NBSP = "\N{NO-BREAK SPACE}"


def line(quantity: str, unit_price: str, rate: str | Decimal) -> LineAmounts:
    return line_amounts(quantity=D(quantity), unit_price=D(unit_price), vat_rate=D(rate))


# --- VAT rates ------------------------------------------------------------------------------------


def test_it_lists_the_finnish_vat_rates_as_decimals():
    assert VatRate.values == [D("25.5"), D("13.5"), D("14"), D("10"), D("0")]
    assert all(isinstance(rate, Decimal) for rate in VatRate)
    assert D("25.50") == VatRate.STANDARD
    assert D(100) * VatRate.STANDARD / 100 == D("25.5")
    assert str(VatRate.STANDARD) == "25.5"
    assert VatRate(D("13.5")) is VatRate.REDUCED_13_5


def test_it_accepts_a_vat_rate_member():
    assert line_amounts(quantity=1, unit_price=D("3.00"), vat_rate=VatRate.STANDARD) == LineAmounts(
        net=D("3.00"), vat=D("0.77"), gross=D("3.77"), vat_rate=D("25.5")
    )


# --- Lines --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "vat"),
    [
        ("0.01", "0.00"),  # 0.00255
        ("0.02", "0.01"),  # 0.0051
        ("0.03", "0.01"),  # 0.00765
        ("0.04", "0.01"),  # 0.0102
        ("0.10", "0.03"),  # 0.0255
        ("1.00", "0.26"),  # 0.255, a tie
        ("3.00", "0.77"),  # 0.765, a tie: half up, where half even would give 0.76
        ("100.00", "25.50"),
    ],
)
def test_it_rounds_vat_at_25_5_percent_half_up(net, vat):
    amounts = line("1", net, "25.5")
    assert amounts.net == D(net)
    assert amounts.vat == D(vat)
    assert amounts.gross == D(net) + D(vat)


@pytest.mark.parametrize(
    ("rate", "net", "vat"),
    [
        ("14", "0.25", "0.04"),  # 0.035
        ("14", "0.75", "0.11"),  # 0.105: half even would give 0.10
        ("13.5", "3.00", "0.41"),  # 0.405: half even would give 0.40
        ("10", "0.05", "0.01"),  # 0.005
        ("10", "0.04", "0.00"),  # 0.004
        ("0", "123.45", "0.00"),
    ],
)
def test_it_rounds_vat_at_the_other_rates_half_up(rate, net, vat):
    assert line("1", net, rate).vat == D(vat)


def test_it_rounds_the_net_before_computing_the_vat():
    # 3 * 0.333 = 0.999 → 1.00, and the VAT is 25.5 % of the 1.00 the line shows.
    assert line("3", "0.333", "25.5") == LineAmounts(
        net=D("1.00"), vat=D("0.26"), gross=D("1.26"), vat_rate=D("25.5")
    )
    # 1.5 * 0.15 = 0.225, a tie: half up.
    assert line("1.5", "0.15", "0").net == D("0.23")


def test_it_returns_amounts_in_whole_cents():
    amounts = line("2", "10", "25.5")
    assert [a.as_tuple().exponent for a in (amounts.net, amounts.vat, amounts.gross)] == [-2] * 3
    assert str(amounts.net) == "20.00"


@pytest.mark.parametrize(
    ("quantity", "unit_price", "rate"),
    [
        ("1", "3.00", "25.5"),
        ("1", "0.02", "25.5"),
        ("1.5", "0.15", "14"),
        ("3", "0.333", "13.5"),
        ("7", "0.75", "14"),
        ("1", "0.05", "10"),
    ],
)
def test_it_rounds_a_credit_line_symmetrically(quantity, unit_price, rate):
    debit = line(quantity, unit_price, rate)
    credit = line("-" + quantity, unit_price, rate)
    assert credit == LineAmounts(
        net=-debit.net, vat=-debit.vat, gross=-debit.gross, vat_rate=debit.vat_rate
    )


def test_it_computes_a_negative_tie_away_from_zero():
    assert line("-1", "3.00", "25.5").vat == D("-0.77")


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", 1.5), ("unit_price", 9.99), ("vat_rate", 25.5), ("unit_price", "9.99")],
)
def test_it_refuses_floats_and_strings(field, value):
    arguments = {"quantity": D("1"), "unit_price": D("9.99"), "vat_rate": D("25.5"), field: value}
    with pytest.raises(TypeError):
        line_amounts(**arguments)


@pytest.mark.parametrize("rate", ["-1", "100", "255", "NaN"])
def test_it_refuses_impossible_vat_rates(rate):
    with pytest.raises(ValueError):
        line("1", "1.00", rate)


# --- Invoice totals -------------------------------------------------------------------------------


def test_it_totals_lines_across_mixed_rates():
    totals = invoice_totals(
        [
            line("2", "50.00", "25.5"),  # 100.00, VAT 25.50
            line("1", "12.34", "13.5"),  # 12.34, VAT 1.6659 → 1.67
            line("3", "4.99", "10"),  # 14.97, VAT 1.497 → 1.50
            line("1", "20.00", "0"),  # 20.00, no VAT
            line("1", "9.60", "25.5"),  # 9.60, VAT 2.448 → 2.45
        ]
    )
    assert totals.vat_breakdown == (
        # 109.60 * 25.5 % = 27.948 → 27.95 (the lines' own VATs also add up to 27.95 here)
        VatBreakdown(rate=D("25.5"), net=D("109.60"), vat=D("27.95"), gross=D("137.55")),
        VatBreakdown(rate=D("13.5"), net=D("12.34"), vat=D("1.67"), gross=D("14.01")),
        VatBreakdown(rate=D("10"), net=D("14.97"), vat=D("1.50"), gross=D("16.47")),
        VatBreakdown(rate=D("0"), net=D("20.00"), vat=D("0.00"), gross=D("20.00")),
    )
    assert (totals.net, totals.vat, totals.gross) == (D("156.91"), D("31.12"), D("188.03"))


def test_it_computes_vat_per_rate_not_per_line():
    lines = [line("1", "0.02", "25.5")] * 3
    # Each line: 0.0051 → 0.01; the rate: 0.06 * 25.5 % = 0.0153 → 0.02, rounded once.
    assert sum(line.vat for line in lines) == D("0.03")
    totals = invoice_totals(lines)
    assert totals == Totals(
        net=D("0.06"),
        vat=D("0.02"),
        gross=D("0.08"),
        vat_breakdown=(
            VatBreakdown(rate=D("25.5"), net=D("0.06"), vat=D("0.02"), gross=D("0.08")),
        ),
    )


def test_it_nets_a_discount_line_against_its_rate_before_the_vat():
    totals = invoice_totals([line("1", "120.00", "25.5"), line("-1", "20.00", "25.5")])
    assert (totals.net, totals.vat, totals.gross) == (D("100.00"), D("25.50"), D("125.50"))


def test_it_keeps_the_breakdown_and_the_totals_in_step():
    lines = [
        line(quantity, price, rate)
        for quantity, price, rate in [
            ("1", "0.03", "25.5"),
            ("7", "0.13", "25.5"),
            ("2", "0.37", "14"),
            ("1", "0.11", "13.5"),
            ("3", "0.07", "10"),
            ("-1", "0.05", "25.5"),
        ]
    ]
    totals = invoice_totals(lines)
    assert totals.net == sum(row.net for row in totals.vat_breakdown) == sum(x.net for x in lines)
    assert totals.vat == sum(row.vat for row in totals.vat_breakdown)
    assert totals.gross == totals.net + totals.vat
    for row in totals.vat_breakdown:
        assert row.vat == round_cents(row.net * row.rate / 100)
        # The lines' VATs differ from the rate's by at most half a cent per line, plus half.
        lines_vat = sum(x.vat for x in lines if x.vat_rate == row.rate)
        count = sum(1 for x in lines if x.vat_rate == row.rate)
        assert abs(lines_vat - row.vat) <= D("0.005") * (count + 1)


def test_it_totals_a_credit_note_as_the_exact_negative():
    lines = [("2", "49.90", "25.5"), ("1", "3.00", "25.5"), ("3", "0.75", "14"), ("1", "5", "0")]
    invoice = invoice_totals(line(q, p, r) for q, p, r in lines)
    credit = invoice_totals(line("-" + q, p, r) for q, p, r in lines)
    assert (credit.net, credit.vat, credit.gross) == (-invoice.net, -invoice.vat, -invoice.gross)
    assert [row.vat for row in credit.vat_breakdown] == [-row.vat for row in invoice.vat_breakdown]


def test_it_groups_equal_rates_written_differently():
    totals = invoice_totals([line("1", "1.00", "25.5"), line("1", "1.00", "25.50")])
    assert len(totals.vat_breakdown) == 1
    assert totals.vat == D("0.51")


def test_it_totals_no_lines_as_zero():
    assert invoice_totals([]) == Totals(
        net=D("0.00"), vat=D("0.00"), gross=D("0.00"), vat_breakdown=()
    )


# --- Cents and formatting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("12.30", 1230), ("12.3", 1230), ("0", 0), ("-0.01", -1), ("999999.99", 99999999)],
)
def test_it_converts_whole_cent_amounts_to_cents(amount, cents):
    assert to_cents(D(amount)) == cents


def test_it_converts_an_int_of_euros_to_cents():
    assert to_cents(5) == 500


def test_it_refuses_fractions_of_a_cent_in_cents():
    with pytest.raises(ValueError, match="round it first"):
        to_cents(D("12.345"))
    assert to_cents(round_cents(D("12.345"))) == 1235


def test_it_refuses_a_float_in_cents():
    with pytest.raises(TypeError):
        to_cents(12.3)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (D("1234.5"), "1 234,50 €"),
        (D("0"), "0,00 €"),
        (D("0.5"), "0,50 €"),
        (D("999"), "999,00 €"),
        (D("1000"), "1 000,00 €"),
        (D("1234567.891"), "1 234 567,89 €"),
        (D("-1234.5"), "-1 234,50 €"),
        (D("0.005"), "0,01 €"),  # half up
        (D("-0.005"), "-0,01 €"),
        (D("-0.004"), "0,00 €"),  # never "-0,00 €"
        (5, "5,00 €"),
    ],
)
def test_it_formats_euros_the_finnish_way(amount, text):
    # The spaces are no-break spaces: the expected values are written with plain ones.
    assert format_eur(amount) == text.replace(" ", NBSP)


def test_it_refuses_a_float_in_formatting():
    with pytest.raises(TypeError):
        format_eur(1234.5)
