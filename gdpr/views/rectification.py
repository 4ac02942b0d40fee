"""The rectification page: a member asks for a correction of data others recorded. The
holders of the records decide on their own pages (an organization's admins:
``organizations.views.rectifications``), the controller at the desk."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from gdpr.rectification import services as rectification
from gdpr.rectification.services import RectifiableDatum, RectificationError, ValueKind

DETAILS_MAX = 2000


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


def _after_filing(public_id) -> str:
    # The member's own request page, once the privacy pages are there.
    for name, kwargs in (("gdpr:request_detail", {"public_id": public_id}), ("gdpr:privacy", {})):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return reverse("gdpr:rectification_new")


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
                form.add_error("value", error)
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
