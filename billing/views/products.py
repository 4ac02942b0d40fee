"""The organization admin's price list: products to sell, on sale or taken off sale."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import ProductForm


@login_required
def product_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    return render(
        request,
        "billing/org/products.html",
        {
            "organization": organization,
            "products": selectors.products_for_organization(organization=organization),
        },
    )


@login_required
def product_edit(request: HttpRequest, pk: int, product_pk: int | None = None) -> HttpResponse:
    """Add a product, or change one; unticking "on sale" takes it off sale."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    product = None
    if product_pk is not None:
        product = permissions.get_product_for_admin(organization, product_pk)
    form = ProductForm(request.POST or None, instance=product, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.product_save(
                organization=organization,
                product=product,
                data=form.cleaned_data,
                actor=request.user,
            )
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The product %(name)s was saved.") % {"name": saved.name})
            return redirect("billing:products", pk=pk)
    return render(
        request,
        "billing/org/product_form.html",
        {"organization": organization, "form": form, "product": product},
    )
