from __future__ import annotations

import codecs
import csv
import io

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from accounts.forms import FINNISH_POSTAL_CODE
from registry.business_id import business_id_normalise

from .models import (
    BankAccount,
    ContactPerson,
    Membership,
    Organization,
    OrganizationClaim,
)
from .selectors import DEFAULT_MEMBER_SORT, MEMBER_SORTS
from .services import ORGANIZATION_FIELDS, ImportRow, bank_account_iban_problem, business_id_holder

PHONE_ERROR = _("Enter a valid phone number, e.g. 040 123 4567 or +46 70 123 4567.")
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class OrganizationForm(forms.ModelForm):
    financial_period_end_month = forms.TypedChoiceField(
        label=_("Financial period ends in"),
        choices=list(MONTHS.items()),
        coerce=int,
        required=False,
        empty_value=12,
        initial=12,
        help_text=Organization._meta.get_field("financial_period_end_month").help_text,
    )
    phone = PhoneNumberField(
        label=_("Phone number"),
        required=False,
        region="FI",
        error_messages={"invalid": PHONE_ERROR},
    )

    class Meta:
        model = Organization
        # The fields the service writes: one list, so a new field reaches both.
        fields = list(ORGANIZATION_FIELDS)

    # The organization already registered under the business ID typed, if any: a new
    # registration of it becomes a claim (organizations.views.organization_create).
    registered_organization: Organization | None = None

    def clean_business_id(self) -> str:
        normalised = business_id_normalise(self.cleaned_data["business_id"])
        taken = business_id_holder(business_id=normalised, exclude=self.instance)
        if taken is not None:
            self.registered_organization = taken
            raise forms.ValidationError(
                _("An organization with this business ID already exists."), code="registered"
            )
        return normalised

    def clean_postal_code(self) -> str:
        value = " ".join(self.cleaned_data["postal_code"].split())
        if value and not FINNISH_POSTAL_CODE.match(value):
            raise forms.ValidationError(_("A Finnish postal code has five digits, e.g. 00100."))
        return value


class BankAccountForm(forms.ModelForm):
    # Longer than the stored column: an IBAN is often typed in groups of four with spaces,
    # and clean_iban stores the compact form (at most 34 characters).
    iban = forms.CharField(label=_("IBAN"), max_length=50)

    class Meta:
        model = BankAccount
        fields = ["iban", "bic", "description", "is_primary"]
        help_texts = {"bic": _("Filled in from the IBAN when left empty.")}

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_iban(self) -> str:
        raw = self.cleaned_data["iban"]
        try:
            iban = IBAN(raw)
        except SchwiftyException as error:
            raise forms.ValidationError(
                _("%(value)s is not a valid IBAN. Check the country code and the digits."),
                params={"value": raw},
            ) from error
        value = iban.compact
        problem = bank_account_iban_problem(
            organization=self.organization, iban=value, account_pk=self.instance.pk
        )
        if problem:
            raise forms.ValidationError(problem, code="iban_taken")
        self.parsed_iban = iban
        return value

    def clean_bic(self) -> str:
        raw = self.cleaned_data["bic"].replace(" ", "").upper()
        if not raw:
            return ""
        try:
            return str(BIC(raw))
        except SchwiftyException as error:
            raise forms.ValidationError(
                _("%(value)s is not a valid BIC."), params={"value": raw}
            ) from error

    def clean(self) -> dict:
        cleaned = super().clean()
        iban = getattr(self, "parsed_iban", None)
        if iban is None or self.has_error("bic"):
            return cleaned
        derived = iban.bic
        typed = cleaned.get("bic", "")
        if typed and derived and typed[:8] != str(derived)[:8]:
            self.add_error(
                "bic",
                _("The BIC %(typed)s does not match the IBAN, whose bank's BIC is %(derived)s.")
                % {"typed": typed, "derived": derived},
            )
        elif not typed and derived:
            cleaned["bic"] = str(derived)
        cleaned["bank_name"] = iban.bank_name or ""
        return cleaned


class OrganizationClaimForm(forms.ModelForm):
    class Meta:
        model = OrganizationClaim
        fields = ["statement"]
        widgets = {"statement": forms.Textarea(attrs={"rows": 6})}


class OrganizationVerifyForm(forms.Form):
    """The controller's record of what a verification rests on."""

    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "E.g. 'Trade register extract of 3.2.2026, checked against the YTJ service'. "
            "Name the documents, not people."
        ),
    )


class ClaimDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Decision note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the claimant with the decision."),
    )
    remove_previous_admins = forms.BooleanField(
        label=_("Remove the previous admins' rights"),
        required=False,
        help_text=_(
            "On approval. Their memberships stay; only their admin rights go. The claimant "
            "becomes an admin either way."
        ),
    )


class ContactPersonForm(forms.ModelForm):
    phone = PhoneNumberField(
        label=_("Phone number"),
        required=False,
        region="FI",
        error_messages={"invalid": PHONE_ERROR},
    )

    class Meta:
        model = ContactPerson
        fields = ["name", "role", "phone", "email"]


class InvitationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300, required=False)
    email = forms.EmailField(label=_("Email address"))
    member_number = forms.CharField(label=_("Member number"), max_length=20, required=False)


class InvitationImportForm(forms.Form):
    """A pasted list or a CSV file of name, email and member number."""

    rows = forms.CharField(
        label=_("Paste a list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One person per line: name, email, member number — separated by commas, "
            "semicolons or tabs. A header line is allowed."
        ),
    )
    file = forms.FileField(label=_("…or upload a CSV file"), required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        text = cleaned.get("rows") or ""
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(_("The file is too large (at most 2 MB)."))
            text = _decode_upload(upload.read())
            if text is None:
                raise forms.ValidationError(
                    _(
                        "The file could not be read as text. Save it as CSV (separated by"
                        " commas or semicolons) and upload it again."
                    )
                )
        if not text.strip():
            raise forms.ValidationError(_("Paste a list or choose a file."))
        # A file is refused for the same character as the pasted list (whose field checks it).
        ProhibitNullCharactersValidator()(text)
        rows = parse_invitation_rows(text)
        if not rows:
            raise forms.ValidationError(_("No people found in the list."))
        if len(rows) > MAX_IMPORT_ROWS:
            raise forms.ValidationError(
                _("At most %(count)s people at a time."), params={"count": MAX_IMPORT_ROWS}
            )
        cleaned["parsed_rows"] = rows
        return cleaned


def _decode_upload(content: bytes) -> str | None:
    """The file as text, or ``None`` for a file that is no text (e.g. an Excel workbook).

    Excel saves CSV as UTF-8 (with a byte order mark) or Windows-1252, and "Unicode text"
    as UTF-16 with a byte order mark: read as bytes, that one is full of NUL characters.
    """
    encodings = ["utf-8-sig", "cp1252"]
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings.insert(0, "utf-16")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# A first-line cell that starts with one of these (and is no address) marks a header line:
# "Email address", "Sähköpostiosoite" and "E-postadress" as well as the bare words.
HEADER_WORDS = ("email", "sähköposti", "e-post", "e-mail", "sahkoposti")


def _is_header(cells: list[str]) -> bool:
    return any("@" not in cell and cell.lower().startswith(HEADER_WORDS) for cell in cells)


def parse_invitation_rows(text: str) -> list[ImportRow]:
    """Read name, email, member number per line; the delimiter is sniffed.

    Raises ``ValidationError`` for a list the csv module cannot read.
    """
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": lines may end in CR LF, LF or a lone CR (old Mac files), and a quoted cell
    # may hold a line break.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[ImportRow] = []
    number = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # In practice a cell over the csv module's limit (128 KiB), which an unclosed
            # quotation mark makes of the rest of the file.
            raise forms.ValidationError(
                _(
                    "Line %(line)s could not be read: a cell is too long, or a quotation "
                    "mark is not closed."
                ),
                params={"line": number + 1},
            ) from error
        number += 1
        cells = [cell.strip() for cell in fields]
        if not any(cells):
            continue
        if number == 1 and _is_header(cells):
            continue
        if len(cells) == 1:
            cells = ["", cells[0], ""]
        cells += [""] * (3 - len(cells))
        name, email, member_number = cells[:3]
        if "@" in name and "@" not in email:
            name, email = email, name
        rows.append(ImportRow(line=number, name=name, email=email, member_number=member_number))
    return rows


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Membership.Status.choices]
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All")), *Membership.Role.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("-name", _("Name, descending")),
            ("number", _("Member number")),
            ("-joined", _("Newest members first")),
            ("joined", _("Oldest members first")),
            ("status", _("Status")),
        ],
    )

    def filters(self):
        from .selectors import MemberFilter

        # A bad value in one field (a mistyped sort, say) drops only that field, not
        # every filter: an export must never silently widen to the whole register.
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or DEFAULT_MEMBER_SORT
        return MemberFilter(
            query=data.get("q", ""),
            status=data.get("status", ""),
            role=data.get("role", ""),
            sort=sort if sort in MEMBER_SORTS else DEFAULT_MEMBER_SORT,
        )


class RectificationDecisionForm(forms.Form):
    """An admin's decision on a member's request to correct the organization's records."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accept: correct the data")),
            ("refuse", _("Refuse")),
        ],
        widget=forms.RadioSelect,
    )
    value = forms.CharField(
        label=_("Correct value"),
        help_text=_("The value the member gave; you may adjust it before accepting."),
        max_length=2000,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_(
            "Needed when refusing: the member is told it, with their right to complain to the"
            " Data Protection Ombudsman."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for refusing."))
        return data
