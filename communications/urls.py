from django.urls import path

from . import views

app_name = "communications"

urlpatterns = [
    path("org/<int:pk>/", views.record_list, name="org_records"),
    path("org/<int:pk>/new/", views.record_create, name="org_record_add"),
    path(
        "org/<int:pk>/<int:record_pk>/attachment/",
        views.attachment_download,
        name="org_record_attachment",
    ),
]
