"""Forms of the member's privacy pages: filing a request, marketing choices."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gdpr.declarations import LegalBasis, Purpose, categories
from gdpr.marketing.consents import consent_purposes
from gdpr.models import MarketingChannel, NoticeAcknowledgement, RequestKind, RestrictionGround
from gdpr.notice.services import notice_acknowledge
from gdpr.notice.shown import TOKEN_MAX_LENGTH, notice_shown_token, notice_shown_version

DETAILS_MAX = 2000


def _details(*, required: bool, label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=DETAILS_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell us why you ask for this.")},
    )


class RequestForm(forms.Form):
    """The common part: what the member wants to add in their own words."""

    kind: str = ""

    details = _details(required=False, label=_("Anything you want to add (optional)"))

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)

    def request_details(self) -> str:
        return self.cleaned_data["details"].strip()

    def marketing_channels(self) -> list[str]:
        return []

    def restriction_ground(self) -> str:
        return ""


class AccessRequestForm(RequestForm):
    kind = RequestKind.ACCESS


class PortabilityRequestForm(RequestForm):
    kind = RequestKind.PORTABILITY


class RestrictionRequestForm(RequestForm):
    """Art. 18(1) lists the four grounds; the member picks one and explains. Under (a)
    and (d) the data is restricted as soon as the request is filed."""

    kind = RequestKind.RESTRICTION
    field_order = ["ground", "details"]

    # The member's words for the grounds of Art. 18(1)(a) to (d), in that order.
    GROUNDS = (
        (RestrictionGround.ACCURACY.value, _("I contest the accuracy of my data")),
        (
            RestrictionGround.UNLAWFUL.value,
            _("The processing is unlawful, and I want it restricted, not erased"),
        ),
        (
            RestrictionGround.LEGAL_CLAIMS.value,
            _("The data is no longer needed, but I need it for a legal claim"),
        ),
        (
            RestrictionGround.OBJECTION.value,
            _("I have objected to the processing and await the decision"),
        ),
    )

    ground = forms.ChoiceField(
        label=_("Why should the processing be restricted?"),
        choices=GROUNDS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the reason for the restriction.")},
    )
    details = _details(
        required=True,
        label=_("Explain briefly"),
        help_text=_("For example, which data is wrong, or which legal claim you need it for."),
    )

    def request_details(self) -> str:
        ground = dict(self.GROUNDS)[self.cleaned_data["ground"]]
        return f"{ground}\n\n{self.cleaned_data['details'].strip()}"

    def restriction_ground(self) -> str:
        return self.cleaned_data["ground"]


class ObjectionRequestForm(RequestForm):
    kind = RequestKind.OBJECTION
    field_order = ["channels", "details"]

    channels = forms.MultipleChoiceField(
        label=_("Stop direct marketing to me by"),
        choices=MarketingChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one channel.")},
    )

    def marketing_channels(self) -> list[str]:
        return list(self.cleaned_data["channels"])


def _objectionable_purposes() -> list[tuple[str, str]]:
    """The purposes some category serves on the controller's legitimate interests: those
    the person can object to (Art. 21(1)), from the registry."""
    used = {
        purpose
        for category in categories()
        if category.legal_basis == LegalBasis.LEGITIMATE_INTERESTS
        for purpose in category.purposes
    }
    return [(p.value, p.label) for p in Purpose if p in used]


class ProcessingObjectionForm(RequestForm):
    kind = RequestKind.PROCESSING_OBJECTION
    field_order = ["purposes", "details"]

    purposes = forms.MultipleChoiceField(
        label=_("I object to my data being used for"),
        choices=_objectionable_purposes,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one purpose.")},
    )
    details = _details(
        required=True,
        label=_("Your grounds"),
        help_text=_("What in your own situation makes this processing wrong for you."),
    )

    def request_details(self) -> str:
        labels = dict(self.fields["purposes"].choices)
        chosen = ", ".join(str(labels[p]) for p in self.cleaned_data["purposes"])
        return f"{chosen}\n\n{self.cleaned_data['details'].strip()}"


REQUEST_FORMS: dict[str, type[RequestForm]] = {
    form.kind: form
    for form in (
        AccessRequestForm,
        PortabilityRequestForm,
        RestrictionRequestForm,
        ObjectionRequestForm,
        ProcessingObjectionForm,
    )
}


class MarketingChoiceForm(forms.Form):
    """One click on the marketing page: ban or lift a channel, ban all, give or withdraw a
    consent. The buttons carry the values; anything else is refused."""

    BAN = "ban"
    LIFT = "lift"
    BAN_ALL = "ban_all"
    CONSENT = "consent"
    WITHDRAW = "withdraw"
    ACTIONS = (BAN, LIFT, BAN_ALL, CONSENT, WITHDRAW)

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    channel = forms.ChoiceField(choices=MarketingChannel.choices, required=False)
    purpose = forms.CharField(required=False, max_length=40)
    # The version of the consent text on the page: the record must name what was read.
    version = forms.CharField(required=False, max_length=40)
    # The privacy notice version the page linked, signed (recorded with a consent).
    notice_version = forms.CharField(required=False, max_length=TOKEN_MAX_LENGTH)

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if action in (self.BAN, self.LIFT) and not data.get("channel"):
            raise forms.ValidationError(_("Choose a channel."), code="channel")
        if action in (self.CONSENT, self.WITHDRAW) and data.get("purpose") not in {
            p.key for p in consent_purposes()
        }:
            raise forms.ValidationError(_("Unknown consent."), code="purpose")
        if action == self.CONSENT:
            data["notice_version"] = _shown_version(data.get("notice_version"))
        return data


def _shown_version(token: object):
    """The notice version a form's page showed, or the form error that sends the person
    back to a fresh page: a missing or forged value records no version at all."""
    version = notice_shown_version(token)
    if version is None:
        raise forms.ValidationError(
            _("The page was out of date. Reload it and try again."), code="notice_version"
        )
    return version


class SignupNoticeForm(forms.Form):
    """Added to allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS): the number of the
    privacy notice version the signup page links, so the new account records the version
    the person was shown, not one published while they typed."""

    notice_version = forms.CharField(
        required=False, max_length=TOKEN_MAX_LENGTH, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notice_version"].initial = notice_shown_token()

    def clean(self) -> dict:
        data = super().clean()
        # A form error of the whole form: a hidden field's own error is shown nowhere.
        try:
            data["notice_version"] = _shown_version(data.get("notice_version"))
        except forms.ValidationError as error:
            self.add_error(None, error)
            # The page shown again links the current notice: its form carries that one,
            # so sending it again after reading the error works.
            self.data = self.data.copy()
            self.data[self.add_prefix("notice_version")] = notice_shown_token()
        return data

    def signup(self, request, user) -> None:
        # allauth calls this once the new account is saved, with the form validated.
        notice_acknowledge(
            user,
            context=NoticeAcknowledgement.Context.SIGNUP,
            shown=self.cleaned_data["notice_version"],
        )
