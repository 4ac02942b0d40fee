"""Signals the accounts app sends, so other apps can follow changes to a person.

``profile_changed`` is sent (after commit) when a user's name, email address or other
profile data changed; receivers get ``user``.

``profile_viewed`` is sent when one of the controller's staff opens a person's record in
the admin; receivers get ``user`` (whose data) and ``viewer``. The person's "who has seen
my data" log records it.
"""

from django.dispatch import Signal

profile_changed = Signal()
profile_viewed = Signal()
