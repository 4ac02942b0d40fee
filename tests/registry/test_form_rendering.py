"""Forms render through the project's templates (``FORM_RENDERER``): the select template in
``templates/django/forms/widgets/`` writes its options inline instead of including a template
per option, with the same markup as Django's own; inputs, selects and text areas are
written in Python with, character for character, the markup of those templates."""

from __future__ import annotations

import re

from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.test.signals import template_rendered
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from registry import form_renderer
from registry.form_renderer import FormRenderer

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
    # Written in Python (registry.form_renderer), with the template's markup.
    assert "django/forms/widgets/select.html" not in rendered


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


# --- The widgets written in Python (registry.form_renderer) -----------------------------------

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
ATTR_VALUES = st.one_of(
    st.booleans(), TEXT, st.integers(-5, 500), TEXT.map(mark_safe), st.just(None)
)
ATTRS = st.dictionaries(
    st.sampled_from(["id", "class", "placeholder", "maxlength", "required", "disabled",
                     "aria-describedby", "data-x", "autofocus", "step"]),
    ATTR_VALUES,
    max_size=5,
)  # fmt: skip
INPUT_WIDGETS = [
    forms.TextInput, forms.EmailInput, forms.NumberInput, forms.PasswordInput,
    forms.HiddenInput, forms.DateInput, forms.DateTimeInput, forms.TimeInput, forms.URLInput,
    forms.SearchInput, forms.ColorInput, forms.TelInput, forms.CheckboxInput, forms.FileInput,
]  # fmt: skip
CHOICE_VALUES = st.one_of(TEXT, st.integers(0, 99))
CHOICES_GROUPED = st.lists(
    st.one_of(
        st.tuples(CHOICE_VALUES, TEXT),
        st.tuples(TEXT.filter(bool), st.lists(st.tuples(CHOICE_VALUES, TEXT), max_size=3)),
    ),
    max_size=5,
)


def _both(widget: forms.Widget, name: str, value, attrs: dict) -> tuple[str, str]:
    ours, templates = FormRenderer(), TemplatesSetting()
    context = widget.get_context(name, value, attrs)
    assert widget.template_name in form_renderer._WRITERS
    return ours.render(widget.template_name, context), templates.render(
        widget.template_name, context
    )


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(INPUT_WIDGETS), TEXT, st.one_of(st.none(), TEXT, TEXT.map(mark_safe)),
       ATTRS, ATTRS)  # fmt: skip
def test_an_input_written_in_python_is_the_templates_markup(kind, name, value, own, attrs):
    ours, templates = _both(kind(attrs=own), name, value, attrs)
    assert ours == templates


@settings(max_examples=150, deadline=None)
@given(TEXT, st.one_of(st.none(), TEXT, TEXT.map(mark_safe)), ATTRS)
def test_a_textarea_written_in_python_is_the_templates_markup(name, value, attrs):
    ours, templates = _both(forms.Textarea(), name, value, attrs)
    assert ours == templates


@settings(max_examples=150, deadline=None)
@given(CHOICES_GROUPED, TEXT, st.one_of(CHOICE_VALUES, st.lists(CHOICE_VALUES, max_size=2)),
       ATTRS, st.booleans())  # fmt: skip
def test_a_select_written_in_python_is_the_templates_markup(choices, name, value, attrs, many):
    widget = (forms.SelectMultiple if many else forms.Select)(choices=choices)
    ours, templates = _both(widget, name, value, attrs)
    assert ours == templates


def test_a_widget_template_a_project_overrides_renders_through_it(tmp_path, settings):
    widgets = tmp_path / "django" / "forms" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "text.html").write_text('<input class="ours" name="{{ widget.name }}">')
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    form_renderer._unchanged.cache_clear()
    try:
        html = forms.TextInput().render("who", "x", renderer=FormRenderer())
    finally:
        form_renderer._unchanged.cache_clear()
    assert html == '<input class="ours" name="who">'


def test_a_form_written_in_python_is_escaped_and_keeps_what_was_typed():
    html = str(ChoiceForm({"pick": "b"})["pick"])
    assert '<option value="b" selected>Beta &quot;quoted&quot;</option>' in html

    class Typed(forms.Form):
        name = forms.CharField(max_length=5)

    form = Typed({"name": '<script>"x"'})
    assert not form.is_valid()
    html = str(form["name"])
    assert 'value="&lt;script&gt;&quot;x&quot;"' in html
    assert "<script>" not in html
