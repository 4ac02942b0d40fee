"""Rectification pages: a member asks for a correction of data others recorded; an
organization's admins decide the ones about their organization's own records."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from gdpr.models import RequestStatus
from gdpr.rectification import services as rectification
from gdpr.rectification.services import RectifiableDatum, RectificationError, ValueKind
from organizations.permissions import get_organization_for_admin

DETAILS_MAX = 2000
CLOSED_SHOWN = 20


class RectificationForm(forms.Form):
    """The correct value of one datum; the field's widget follows the datum's kind."""

    target = forms.CharField(widget=forms.HiddenInput)
    value = forms.CharField(label=gettext_lazy("Correct value"), max_length=2000)
    details = forms.CharField(
        label=gettext_lazy("Explanation"),
        help_text=gettext_lazy(
            "Why the recorded value is wrong, and anything that helps check it."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=DETAILS_MAX,
    )

    def __init__(self, *args, datum: RectifiableDatum | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if datum is not None:
            _shape_value_field(self.fields["value"], datum)


def _shape_value_field(field: forms.Field, datum: RectifiableDatum) -> None:
    if datum.kind == ValueKind.CHOICE:
        field.widget = forms.Select(choices=[("", "—"), *datum.choices])
    elif datum.kind == ValueKind.DATE:
        field.widget = forms.TextInput(attrs={"inputmode": "numeric"})
        field.help_text = _("As dd.mm.yyyy, e.g. 15.3.2024.")
    elif datum.kind == ValueKind.LONG_TEXT:
        field.widget = forms.Textarea(attrs={"rows": 5})
    elif datum.kind == ValueKind.EMAIL:
        field.widget = forms.EmailInput()
    elif datum.kind == ValueKind.PHONE:
        field.widget = forms.TextInput(attrs={"type": "tel"})


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("accept", gettext_lazy("Accept: correct the data")),
            ("refuse", gettext_lazy("Refuse")),
        ],
        widget=forms.RadioSelect,
    )
    value = forms.CharField(
        label=gettext_lazy("Correct value"),
        help_text=gettext_lazy("The value the member gave; you may adjust it before accepting."),
        max_length=2000,
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy(
            "Needed when refusing: the member is told it, with their right to complain to the"
            " Data Protection Ombudsman."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=DETAILS_MAX,
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for refusing."))
        return data


def _after_filing(public_id) -> str:
    # The member's own request page, once the privacy pages are there.
    for name, kwargs in (("gdpr:request_detail", {"public_id": public_id}), ("gdpr:privacy", {})):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return reverse("gdpr:rectification_new")


def _errors_to_form(form: forms.Form, error: ValidationError, field: str | None = None) -> None:
    for message in error.messages:
        form.add_error(field, message)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rectification_new(request: HttpRequest) -> HttpResponse:
    """The member's data that others recorded; picking one opens the form to correct it."""
    data = rectification.rectifiable_data(request.user)
    by_key = {datum.key: datum for datum in data}
    wanted = request.POST.get("target") if request.method == "POST" else request.GET.get("target")
    datum = by_key.get(wanted or "")
    form = None
    if datum is not None:
        form = RectificationForm(
            request.POST if request.method == "POST" else None,
            datum=datum,
            initial={"target": datum.key},
        )
    if request.method == "POST":
        if datum is None:
            # A forged or stale target: not among this person's data.
            messages.error(request, _("Choose one of your data listed on the page."))
            return render(
                request,
                "gdpr/rectification_new.html",
                {"data": data, "datum": None, "form": None},
                status=400,
            )
        if form.is_valid():
            try:
                filed = rectification.rectification_file(
                    request.user,
                    target=datum.key,
                    value=form.cleaned_data["value"],
                    details=form.cleaned_data["details"],
                    actor=request.user,
                )
            except RectificationError as error:
                _errors_to_form(form, error, "value")
            else:
                messages.success(
                    request,
                    _(
                        "Your request was filed. %(holder)s decides it, and you will get the"
                        " answer by email."
                    )
                    % {"holder": datum.holder},
                )
                return redirect(_after_filing(filed.public_id))
    return render(
        request, "gdpr/rectification_new.html", {"data": data, "datum": datum, "form": form}
    )


@login_required
@require_safe
def org_rectifications(request: HttpRequest, pk: int) -> HttpResponse:
    """The organization's rectification requests: open ones first, then recent decisions."""
    organization = get_organization_for_admin(request.user, pk)
    return render(
        request,
        "gdpr/org_rectifications.html",
        {
            "organization": organization,
            "today": timezone.localdate(),
            "open_requests": rectification.org_rectification_requests(organization),
            "closed_requests": rectification.org_rectification_requests(
                organization, closed=True, limit=CLOSED_SHOWN
            ),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def org_rectification_decide(request: HttpRequest, pk: int, public_id) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    dsr = rectification.get_org_rectification(organization, public_id)
    datum = rectification.datum_for_request(dsr)
    may_decide = dsr.is_open and rectification.may_decide(request.user, dsr)
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        initial={"value": rectification.requested_value_display(dsr)},
    )
    if request.method == "POST":
        if not may_decide:
            messages.error(request, _("This request cannot be decided here."))
            return redirect("gdpr:org_rectification_decide", pk=pk, public_id=dsr.public_id)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                rectification.rectification_decide(
                    dsr,
                    accept=accept,
                    value=form.cleaned_data["value"] if accept else "",
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                _errors_to_form(form, error, "value" if accept else None)
            else:
                messages.success(
                    request,
                    _("The correction was made and the member told.")
                    if accept
                    else _("The request was refused and the member told why."),
                )
                return redirect("gdpr:org_rectifications", pk=pk)
    return render(
        request,
        "gdpr/org_rectification_decide.html",
        {
            "organization": organization,
            "dsr": dsr,
            "datum": datum,
            "target_label": rectification.target_label(dsr.rectification_target),
            "requested": rectification.requested_value_display(dsr),
            "may_decide": may_decide,
            "own_request": dsr.subject_id == request.user.pk,
            "form": form,
            "events": [event for event in dsr.events.all() if not event.internal],
            "decided": dsr.status in (RequestStatus.COMPLETED, RequestStatus.REFUSED),
        },
    )
