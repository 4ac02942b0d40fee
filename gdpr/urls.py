from django.urls import path

app_name = "gdpr"

# Each feature module adds its own paths below (exports, erasure, member pages, marketing,
# rectification).
urlpatterns: list = []

from gdpr.views import exports as export_views  # noqa: E402

urlpatterns += [
    path(
        "exports/<uuid:export_id>/download/",
        export_views.export_download,
        name="export_download",
    ),
]

from gdpr.views import marketing as marketing_views  # noqa: E402
from gdpr.views import member as member_views  # noqa: E402

urlpatterns += [
    path("", member_views.privacy, name="privacy"),
    path("requests/<uuid:public_id>/", member_views.request_detail, name="request_detail"),
    path("marketing/", marketing_views.marketing_choices, name="marketing"),
]

from gdpr.views import notice  # noqa: E402

urlpatterns += [
    path("notice/", notice.notice, name="notice"),
    path("notice/pdf/", notice.notice_pdf, name="notice_pdf"),
    path("notice/<int:number>/", notice.notice, name="notice_version"),
    path("notice/<int:number>/pdf/", notice.notice_pdf, name="notice_version_pdf"),
]

from gdpr.views import rectification  # noqa: E402

urlpatterns += [
    # The holders of records decide on their own pages (organizations:rectifications).
    path("rectification/", rectification.rectification_new, name="rectification_new"),
]

from gdpr.views import erasure as erasure_views  # noqa: E402

urlpatterns += [
    path("erasure/", erasure_views.erasure_preview, name="erasure_preview"),
    path("erasure/request/", erasure_views.erasure_request, name="erasure_request"),
]
