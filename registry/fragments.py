"""``{% fragment key … %}…{% endfragment %}``: a part of a template rendered once per
process for each language and key, then reused.

The frame of every page (the site's menu, the organization's menu, the language list,
the footer) is the same for everyone who sees it in the same language, but for a few
values: whether they are signed in, staff, which organization. Rendering it took about a
millisecond a page, mostly ``{% translate %}`` and links, the same work on every request.
``{% cache %}`` was no cheaper: its key is hashed and its value pickled through the cache
backend, which cost as much as rendering.

A fragment's output may depend only on the active language, the URL prefix and URL
configuration (always part of the key) and the values given as its keys. Nothing of one
request (a CSRF token, messages, the address asked for) may be inside one. The store is
per process and bounded: past ``LIMIT`` fragments it starts again, so an unbounded key
(organizations) cannot grow it without end. A template parsed again (development's
autoreload) gets new fragments: each is known by a number given when it is parsed, not by
its place in the file. Loaded as ``{% load fragments %}`` (``TEMPLATES`` ``libraries``).
"""

from __future__ import annotations

import itertools
import threading

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

LIMIT = 2_000
_store: dict[tuple, SafeString] = {}
_lock = threading.Lock()
_numbers = itertools.count()


class FragmentNode(template.Node):
    def __init__(self, nodelist: template.NodeList, keys: list[template.base.FilterExpression]):
        self.nodelist = nodelist
        self.keys = keys
        self.number = next(_numbers)

    def render(self, context: template.Context) -> SafeString:
        key = (
            self.number,
            get_language(),
            get_script_prefix(),
            get_urlconf(),
            *(expression.resolve(context) for expression in self.keys),
        )
        try:
            return _store[key]
        except KeyError:
            pass
        except TypeError:  # a key that cannot be hashed: rendered every time
            return self.nodelist.render(context)
        # Safe: the nodelist's own output, escaped by the template engine as it rendered.
        rendered = mark_safe(self.nodelist.render(context))  # noqa: S308
        with _lock:
            if len(_store) >= LIMIT:
                _store.clear()
            _store[key] = rendered
        return rendered


@register.tag
def fragment(parser: template.base.Parser, token: template.base.Token) -> FragmentNode:
    """``{% fragment organization.pk organization.name %}…{% endfragment %}``."""
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, keys)


@receiver(setting_changed)
def clear(**kwargs) -> None:
    """Forget every fragment: a setting changed (in tests: the URLs, the languages)."""
    with _lock:
        _store.clear()
