"""The statistics figures: small cells hidden in the chart, the table and the CSV alike."""

from decimal import Decimal

import pytest
from django.utils import translation

from registry.charts import Figure, Series, count_cell, svg_response


def _figure(values, *, partition=False, people=None, money=False):
    return Figure(
        slug="t",
        title="Members by status",
        category_title="Status",
        categories=[f"c{i}" for i in range(len(values))],
        series=[Series("Members", values, people)],
        partition=partition,
        money=money,
    )


def test_counts_under_five_are_hidden_zero_and_five_are_shown():
    figure = _figure([0, 1, 4, 5, 120])
    assert [str(cell) for cell in figure.cells[0]] == ["0", "< 5", "< 5", "5", "120"]


def test_a_partition_hides_a_second_cell_so_the_first_cannot_be_subtracted():
    figure = _figure([3, 40, 12, 0], partition=True)
    shown = [cell.value for cell in figure.cells[0]]
    # 3 hidden, and the smallest other non-zero cell (12) with it; 0 stays.
    assert shown == [None, 40, None, 0]


def test_a_partition_with_two_hidden_cells_hides_nothing_more():
    figure = _figure([3, 2, 40], partition=True)
    assert [cell.value for cell in figure.cells[0]] == [None, None, 40]


def test_amounts_are_hidden_by_the_people_behind_them():
    figure = _figure([Decimal("99.50"), Decimal("1200.00")], people=[2, 9], money=True)
    with translation.override("fi"):
        assert [str(cell) for cell in figure.cells[0]] == ["< 5", "1\xa0200,00 €"]


def test_count_cell():
    assert count_cell(0).value == 0
    assert count_cell(4).hidden
    assert count_cell(5).value == 5


def test_the_svg_has_no_script_and_no_hidden_value():
    figure = _figure([3, 1234], people=None)
    with translation.override("fi"):
        response = svg_response(figure)
    body = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml"
    assert "<script" not in body
    assert "1\xa0234" in body or "1 234" in body
    assert ">3<" not in body


def test_the_csv_shows_what_the_table_shows():
    figure = _figure([2, 30], partition=False)
    with translation.override("en"):
        body = b"".join(figure.csv_response("t.csv").streaming_content).decode("utf-8-sig")
    assert body.splitlines() == ["Status;Members", "c0;< 5", "c1;30"]


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        Figure("x", "x", "x", ["a", "b"], [Series("s", [1])])
