"""Messages of Django itself that its Finnish and Swedish catalogues leave in English.

Listed here so that `makemessages` carries them into the project's catalogue, which
Django reads before its own (LOCALE_PATHS); nothing calls these at run time.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext

FRAMEWORK_MESSAGES = (
    gettext_noop("Run"),
    gettext_noop("Change or view list link"),
    gettext_noop("Pagination %(name)s entries"),
    gettext_noop("Filter by %(field_name)s"),
    gettext_noop("Logout"),
    gettext_noop('The app "%s" could not be found.'),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would result in deleting related objects, but your account doesn't have permission to delete the following types of objects:"  # noqa: E501
    ),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would require deleting the following protected related objects:"  # noqa: E501
    ),
    gettext_noop(
        "Are you sure you want to delete the %(object_name)s “%(escaped_object)s”? All of the following related items will be deleted:"  # noqa: E501
    ),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    gettext_noop("- Select an option -"),
    gettext_noop("No %s matches the given query."),
    gettext_noop("“%(value)s” is not a valid binary value."),
    gettext_noop("Haitian Creole"),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
)


def _plural_messages() -> None:
    """Never called: plural forms have no ``gettext_noop``, so xgettext finds them here."""
    ngettext("…and %(count)d more object.", "…and %(count)d more objects.", 0)
