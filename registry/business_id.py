"""The Finnish business ID (Y-tunnus): checked and written one way everywhere.

Organizations and the controller's details both hold one; the check digit is verified with
python-stdnum and the ID is kept in its written form (2468823-3), so that comparing two
IDs (the uniqueness of organizations) compares the same spelling.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus


def business_id_normalise(value: str) -> str:
    """The Y-tunnus written as the register keeps it (2468823-3); "" for none.

    Raises ``ValidationError`` (code ``invalid``) when it is not a Y-tunnus or the check
    digit is wrong.
    """
    value = value.strip()
    if not value:
        return ""
    try:
        return ytunnus.format(ytunnus.validate(value))
    except StdnumError as error:
        raise ValidationError(
            _("%(value)s is not a valid business ID (Y-tunnus), e.g. 2468823-3."),
            code="invalid",
            params={"value": value},
        ) from error
