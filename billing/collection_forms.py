"""Input of the collection pages: the organization's collection partners and the
hand-over of an invoice to one of them."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

from .collection import business_id_format
from .forms import DateField
from .models import CollectionPartner
from .selectors import collection_partners


class CollectionPartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    business_id = forms.CharField(
        label=_("Business ID"), max_length=20, help_text=_("For example 1234567-8.")
    )
    email = forms.EmailField(label=_("Contact email address"), max_length=254)
    is_active = forms.BooleanField(
        label=_("In use"),
        required=False,
        initial=True,
        help_text=_("Only a partner in use can be chosen when an invoice is handed over."),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("This field is required."))
        return name

    def clean_business_id(self) -> str:
        try:
            return business_id_format(self.cleaned_data["business_id"])
        except ValueError:
            raise forms.ValidationError(
                _("Enter a valid Finnish business ID, for example 1234567-8.")
            ) from None


class CollectionForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Collection partner"), queryset=CollectionPartner.objects.none()
    )
    handed_over_on = DateField(label=_("Handed over on"), initial=timezone.localdate)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = collection_partners(organization=organization).filter(
            is_active=True
        )

    def clean_handed_over_on(self) -> datetime.date:
        day = self.cleaned_data["handed_over_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day
