"""The distinctive person covers every registered model that holds data about people."""

from __future__ import annotations

import pytest

from .distinctive import build_person, models_with_subject_fields, use_private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    use_private_storage(monkeypatch, tmp_path / "private")


def test_it_creates_rows_in_every_model_with_subject_fields():
    person = build_person("X")
    missing = [
        entry.label
        for entry in models_with_subject_fields()
        if not entry.rows_for(person.user).exists()
    ]
    assert missing == [], f"build_person makes no rows in: {missing}"


def test_it_gives_two_people_values_that_never_contain_each_other():
    x = build_person("X")
    y = build_person("Y")
    for x_value in x.all_values().values():
        for y_value in y.all_values().values():
            assert x_value not in y_value and y_value not in x_value, (x_value, y_value)
