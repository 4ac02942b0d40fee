"""Downloading an access/portability export: the subject or the controller's staff with
the view permission, each after re-authenticating; everyone else gets 404 (before being
asked for anything)."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.client_ip import client_ip
from gdpr.exports import services as exports
from gdpr.models import DataExport


@login_required
@require_safe
def export_download(request: HttpRequest, export_id) -> HttpResponse:
    export = exports.export_for_user(request.user, export_id)
    return _reauthenticated_download(request, export)


# Whoever downloads proves again that it is them: the ZIP holds everything about a person.
@reauthentication_required
def _reauthenticated_download(request: HttpRequest, export: DataExport) -> HttpResponse:
    return _download(request, export)


def _download(request: HttpRequest, export: DataExport) -> HttpResponse:
    try:
        download = exports.export_open(export, user=request.user, ip=client_ip(request))
    except exports.ExportExpired:
        response = render(request, "gdpr/export_expired.html", {"export": export}, status=410)
        response["Cache-Control"] = "no-store, private"
        return response
    except exports.ExportNotReady as error:
        raise Http404 from error
    return download.response()
