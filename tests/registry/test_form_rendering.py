"""Forms render through the project's templates (``FORM_RENDERER``): the select template in
``templates/django/forms/widgets/`` writes its options inline instead of including a template
per option, with the same markup as Django's own."""

from __future__ import annotations

import re

from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.signals import template_rendered

CHOICES = [("", "All"), ("a", "Alpha <b>"), ("b", 'Beta "quoted"'), ("c", "Gamma")]


class ChoiceForm(forms.Form):
    pick = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(
        choices=[("Letters", [("x", "X"), ("y", "Y")]), ("z", "Z")], required=False
    )
    several = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)


def _compact(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_a_select_has_the_markup_djangos_own_template_gives():
    data = {"pick": "b", "grouped": "y", "several": ["a", "c"]}
    ours = ChoiceForm(data)
    django_own = ChoiceForm(data, renderer=DjangoTemplates())
    for name in ("pick", "grouped", "several"):
        assert _compact(str(ours[name])) == _compact(str(django_own[name]))
    html = str(ours["pick"])
    assert '<option value="b" selected>Beta &quot;quoted&quot;</option>' in html
    assert "Alpha &lt;b&gt;" in html


def test_a_select_renders_its_options_without_a_template_each():
    rendered = []

    def seen(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        str(ChoiceForm()["pick"])
    finally:
        template_rendered.disconnect(seen)
    assert "django/forms/widgets/select_option.html" not in rendered
    assert rendered.count("django/forms/widgets/select.html") == 1


class StarredSelect(forms.Select):
    option_template_name = "tests/starred_option.html"


def test_a_widget_with_an_option_template_of_its_own_still_gets_it(tmp_path, settings):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "starred_option.html").write_text(
        '<option value="{{ widget.value }}">★ {{ widget.label }}</option>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    field = forms.ChoiceField(choices=CHOICES[1:], widget=StarredSelect)
    html = field.widget.render("star", "a")
    assert '<option value="c">★ Gamma</option>' in html
