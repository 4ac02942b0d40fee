"""Marketing lists of organizations — declared to gdpr (see gdpr.api).

An organization admin's mailing lists are built from memberships: the member's own
details when they have an account, the address the admin typed when not. gdpr leaves out
everyone who said no (``gdpr.api.marketing_audience``).
"""

from __future__ import annotations

from gdpr.api import MarketingAudience, register_marketing_audience

from .models import Membership

register_marketing_audience(MarketingAudience(model=Membership, person="user", own_email="email"))
