"""The address of the person's browser, behind the reverse proxies the settings trust.

Rate limits (through ``AccountAdapter.get_client_ip``), sign-in history and the export
download log all read it from here, so they agree on who a request came from. With no
trusted proxy (``ALLAUTH_TRUSTED_PROXY_COUNT = 0`` and no ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``)
X-Forwarded-For is ignored: anyone can write it.
"""

from __future__ import annotations

import logging

from allauth.core.internal.httpkit import clean_client_ip, get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as the trusted proxies report it (allauth's rules), else the
    address of the connection; ``None`` if neither is an IP address."""
    try:
        ip = get_client_ip(request)
    except ImproperlyConfigured:
        # Fewer X-Forwarded-For entries than trusted proxies: the request skipped the
        # outer one(s). Every entry was then written by a trusted proxy, and the first is
        # the nearest to the client; refusing the request would only turn a deployment
        # detail into an error page for the person.
        logger.warning("X-Forwarded-For has fewer entries than ALLAUTH_TRUSTED_PROXY_COUNT")
        first = request.headers.get("x-forwarded-for", "").split(",")[0]
        ip = clean_client_ip(first.strip())
    if ip is None:
        # A trusted header that is missing or not an address: the request did not come
        # through the proxy that sets it, so the connection's own address is the client.
        remote = request.META.get("REMOTE_ADDR")
        ip = clean_client_ip(remote) if remote else None
    return ip
