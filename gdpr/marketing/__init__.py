"""Consents, direct-marketing bans and the audiences apps declare."""
