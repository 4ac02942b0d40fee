from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views
from gdpr.views import records as gdpr_records
from registry import health

# The admin login goes through allauth: rate limits and MFA apply to staff too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Aviation registry: administration")
admin.site.site_title = _("Aviation registry")
admin.site.index_title = _("Controller's desk")

urlpatterns = [
    path("", account_views.home, name="home"),
    # Answered by registry.health.HealthCheckMiddleware before sessions; named here for
    # reverse() and the URL walk.
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("organizations/", include("organizations.urls")),
    path("billing/", include("billing.urls")),
    path("communications/", include("communications.urls")),
    path("privacy/", include("gdpr.urls")),
    # Records of processing (Art. 30), shown in the admin; before the admin's catch-all.
    path(
        "admin/gdpr/records-of-processing/",
        gdpr_records.records_page,
        name="gdpr_records",
    ),
    path(
        "admin/gdpr/records-of-processing/csv/",
        gdpr_records.records_csv_download,
        name="gdpr_records_csv",
    ),
    path(
        "admin/gdpr/records-of-processing/pdf/",
        gdpr_records.records_pdf,
        name="gdpr_records_pdf",
    ),
    path("admin/", admin.site.urls),
]
