"""allauth's own strings that this project translates itself.

Listing them here puts them in the project's catalog, which takes precedence over
allauth's: it fixes a wrong Swedish sentence on the login page and keeps the names of
things (two-factor authentication, email addresses) the same on every page.
"""

from django.utils.translation import gettext_noop

ALLAUTH_TERMS = [
    gettext_noop(
        "If you have not created an account yet, then please %(link)ssign up%(end_link)s first."
    ),
    gettext_noop("Two-Factor Authentication"),
    gettext_noop("Email Addresses"),
    gettext_noop("Email"),
    gettext_noop("Sign In"),
    gettext_noop("Sign Up"),
    gettext_noop("Sign Out"),
    gettext_noop("Change Password"),
    gettext_noop("Sessions"),
]
