"""Demo billing for the quick start: products, contracts and invoices of the demo club.

Run after ``seed_demo_organizations``. Safe to run again: nothing is duplicated.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from billing import services
from billing.models import BillingSettings, Invoice, Product, ReferenceRate
from billing.money import VatRate
from billing.reminders import billing_settings_save
from organizations.models import Membership, Organization

CLUB = "Malmin Ilmailukerho ry"
PRODUCTS = [
    ("Jäsenmaksu 2026", Product.Unit.YEAR, Decimal("120.00"), VatRate.ZERO),
    (
        "Lentotunti OH-CEA (Cessna 172)",
        Product.Unit.FLIGHT_HOUR,
        Decimal("175.00"),
        VatRate.STANDARD,
    ),
    ("Laskeutumismaksu", Product.Unit.LANDING, Decimal("12.00"), VatRate.STANDARD),
]


# The reference rates of the Interest Act (633/1982, 12 §) as the Bank of Finland published
# them (its releases "Korkolain mukainen viitekorko ja viivästyskorot"): the ECB's main
# refinancing rate before each half-year, rounded up to the next half percentage point.
REFERENCE_RATES = [
    (datetime.date(2023, 1, 1), Decimal("2.50")),
    (datetime.date(2023, 7, 1), Decimal("4.00")),
    (datetime.date(2024, 1, 1), Decimal("4.50")),
    (datetime.date(2024, 7, 1), Decimal("4.50")),
    (datetime.date(2025, 1, 1), Decimal("3.50")),
    # The ECB's rate was 2.15 % from 11.6.2025: 2.5 % by the Act's rounding.
    (datetime.date(2025, 7, 1), Decimal("2.50")),
    (datetime.date(2026, 1, 1), Decimal("2.50")),
]


def seed_reference_rates() -> None:
    for valid_from, rate in REFERENCE_RATES:
        ReferenceRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": rate})


class Command(BaseCommand):
    help = "Create demo products, contracts and invoices for the demo flying club."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        club = Organization.objects.filter(name=CLUB).first()
        if club is None:
            raise CommandError("Run seed_demo_organizations first.")
        admin = club.memberships.filter(role=Membership.Role.ADMIN).first().user
        seed_reference_rates()
        if not BillingSettings.objects.filter(organization=club).exists():
            billing_settings_save(
                organization=club,
                reminder_fee=Decimal("5.00"),
                charges_interest=True,
                actor=admin,
            )
        products = []
        for name, unit, price, rate in PRODUCTS:
            product, _created = Product.objects.get_or_create(
                organization=club,
                name=name,
                defaults={"unit": unit, "unit_price": price, "vat_rate": rate},
            )
            products.append(product)
        fee, flight_hour, landing = products
        today = timezone.localdate()
        members = club.memberships.filter(status=Membership.Status.ACTIVE).select_related("user")
        for membership in members:
            if membership.contracts.exists():
                continue
            services.contract_open(
                membership=membership,
                product=fee,
                opened_on=datetime.date(today.year, 1, 1),
                actor=admin,
            )
            invoice = services.invoice_create(
                organization=club,
                membership=membership,
                lines=[
                    services.LineInput(fee.name, Decimal(1), fee.unit_price, fee.vat_rate, fee),
                    services.LineInput(
                        flight_hour.name,
                        Decimal("1.5"),
                        flight_hour.unit_price,
                        flight_hour.vat_rate,
                        flight_hour,
                    ),
                    services.LineInput(
                        landing.name, Decimal(3), landing.unit_price, landing.vat_rate, landing
                    ),
                ],
                issue_date=today - datetime.timedelta(days=20),
                due_date=today - datetime.timedelta(days=6),
                actor=admin,
            )
            # Issued (numbered) without mailing: the demo does not send email.
            services.invoice_send(invoice=invoice, actor=admin, mail=False)
            Invoice.objects.filter(pk=invoice.pk).update(sent_at=timezone.now())
        services.invoices_mark_overdue()
        # A bank payment that matched no invoice (a wrong reference): the payer's name and
        # account belong to nobody until the controller finds them under a person's
        # details in a privacy request (the desk's "records not linked to the account").
        payer = members.order_by("pk").last()
        if payer is not None and not club.payments.filter(invoice__isnull=True).exists():
            services.payment_record(
                organization=club,
                amount=Decimal("50.00"),
                paid_on=today - datetime.timedelta(days=3),
                reference="RF00 1234",
                payer_name=payer.name,
                payer_iban="FI21 1234 5600 0007 85",
                actor=admin,
            )
        count = Invoice.objects.filter(organization=club).count()
        self.stdout.write(self.style.SUCCESS(f"Demo billing ready ({count} invoices in {CLUB})."))
