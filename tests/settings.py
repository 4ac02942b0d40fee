"""The product's settings, plus the apps that exist only in the tests.

``tests.flightlog`` stands for the next app someone adds (events, bookings, flight logs):
it sits before gdpr, which stays last so that every app has declared its data when gdpr
reads the declarations.
"""

from registry.settings import *  # noqa: F403
from registry.settings import INSTALLED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "gdpr"] + ["tests.flightlog", "gdpr"]
