from __future__ import annotations

import datetime
import re

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .models import User

FINNISH_POSTAL_CODE = re.compile(r"^\d{5}$")
ANY_POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,10}$")
OLDEST_BIRTH_YEAR = 1900


class ProfileForm(forms.ModelForm):
    phone = PhoneNumberField(
        label=_("Phone number"),
        required=False,
        region="FI",
        error_messages={
            "invalid": _("Enter a valid phone number, e.g. 040 123 4567 or +46 70 123 4567.")
        },
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "street_address",
            "postal_code",
            "city",
            "country",
            "phone",
            "date_of_birth",
            "preferred_language",
        ]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "street_address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "date_of_birth": forms.DateInput(
                attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"
            ),
        }
        error_messages = {
            "date_of_birth": {"invalid": _("Enter the date as dd.mm.yyyy.")},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].input_formats = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]

    def clean_postal_code(self) -> str:
        return " ".join(self.cleaned_data["postal_code"].split()).upper()

    def clean_date_of_birth(self) -> datetime.date | None:
        born = self.cleaned_data.get("date_of_birth")
        if born is None:
            return None
        if born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born.year < OLDEST_BIRTH_YEAR:
            raise forms.ValidationError(_("Check the year of birth."))
        return born

    def clean(self) -> dict:
        cleaned = super().clean()
        postal_code = cleaned.get("postal_code")
        country = cleaned.get("country")
        if postal_code:
            pattern = FINNISH_POSTAL_CODE if (country or "FI") == "FI" else ANY_POSTAL_CODE
            if not pattern.match(postal_code):
                message = (
                    _("A Finnish postal code has five digits, e.g. 00100.")
                    if pattern is FINNISH_POSTAL_CODE
                    else _("Enter a valid postal code.")
                )
                self.add_error("postal_code", message)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=User.Language.choices)
    next = forms.CharField(required=False)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, as slow for an address already registered as for a new one.

    allauth's enumeration prevention gives both the same answer, but only a new account
    hashes its password: ~300 ms against ~8 ms would tell which addresses have an account.
    """

    def try_save(self, request):
        if self.account_already_exists:
            # The same work as set_password() on a new account; the hash is thrown away.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class AddSecurityKeyForm(AddWebAuthnForm):
    """allauth's, with the key's name labelled in the active language."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")


class EditSecurityKeyForm(EditWebAuthnForm):
    """allauth's, with the key's name labelled in the active language."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
