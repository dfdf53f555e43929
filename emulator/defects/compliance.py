"""Defects of the compliance reads (openapi/compliance.yaml), each breaking a documented rule.

They rewrite requests and answers of the compliance paths only, so the Number API (and the
list the suite needs to run) is untouched. Families are the catalogue's own.
"""

from __future__ import annotations

import re

from .asgi import Incoming, Reply
from .base import Defect, register

_ACCOUNT = r"^/v1/Account/[^/]+/"
_CAMPAIGNS = re.compile(_ACCOUNT + r"10dlc/Campaign/?$")
_PROFILE = re.compile(_ACCOUNT + r"Profile/(?P<uuid>[^/]+)/?$")
_TOLLFREE = re.compile(_ACCOUNT + r"TollfreeVerification/?$")
_COMPLIANCE = re.compile(
    _ACCOUNT + r"(10dlc/|Profile/|TollfreeVerification/|ComplianceApplication/|PhoneNumber/)"
)


@register
class CampaignLimitIgnored(Defect):
    name = "campaign_limit_ignored"
    family = "pagination"
    description = "the campaign list serves 20 campaigns per page whatever limit (1 to 19) asks for"

    def request(self, incoming: Incoming) -> Incoming:
        limit = incoming.query_value("limit")
        if _CAMPAIGNS.match(incoming.path) and limit is not None and limit.isdigit() and int(limit) < 20:
            return incoming.with_query(limit="20")
        return incoming


@register
class UnknownProfileServed(Defect):
    name = "unknown_profile_served"
    family = "status codes"
    description = "a profile_uuid the account does not have answers 200 with a stub profile, not 404"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        match = _PROFILE.match(incoming.path)
        if match is None or reply.status != 404 or incoming.method != "GET":
            return reply
        stub = {"api_id": "stub", "profile": {"profile_uuid": match["uuid"], "authorized_contact": {}}}
        return reply.with_status(200).with_json(stub)


@register
class CampaignStatusTitleCase(Defect):
    name = "campaign_status_title_case"
    family = "response schema"
    description = "campaign objects spell registration_status in title case (Active), outside its values"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status != 200 or not isinstance(body, dict) or "/10dlc/Campaign" not in incoming.path:
            return reply
        campaigns = body.get("campaigns") or (
            [body["campaign"]] if isinstance(body.get("campaign"), dict) else []
        )
        for campaign in campaigns:
            if isinstance(campaign, dict) and isinstance(campaign.get("registration_status"), str):
                campaign["registration_status"] = campaign["registration_status"].title()
        return reply.with_json(body)


@register
class TollfreeStatusFilterIgnored(Defect):
    name = "tollfree_status_filter_ignored"
    family = "list filters"
    description = "the toll-free verification list ignores its status filter and serves every request"

    def request(self, incoming: Incoming) -> Incoming:
        if _TOLLFREE.match(incoming.path) and incoming.query_value("status") is not None:
            return incoming.with_query(status=None)
        return incoming


@register
class ComplianceWithoutCredentials(Defect):
    name = "compliance_without_credentials"
    family = "auth and isolation"
    description = "compliance reads without an Authorization header are served as the demo account"

    def request(self, incoming: Incoming) -> Incoming:
        demo = getattr(incoming.state, "demo", None)
        if demo is None or not _COMPLIANCE.match(incoming.path) or incoming.header("authorization"):
            return incoming
        return incoming.with_basic_auth(demo.auth_id, demo.auth_token)
