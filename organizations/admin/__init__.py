"""organizations in the Django admin, one module per model family."""

from organizations.admin import claims, logs, memberships, organizations  # noqa: F401
from organizations.admin.memberships import MembershipAdmin

__all__ = ["MembershipAdmin"]
