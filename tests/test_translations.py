"""Every user-facing string ships in Finnish and Swedish, and the compiled catalogs match."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_compiled_catalog_is_up_to_date(language):
    folder = LOCALE / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    mo = polib.mofile(str(folder / "django.mo"))
    translated = {e.msgid: (e.msgstr, e.msgstr_plural) for e in po.translated_entries()}
    compiled = {e.msgid: (e.msgstr, e.msgstr_plural) for e in mo if e.msgid}
    assert compiled == translated, "run `make messages` (compilemessages) and commit the .mo"
