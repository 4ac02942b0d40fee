"""Helpers for the Django admin: usable on tables of millions of rows, and asking before an
action that cannot be undone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry import lookups  # noqa: F401  (registers ``__ilike`` for admin searches)
from registry.confirmation import CONFIRM_FIELD, CONFIRM_VALUE


def table_row_estimate(model: type[Model], *, using: str) -> int | None:
    """PostgreSQL's planner estimate of the rows in ``model``'s table.

    None on other databases or when the table is missing; -1 when PostgreSQL has never
    analysed the table.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def is_unfiltered(queryset: QuerySet) -> bool:
    """True when counting ``queryset`` is counting its whole table."""
    query = queryset.query
    return not (
        query.where
        or query.is_sliced
        or query.distinct
        or query.combinator
        or query.annotations
        or query.extra
        or query.group_by is not None
    )


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered changelist from the planner's estimate on PostgreSQL.

    ``SELECT COUNT(*)`` reads the whole table: seconds on every changelist of a million
    rows. An unfiltered list uses ``pg_class.reltuples`` instead, which is within a few
    per cent after (auto)ANALYZE; small or never-analysed tables, filtered or searched
    lists and other databases get an exact count. Pair with
    ``show_full_result_count = False``, or the changelist counts the table once more.
    """

    estimate_threshold = 10_000
    is_estimated = False

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet) and is_unfiltered(object_list):
            estimate = table_row_estimate(object_list.model, using=object_list.db)
            if estimate is not None and estimate >= self.estimate_threshold:
                self.is_estimated = True
                return estimate
        return super().count

    def page(self, number):
        number = self.validate_number(number)  # computes the count, estimated or not
        if not self.is_estimated:
            return super().page(number)
        # The estimate may be a little low: the last page takes a full page of rows
        # instead of stopping at the estimate.
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def search_terms(search_term: str) -> list[str]:
    """The words of an admin search, lower-cased, quotes kept together as in Django."""
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        bit = " ".join(bit.split()).lower()
        if bit:
            terms.append(bit)
    return terms


def search_text_results(queryset: QuerySet, search_term: str, *, path: str) -> QuerySet:
    """Every word of the search must be in ``path``, a membership's ``search_text``.

    ``search_text`` is already lower case, so a case-sensitive ``contains`` on the
    lower-cased word matches case-insensitively and stays on the trigram index; the
    admin's default ``icontains`` would wrap the column in UPPER() and scan.
    """
    for term in search_terms(search_term):
        queryset = queryset.filter(**{f"{path}__contains": term})
    return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit record: looked at, never written through the admin."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceCreatedAdmin(admin.ModelAdmin):
    """An admin whose add form hands the object's creation to a service.

    Django's add view saves the unsaved instance the form built and goes on with that
    instance (inlines, the log entry, the redirect). A service creates its own object, so
    ``save_model`` here calls ``create_by_service`` and keeps what it returns on the
    request; the inlines, the log entry and the redirect then use that object. A change
    goes to ``update_by_service``.
    """

    _CREATED = "_admin_service_created"

    def create_by_service(self, request: HttpRequest, form: Any) -> Model:
        raise NotImplementedError

    def update_by_service(self, request: HttpRequest, obj: Model, form: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if change:
            self.update_by_service(request, obj, form)
            return
        setattr(request, self._CREATED, self.create_by_service(request, form))

    def _created(self, request: HttpRequest, obj: Model) -> Model:
        return getattr(request, self._CREATED, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        created = self._created(request, form.instance)
        form.instance = created
        for formset in formsets:
            formset.instance = created
        super().save_related(request, form, formsets, change)

    def log_addition(self, request: HttpRequest, obj: Model, message: Any):
        return super().log_addition(request, self._created(request, obj), message)

    def response_add(self, request: HttpRequest, obj: Model, post_url_continue=None):
        return super().response_add(request, self._created(request, obj), post_url_continue)


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs are named by their column (``aria-label``).

    The table's header cells name the columns for the eye only: no ``<label>`` points at
    the inputs in the rows, and a screen reader would announce each as a nameless field.
    """

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for field in form.fields.values():
                    if field.label:
                        field.widget.attrs.setdefault("aria-label", str(field.label))

        return LabelledFormSet


def confirm_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    consequence: str,
    irreversible: str,
    describe: Callable[[Any], str] = str,
) -> TemplateResponse | None:
    """An admin action that cannot be undone asks first, as the admin's own "delete
    selected" does: a page naming the selected objects (``describe``: how each is named to
    the handler) and what happens to them. None once the page's own POST (``confirm=yes``)
    comes back: the action may run."""
    if request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE:
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "objects": [(obj.pk, describe(obj)) for obj in queryset],
        "action": request.POST.get("action", ""),
        "consequence": consequence,
        "irreversible": irreversible,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)


# Django stores the names of the default permissions in English ("Can view user"): they are
# named again here, in the active language, from the codename and the model's name.
_PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission as ``app | model | what it allows``, in the active language."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in _PERMISSION_ACTIONS and model_name == model._meta.model_name:
        allows = _PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    else:
        # Custom permissions are declared with a translated name.
        allows = gettext(permission.name)
    return f"{permission.content_type} | {allows}"


class TranslatedPermissionsMixin:
    """Model admins whose forms choose permissions: each named in the active language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field
