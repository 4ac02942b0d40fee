"""The organization admin's contracts: members' subscriptions to products, and their history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry.pagination import paginate
from registry.user_input import query_text

from .. import permissions, selectors, services
from ..forms import ContractOpenForm, ContractTerminateForm


@login_required
def contract_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    page, query = paginate(request, selectors.contracts_for_organization(organization=organization))
    return render(
        request,
        "billing/org/contracts.html",
        {"organization": organization, "page": page, "query": query},
    )


@login_required
def contract_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Subscribe an active member to a product; ``?member_q=`` narrows the member list."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    member_query = query_text(request.GET, "member_q")
    form = ContractOpenForm(
        request.POST or None, organization=organization, member_query=member_query
    )
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_open(
                membership=form.cleaned_data["membership"],
                product=form.cleaned_data["product"],
                opened_on=form.cleaned_data["opened_on"],
                quantity=form.cleaned_data["quantity"],
                actor=request.user,
            )
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contract was opened."))
            return redirect("billing:contract", pk=pk, contract_pk=contract.pk)
    return render(
        request,
        "billing/org/contract_open.html",
        {"organization": organization, "form": form, "member_query": member_query},
    )


@login_required
def contract_detail(request: HttpRequest, pk: int, contract_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    contract = permissions.get_contract_for_admin(organization, contract_pk)
    return render(
        request,
        "billing/org/contract_detail.html",
        {
            "organization": organization,
            "contract": contract,
            "events": selectors.contract_events(contract=contract),
            "terminate_form": ContractTerminateForm(),
        },
    )


@login_required
def contract_terminate(request: HttpRequest, pk: int, contract_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    contract = permissions.get_contract_for_admin(organization, contract_pk)
    form = ContractTerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_terminate(
                contract=contract,
                terminated_on=form.cleaned_data["terminated_on"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contract was terminated."))
            return redirect("billing:contract", pk=pk, contract_pk=contract_pk)
    return render(
        request,
        "billing/org/contract_terminate.html",
        {"organization": organization, "contract": contract, "form": form},
    )
