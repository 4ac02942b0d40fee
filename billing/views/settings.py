"""The organization admin's billing settings: the reminder fee and late-payment interest."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import permissions, reminders, selectors, services
from ..forms import BillingSettingsForm


@login_required
def billing_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """The organization's reminder fee (0-5 €) and whether it charges interest."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    current = selectors.billing_settings(organization=organization)
    form = BillingSettingsForm(
        request.POST or None,
        initial={
            "reminder_fee": current.reminder_fee,
            "charges_interest": current.charges_interest,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            reminders.billing_settings_save(
                organization=organization,
                reminder_fee=form.cleaned_data["reminder_fee"],
                charges_interest=form.cleaned_data["charges_interest"],
                actor=request.user,
            )
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The billing settings were saved."))
            return redirect("billing:billing_settings", pk=pk)
    return render(
        request,
        "billing/org/billing_settings.html",
        {"organization": organization, "form": form},
    )
