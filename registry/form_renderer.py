"""The site's form renderer: the common widgets written in Python, the rest through templates.

Every form field's widget was a template render: the input's template including Django's
``input.html`` including ``attrs.html``, each a context push and a dozen variable lookups.
A filter form of four fields took a tenth of a list page. Here ``<input>``, ``<select>``
and ``<textarea>`` are written by functions giving the same markup, character for
character, as those templates (``tests/registry/test_form_rendering.py`` holds them to it
for any attributes and values); any other widget, and any of these whose template a
project or app overrides, still renders through its template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import django.forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.utils.html import escape
from django.utils.safestring import SafeData

_WIDGETS = "django/forms/widgets/"
# Django's own widget templates, and the project's select (options written inline).
_DJANGO_OWN = Path(django.forms.__file__).resolve().parent / "templates" / "django" / "forms"
_PROJECT_SELECT = Path(settings.BASE_DIR, "templates", "django", "forms", "widgets", "select.html")
_DEFAULT_OPTION = _WIDGETS + "select_option.html"


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescaping: safe text as it is, the rest
    escaped."""
    return str(value) if isinstance(value, SafeData) else escape(value)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """Django's ``attrs.html``: ``name="value"``, a bare name for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


def _select(widget: Mapping[str, Any]) -> str | None:
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _DEFAULT_OPTION:
                return None  # an option template of its own: the template renders it all
            out.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


_INPUTS = (
    "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password",
    "search", "tel", "text", "time", "url",
)  # fmt: skip
_WRITERS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    **{f"{_WIDGETS}{name}.html": _input for name in _INPUTS},
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}select.html": _select,
}
# The templates a writer stands for: each must be the one the writer copies.
_COPIES = {
    **{f"{_WIDGETS}{name}.html": ("input.html", "attrs.html") for name in _INPUTS},
    f"{_WIDGETS}textarea.html": ("attrs.html",),
    f"{_WIDGETS}select.html": ("attrs.html",),
}


class FormRenderer(TemplatesSetting):
    """``TemplatesSetting`` (templates looked up as the site's own are), with the common
    widgets written in Python while their templates are the ones the writers copy."""

    def render(self, template_name: str, context: dict, request=None) -> str:
        writer = _WRITERS.get(template_name)
        if writer is not None and self._unchanged(template_name):
            written = writer(context["widget"])
            if written is not None:
                return written
        return super().render(template_name, context, request)

    def _unchanged(self, template_name: str) -> bool:
        return _unchanged(self, template_name)


@lru_cache(maxsize=64)
def _unchanged(renderer: FormRenderer, template_name: str) -> bool:
    """Whether ``template_name`` and the templates it includes are Django's own (the
    project's select for ``select.html``), not overridden by a project or an app."""

    def origin(name: str) -> Path:
        return Path(renderer.get_template(name).origin.name).resolve()

    own = origin(template_name)
    if template_name.endswith("select.html"):
        if own != _PROJECT_SELECT.resolve() and not own.is_relative_to(_DJANGO_OWN):
            return False
    elif not own.is_relative_to(_DJANGO_OWN):
        return False
    return all(
        origin(_WIDGETS + part).is_relative_to(_DJANGO_OWN) for part in _COPIES[template_name]
    )
