"""The organization admin's invoices: the list, a new invoice, and what happens to one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registry.confirmation import confirmation_context, is_confirmed
from registry.csv_download import csv_download
from registry.pagination import PAGE_SIZES, paginate
from registry.user_input import query_text

from .. import money, pdf, permissions, selectors, services, states
from ..collection_forms import CollectionForm
from ..forms import (
    EXTRA_LINES,
    MAX_LINES,
    CreditForm,
    InvoiceFilterForm,
    InvoiceForm,
    InvoiceLineFormSet,
    PaymentForm,
    ReminderForm,
    vat_key,
)
from ..models import Invoice
from ..templatetags.billing import eur

if TYPE_CHECKING:
    from organizations.models import Organization

LINES_PREFIX = "lines"


@login_required
def invoice_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = InvoiceFilterForm(request.GET)
    invoices = selectors.invoice_list(
        organization=organization, status=form.status_value(), age=form.age_value()
    )
    page, query = paginate(request, invoices)
    return render(
        request,
        "billing/org/invoices.html",
        {
            "organization": organization,
            "form": form,
            "page": page,
            "query": query,
            "page_sizes": PAGE_SIZES,
            "page_size": page.paginator.per_page,
            "today": timezone.localdate(),
            "unpaid_statuses": states.UNPAID_STATUSES,
            "csv_query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def invoice_list_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The invoice list as filtered, streamed as CSV: what is owed, and how long overdue."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = InvoiceFilterForm(request.GET)
    today = timezone.localdate()
    invoices = selectors.invoice_list(
        organization=organization, status=form.status_value(), age=form.age_value(), today=today
    )
    header = [
        _("Number"),
        _("Recipient"),
        _("Invoice date"),
        _("Due date"),
        _("Status"),
        _("Total"),
        _("Paid"),
        _("Amount due"),
        _("Days overdue"),
    ]
    return csv_download(
        header,
        selectors.invoice_csv_rows(invoices=invoices, today=today),
        filename=f"invoices-{today.isoformat()}.csv",
    )


def _with_more_lines(data: Any) -> Any:
    """The posted invoice with ``EXTRA_LINES`` more empty rows (the "add rows" button)."""
    data = data.copy()
    try:
        total = max(int(data.get(f"{LINES_PREFIX}-TOTAL_FORMS", 0)), 0)
    except ValueError:
        total = 0
    wanted = min(total + EXTRA_LINES, MAX_LINES)
    data[f"{LINES_PREFIX}-TOTAL_FORMS"] = str(wanted)
    for index in range(total, wanted):
        data.setdefault(f"{LINES_PREFIX}-{index}-quantity", "1")
    return data


def _line_inputs(formset: Any) -> list[services.LineInput]:
    return [
        services.LineInput(
            description=line["description"],
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            vat_rate=line["vat_rate"],
            product=line["product"],
        )
        for line in formset.lines()
    ]


def _draft_initial(invoice: Invoice) -> tuple[dict, list[dict]]:
    """The draft as the invoice form shows it: its fields and its lines."""
    initial = {
        "membership": invoice.membership_id,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "notes": invoice.notes,
    }
    lines = [
        {
            "product": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "vat_rate": vat_key(line.vat_rate),
        }
        for line in invoice.lines.all()
    ]
    return initial, lines


def _invoice_forms(
    request: HttpRequest, organization: Organization, invoice: Invoice | None, member_query: str
) -> tuple[InvoiceForm, InvoiceLineFormSet, bool]:
    """The invoice form and its lines, bound to what was posted or filled from the draft.

    The third value says the "add rows" button was pressed: the form comes back as typed,
    with more empty rows and without error messages, since nothing was submitted yet.
    """
    products = selectors.products_on_sale(organization=organization)
    if invoice is not None:
        # A draft keeps the products on its lines even when they are no longer on sale.
        products = selectors.products_with_lines_of(invoice=invoice, on_sale=products)
    adding_lines = request.method == "POST" and "add_lines" in request.POST
    initial_lines = None
    if adding_lines:
        form = InvoiceForm(
            initial={name: request.POST.get(name, "") for name in InvoiceForm.base_fields},
            organization=organization,
            member_query=member_query,
        )
        data = _with_more_lines(request.POST)
    elif request.method == "POST":
        data = request.POST
        form = InvoiceForm(data, organization=organization, member_query=member_query)
    else:
        data = None
        initial = None
        if invoice is not None:
            initial, initial_lines = _draft_initial(invoice)
        form = InvoiceForm(initial=initial, organization=organization, member_query=member_query)
    formset = InvoiceLineFormSet(
        data, initial=initial_lines, prefix=LINES_PREFIX, form_kwargs={"products": products}
    )
    return form, formset, adding_lines


def _save_invoice(
    request: HttpRequest,
    organization: Organization,
    invoice: Invoice | None,
    form: InvoiceForm,
    formset: InvoiceLineFormSet,
) -> Invoice | None:
    """The new or changed draft, or None with the reasons on the forms."""
    if form.is_valid():
        formset.issue_date = form.cleaned_data["issue_date"]
    if not (form.is_valid() and formset.is_valid()):
        return None
    fields = {
        "membership": form.cleaned_data["membership"],
        "lines": _line_inputs(formset),
        "issue_date": form.cleaned_data["issue_date"],
        "due_date": form.cleaned_data["due_date"],
        "notes": form.cleaned_data["notes"],
        "actor": request.user,
    }
    try:
        if invoice is None:
            return services.invoice_create(organization=organization, **fields)
        return services.invoice_update(invoice=invoice, **fields)
    except services.RuleError as error:
        form.add_error(None, error)
        return None


def _invoice_form_page(
    request: HttpRequest, organization: Organization, invoice: Invoice | None
) -> HttpResponse:
    """A new invoice, or a draft's changes (``invoice``): the same form, the same checks.

    ``?member_q=`` narrows the member list; the "add rows" button posts the form back with
    more empty rows and changes nothing.
    """
    member_query = query_text(request.GET, "member_q")
    form, formset, adding_lines = _invoice_forms(request, organization, invoice, member_query)
    if request.method == "POST" and not adding_lines:
        saved = _save_invoice(request, organization, invoice, form, formset)
        if saved is not None:
            if invoice is None:
                messages.success(
                    request,
                    _(
                        "The invoice was saved as a draft. Check it and send it: it gets "
                        "its number when it is sent."
                    ),
                )
            else:
                messages.success(request, _("The draft was saved."))
            return redirect("billing:invoice", pk=organization.pk, invoice_pk=saved.pk)
    return render(
        request,
        "billing/org/invoice_create.html",
        {
            "organization": organization,
            "invoice": invoice,
            "form": form,
            "formset": formset,
            "show_errors": request.method == "POST" and not adding_lines,
            "member_query": member_query,
            "can_add_lines": formset.total_form_count() < MAX_LINES,
            "has_bank_account": organization.bank_accounts.filter(is_primary=True).exists(),
        },
    )


@login_required
def invoice_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new invoice (a draft) with up to 50 lines; works without JavaScript."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    return _invoice_form_page(request, organization, None)


def _draft_or_refusal(
    request: HttpRequest, organization: Organization, invoice_pk: int, action: states.Action
) -> Invoice | HttpResponse:
    """The organization's draft, or back to the invoice with the reason it is not one."""
    invoice = permissions.get_invoice_for_admin(organization, invoice_pk)
    refusal = states.refusal(invoice, action)
    if refusal is not None:
        messages.error(request, str(refusal))
        return redirect("billing:invoice", pk=organization.pk, invoice_pk=invoice.pk)
    return invoice


@login_required
def invoice_edit(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    """A draft's recipient, dates, notes and lines, changed on the new-invoice form."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = _draft_or_refusal(request, organization, invoice_pk, states.Action.EDIT)
    if isinstance(invoice, HttpResponse):
        return invoice
    return _invoice_form_page(request, organization, invoice)


@login_required
def invoice_discard(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    """Delete a draft after a confirmation page that names it."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = _draft_or_refusal(request, organization, invoice_pk, states.Action.DISCARD)
    if isinstance(invoice, HttpResponse):
        return invoice
    if request.method == "POST":
        try:
            services.invoice_discard(invoice=invoice, actor=request.user)
        except services.RuleError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("billing:invoice", pk=pk, invoice_pk=invoice_pk)
        messages.success(
            request,
            _("The draft invoice to %(recipient)s (%(total)s) was discarded.")
            % {"recipient": invoice.recipient_name, "total": eur(invoice.total)},
        )
        return redirect("billing:invoices", pk=pk)
    return render(
        request,
        "billing/org/invoice_discard.html",
        {"organization": organization, "invoice": invoice},
    )


@login_required
def invoice_detail(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_invoice_for_admin(organization, invoice_pk)
    document = pdf.invoice_document_context(invoice=invoice)
    actions = states.available_actions(invoice)
    return render(
        request,
        "billing/org/invoice_detail.html",
        {
            **document,
            "organization": organization,
            "invoice": invoice,
            "actions": actions,
            "past_due": states.is_past_due(invoice),
            "credit_form": CreditForm() if actions["credit"] else None,
            "reminder_form": ReminderForm() if actions["reminder"] else None,
            "collection_form": CollectionForm(organization=organization)
            if actions["collection"]
            else None,
            "collection_claim": selectors.invoice_collection_claim(invoice=invoice),
            "payment_form": PaymentForm(initial={"amount": invoice.amount_due})
            if actions["payment"]
            else None,
        },
    )


@login_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_invoice_for_admin(organization, invoice_pk)
    return pdf.invoice_pdf_response(invoice=invoice)


@login_required
@require_POST
def invoice_send(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_invoice_for_admin(organization, invoice_pk)
    try:
        # The number is given now: the message shows the one the service gave.
        invoice = services.invoice_send(invoice=invoice, actor=request.user)
    except services.RuleError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if invoice.recipient_email:
            messages.success(
                request,
                _("Invoice %(number)s was sent to %(email)s.")
                % {"number": invoice.number, "email": invoice.recipient_email},
            )
        else:
            messages.warning(
                request,
                _(
                    "Invoice %(number)s is marked as sent, but the member has no email "
                    "address: print the PDF and send it by post."
                )
                % {"number": invoice.number},
            )
    return redirect("billing:invoice", pk=pk, invoice_pk=invoice_pk)


def _invoice_action(
    request: HttpRequest,
    pk: int,
    invoice_pk: int,
    *,
    form_class: type[forms.Form],
    perform: Callable[[Invoice, dict], object],
    done: str,
    title: str,
    submit: str,
    form_kwargs: Callable[[Invoice], dict] | None = None,
) -> HttpResponse:
    """One of the invoice's actions: its form on a page of its own (GET, or a POST with
    errors, whose input is kept), or the action done and back to the invoice."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_invoice_for_admin(organization, invoice_pk)
    extra = form_kwargs(invoice) if form_kwargs else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(invoice, form.cleaned_data)
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            if isinstance(result, Invoice) and result.pk != invoice.pk:
                # A credit note: show the new document.
                return redirect("billing:invoice", pk=pk, invoice_pk=result.pk)
            return redirect("billing:invoice", pk=pk, invoice_pk=invoice_pk)
    return render(
        request,
        "billing/org/invoice_action.html",
        {
            "organization": organization,
            "invoice": invoice,
            "form": form,
            "title": title,
            "submit": submit,
            "action": request.path,
        },
    )


@login_required
def invoice_credit(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    """GET (or a POST without the confirmation): what crediting the invoice does, with the
    credit note's text as typed. POST from that page: credit it."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_invoice_for_admin(organization, invoice_pk)
    form = CreditForm(request.POST or None)
    if is_confirmed(request) and form.is_valid():
        try:
            credit_note = services.invoice_credit(
                invoice=invoice, reason=form.cleaned_data["reason"], actor=request.user
            )
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The invoice was credited: here is the credit note."))
            return redirect("billing:invoice", pk=pk, invoice_pk=credit_note.pk)
    elif request.method == "POST" and not is_confirmed(request):
        # Not confirmed yet: the text is shown again as typed, errors only once confirmed.
        form = CreditForm(initial={"reason": request.POST.get("reason", "")[:1000]})
    refusal = states.refusal(invoice, states.Action.CREDIT)
    names = {
        "number": invoice.number,
        "name": invoice.recipient_name,
        "total": money.format_eur(invoice.total),
    }
    consequences = [
        _(
            "Invoice %(number)s to %(name)s, %(total)s, is cancelled: a credit note with the "
            "same lines negated is made today."
        )
        % names,
        _("The invoice is no longer to be paid: no reminders or payments can be recorded on it."),
    ]
    return render(
        request,
        "billing/org/invoice_credit.html",
        {
            "organization": organization,
            "invoice": invoice,
            **confirmation_context(
                title=_("Credit invoice %(number)s") % names,
                consequences=consequences,
                irreversible=_(
                    "This cannot be undone: the credit note stays in the books, and the "
                    "invoice cannot be sent or paid again. To invoice the member again, make "
                    "a new invoice."
                ),
                submit=_("Credit the invoice"),
                action=request.path,
                cancel=reverse("billing:invoice", args=[pk, invoice_pk]),
                form=form,
                blocked=str(refusal) if refusal else "",
            ),
        },
    )


@login_required
def invoice_reminder(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        invoice_pk,
        form_class=ReminderForm,
        perform=lambda invoice, data: services.reminder_record(
            invoice=invoice, sent_on=data["sent_on"], actor=request.user
        ),
        done=_("The reminder was made and is mailed to the member."),
        title=_("Record a payment reminder"),
        submit=_("Record the reminder"),
    )


@login_required
@require_GET
def reminder_detail(
    request: HttpRequest, pk: int, invoice_pk: int, reminder_pk: int
) -> HttpResponse:
    """The reminder as the member gets it: the amounts computed when it was made."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    reminder = permissions.get_reminder_for_admin(organization, invoice_pk, reminder_pk)
    return render(
        request,
        "billing/org/reminder.html",
        {**pdf.reminder_document_context(reminder=reminder), "organization": organization},
    )


@login_required
@require_GET
def reminder_pdf(request: HttpRequest, pk: int, invoice_pk: int, reminder_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    reminder = permissions.get_reminder_for_admin(organization, invoice_pk, reminder_pk)
    return pdf.reminder_pdf_response(reminder=reminder)


@login_required
def invoice_payment(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    def record(invoice: Invoice, data: dict) -> object:
        # By hand, only for a sent invoice still to be paid (the service itself counts
        # money towards any invoice but a credit note: a bank file may bring it).
        states.require(invoice, states.Action.RECORD_PAYMENT)
        return services.payment_record(
            organization=invoice.organization,
            invoice=invoice,
            amount=data["amount"],
            paid_on=data["paid_on"],
            payer_name=data["payer_name"],
            actor=request.user,
        )

    return _invoice_action(
        request,
        pk,
        invoice_pk,
        form_class=PaymentForm,
        perform=record,
        done=_("The payment was recorded."),
        title=_("Record a payment"),
        submit=_("Record the payment"),
        form_kwargs=lambda invoice: {"initial": {"amount": invoice.amount_due}},
    )
