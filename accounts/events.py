"""Signals the accounts app sends, so other apps can follow changes to a person.

``profile_changed`` is sent (after commit) when a user's name, email address or other
profile data changed; receivers get ``user``.
"""

from django.dispatch import Signal

profile_changed = Signal()
