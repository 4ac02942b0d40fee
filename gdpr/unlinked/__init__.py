"""Rows no account points at (an unmatched payment, a call logged before signing up): the
search for a person's values in the fields the apps declare searchable, and attaching
what the handler picks to the person's request."""
