from django.urls import path

from .views import (
    collection,
    contracts,
    einvoices,
    invoices,
    member,
    payments,
    products,
    settings,
)

app_name = "billing"

org = "org/<int:pk>/"

urlpatterns = [
    # The member's own pages.
    path("invoices/", member.my_invoices, name="my_invoices"),
    path("invoices/<int:invoice_pk>/", member.my_invoice, name="my_invoice"),
    path("invoices/<int:invoice_pk>/pdf/", member.my_invoice_pdf, name="my_invoice_pdf"),
    path(
        "invoices/<int:invoice_pk>/reminders/<int:reminder_pk>/pdf/",
        member.my_reminder_pdf,
        name="my_reminder_pdf",
    ),
    path("contracts/", member.my_contracts, name="my_contracts"),
    # An organization admin's pages.
    path(f"{org}products/", products.product_list, name="products"),
    path(f"{org}products/new/", products.product_edit, name="product_add"),
    path(f"{org}products/<int:product_pk>/", products.product_edit, name="product_edit"),
    path(f"{org}contracts/", contracts.contract_list, name="contracts"),
    path(f"{org}contracts/new/", contracts.contract_open, name="contract_open"),
    path(
        f"{org}contracts/<int:contract_pk>/",
        contracts.contract_detail,
        name="contract",
    ),
    path(
        f"{org}contracts/<int:contract_pk>/terminate/",
        contracts.contract_terminate,
        name="contract_terminate",
    ),
    path(f"{org}invoices/", invoices.invoice_list, name="invoices"),
    path(f"{org}invoices/csv/", invoices.invoice_list_csv, name="invoices_csv"),
    path(f"{org}invoices/new/", invoices.invoice_create, name="invoice_create"),
    path(f"{org}invoices/<int:invoice_pk>/", invoices.invoice_detail, name="invoice"),
    path(f"{org}invoices/<int:invoice_pk>/edit/", invoices.invoice_edit, name="invoice_edit"),
    path(
        f"{org}invoices/<int:invoice_pk>/discard/",
        invoices.invoice_discard,
        name="invoice_discard",
    ),
    path(f"{org}invoices/<int:invoice_pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path(f"{org}invoices/<int:invoice_pk>/send/", invoices.invoice_send, name="invoice_send"),
    path(f"{org}invoices/<int:invoice_pk>/credit/", invoices.invoice_credit, name="invoice_credit"),
    path(
        f"{org}invoices/<int:invoice_pk>/reminder/",
        invoices.invoice_reminder,
        name="invoice_reminder",
    ),
    path(
        f"{org}invoices/<int:invoice_pk>/collection/",
        collection.invoice_collection,
        name="invoice_collection",
    ),
    path(
        f"{org}invoices/<int:invoice_pk>/payment/",
        invoices.invoice_payment,
        name="invoice_payment",
    ),
    path(
        f"{org}invoices/<int:invoice_pk>/finvoice/",
        einvoices.invoice_finvoice,
        name="invoice_finvoice",
    ),
    path(
        f"{org}invoices/<int:invoice_pk>/reminders/<int:reminder_pk>/finvoice/",
        einvoices.reminder_finvoice,
        name="reminder_finvoice",
    ),
    path(f"{org}einvoices/", einvoices.einvoice_list, name="einvoices"),
    path(
        f"{org}members/<int:membership_pk>/einvoice-address/",
        einvoices.einvoice_address,
        name="einvoice_address",
    ),
    path(
        f"{org}invoices/<int:invoice_pk>/reminders/<int:reminder_pk>/",
        invoices.reminder_detail,
        name="reminder",
    ),
    path(
        f"{org}invoices/<int:invoice_pk>/reminders/<int:reminder_pk>/pdf/",
        invoices.reminder_pdf,
        name="reminder_pdf",
    ),
    path(f"{org}settings/", settings.billing_settings, name="billing_settings"),
    path(f"{org}payments/", payments.payment_list, name="payments"),
    path(f"{org}payments/import/", payments.payment_import, name="payment_import"),
    path(
        f"{org}payments/<int:payment_pk>/match/",
        payments.payment_match,
        name="payment_match",
    ),
    path(
        f"{org}payments/<int:payment_pk>/unmatch/",
        payments.payment_unmatch,
        name="payment_unmatch",
    ),
    path(f"{org}collection/partners/", collection.partner_list, name="collection_partners"),
    path(
        f"{org}collection/partners/new/",
        collection.partner_edit,
        name="collection_partner_add",
    ),
    path(
        f"{org}collection/partners/<int:partner_pk>/",
        collection.partner_edit,
        name="collection_partner_edit",
    ),
    path(
        f"{org}collection/claims/<int:collection_claim_pk>/csv/",
        collection.claim_csv,
        name="collection_claim_csv",
    ),
    path(
        f"{org}collection/claims/<int:collection_claim_pk>/json/",
        collection.claim_json,
        name="collection_claim_json",
    ),
]
