"""Names the signed-in user as the actor of the audit entries a request writes."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from gdpr.audit import acting_as


class AuditActorMiddleware:
    """Put ``request.user`` in the audit's context for the length of the request.

    The user object stays lazy: it is only loaded if the request writes an audit entry
    (and then almost always already has been, by the view that checked who is asking).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)
