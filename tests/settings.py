"""The product's settings, plus the apps that exist only in the tests.

``tests.flightlog`` stands for the next app someone adds (events, bookings, flight logs):
it sits before gdpr, which stays last so that every app has declared its data when gdpr
reads the declarations.

The suite runs in parallel processes (pytest-xdist, ``-n``). pytest-django gives each
process a database of its own; ``tests.parallel`` gives each its own Redis databases, Celery
queue and file folders, before the product's settings read them from the environment.
"""

from tests import parallel

parallel.separate_resources()

from registry.settings import *  # noqa: E402, F403
from registry.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "gdpr"] + ["tests.flightlog", "gdpr"]
CELERY_TASK_DEFAULT_QUEUE = parallel.queue_name()
