from django.urls import path

from .views import invitations, mailing_lists, members, organization, rectifications, statistics

app_name = "organizations"

urlpatterns = [
    path("", organization.my_organizations, name="mine"),
    path("new/", organization.organization_create, name="create"),
    path("claim/<str:business_id>/", organization.claim_new, name="claim_new"),
    path("claims/<int:claim_pk>/", organization.claim_detail, name="claim"),
    path("<int:pk>/", organization.organization_detail, name="detail"),
    path("<int:pk>/leave/", organization.organization_leave, name="leave"),
    path("<int:pk>/edit/", organization.organization_edit, name="edit"),
    path("<int:pk>/bank-accounts/new/", organization.bank_account_edit, name="bank_account_add"),
    path(
        "<int:pk>/bank-accounts/<int:account_pk>/",
        organization.bank_account_edit,
        name="bank_account_edit",
    ),
    path(
        "<int:pk>/bank-accounts/<int:account_pk>/delete/",
        organization.bank_account_delete,
        name="bank_account_delete",
    ),
    path("<int:pk>/contacts/new/", organization.contact_edit, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/", organization.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        organization.contact_delete,
        name="contact_delete",
    ),
    path("<int:pk>/members/", members.member_list, name="members"),
    path("<int:pk>/members/export.csv", members.member_export, name="members_export"),
    path(
        "<int:pk>/members/mailing-list/<str:channel>.csv",
        mailing_lists.mailing_list,
        name="mailing_list",
    ),
    path("<int:pk>/members/<int:membership_pk>/", members.member_detail, name="member"),
    path("<int:pk>/members/<int:membership_pk>/end/", members.member_end, name="member_end"),
    path(
        "<int:pk>/members/<int:membership_pk>/admin/",
        members.member_admin_rights,
        name="member_admin_rights",
    ),
    path("<int:pk>/admins/", members.admin_list, name="admins"),
    path("<int:pk>/statistics/", statistics.statistics, name="statistics"),
    path(
        "<int:pk>/statistics/<slug:figure>/",
        statistics.statistics_figure,
        name="statistics_figure",
    ),
    path("<int:pk>/invitations/", invitations.invitation_list, name="invitations"),
    path("<int:pk>/invitations/import/", invitations.invitation_import, name="invitations_import"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        invitations.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", invitations.invitation_respond, name="invitation"),
    path("<int:pk>/rectifications/", rectifications.rectification_list, name="rectifications"),
    path(
        "<int:pk>/rectifications/<uuid:public_id>/",
        rectifications.rectification_decide,
        name="rectification_decide",
    ),
]
