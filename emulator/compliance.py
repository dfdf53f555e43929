"""The compliance graph a number inventory points to: brands, campaigns, profiles, toll-free
verifications, compliance applications and phone number compliance records.

Every object has the shape ``openapi/compliance.yaml`` describes and is valid at both of its
levels (the strict one included), so the contract suite's clean run stays green under
``--strict``. The graph is generated from the seed with the numbers (deterministic: one seed,
one graph, whatever ``--auth-id`` says), or loaded from an ``--inventory`` file
(:func:`from_document`), or, for an inventory file that holds only numbers, built around the
ids its numbers name (:func:`synthesize`).

What the demo holds (``python -m emulator`` with the default 300 numbers; counts scale with
``--numbers``: campaigns ``max(6, n // 100)``, profiles ``max(6, n // 500)``)
=========================================================================================

Dates are counted from ``inventory.REFERENCE_DATE`` (2026-01-01), not today, like the numbers'.

Pointers on the numbers, and where they lead (dangling = the account has no such object):

* ``tendlc_campaign_id`` (US local SMS numbers whose 10DLC status is PROCESSING or COMPLETED;
  the others keep null, as before): the k-th such number points at campaign ``k % campaigns``,
  except every 9th (k % 9 == 8), which names one of 2 campaign ids the account does not have.
  Campaigns cycle ACTIVE, EXPIRED, ACTIVE, FAILED, ACTIVE, PROCESSING, so numbers that say
  COMPLETED point at expired, failed and processing campaigns too. Each campaign's number
  list (``/10dlc/Campaign/{id}/Number/``) holds exactly the numbers pointing at it: link
  status COMPLETED for a number that says COMPLETED, PROCESSING or FAILED (alternately) for one
  that says PROCESSING; the first campaign also lists one number the account does not have
  (a link left behind by an unrented number).
* ``profile_uuid`` (every number that had one; null stays null): the k-th points at profile
  ``k % profiles``, except every 10th (k % 10 == 9): one of 2 profile uuids the account does
  not have. A profile has no status of its own (COMPLIANCE-SOURCES.md: its 10DLC state is
  its brand's); profiles cycle: approved (its brand COMPLETED, vetting_status ACTIVE),
  approved, brand PROCESSING, approved, brand FAILED, no brand at all.
* ``toll_free_sms_verification_id`` (new key, only on US toll-free SMS numbers): follows the
  number's own ``toll_free_sms_verification``: VERIFIED -> an APPROVED request;
  PENDING_VERIFICATION -> SUBMITTED and UPDATE_REQUIRED alternately; UNVERIFIED -> REJECTED,
  null (never submitted), and an unknown uuid in turn. UPDATE_REQUIRED requests were last
  modified 1, 9 and 4 days before the reference date in turn (the six-day deadline has 5, -3
  and 2 days left then; no source carries the deadline itself, see x-deadlines).
* ``compliance_application_id`` (only on numbers outside the US; US numbers keep null):
  Indian numbers name phone number compliance records (``/PhoneNumber/Compliance/``), one per
  status in turn: accepted, approved, submitted, draft, pending, rejected, suspended, expired;
  other countries' numbers name regulatory compliance applications
  (``/ComplianceApplication/``) of their own country and number type, in turn Accepted,
  Submitted, Accepted, Draft, Rejected. Every 9th (per family) names an id neither resource
  has.

Every status value the spec defines is in the lists even when no number of a small inventory
points at it: brands COMPLETED, PROCESSING, FAILED; campaigns ACTIVE, EXPIRED, FAILED,
PROCESSING; campaign links COMPLETED, PROCESSING, FAILED; toll-free SUBMITTED, APPROVED,
REJECTED, UPDATE_REQUIRED; applications Draft, Submitted, Accepted, Rejected; phone number
compliance draft, submitted, accepted, approved, rejected, pending, suspended, expired (an
object of a missing status is added with no number pointing at it).

The other account has its own graph built the same way from its own numbers (ids differ),
so one account's ids are unknown to the other. A subaccount reads its main account's
objects (no source says otherwise). The graph is read-only: updating a number's pointer
or unrenting it does not change the objects or a campaign's number list.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import openapi

from .inventory import REFERENCE_DATE, OwnedNumber

__all__ = [
    "RESOURCES",
    "ComplianceGraph",
    "ComplianceStore",
    "Linker",
    "from_document",
    "schema_errors",
    "synthesize",
]

Obj = dict[str, Any]

# Inventory-file key -> (the spec's object schema, the object's id key).
RESOURCES: dict[str, tuple[str, str]] = {
    "brands": ("Brand", "brand_id"),
    "campaigns": ("Campaign", "campaign_id"),
    "profiles": ("Profile", "profile_uuid"),
    "tollfree_verifications": ("TollfreeVerification", "uuid"),
    "compliance_applications": ("ComplianceApplication", "compliance_application_id"),
    "phone_number_compliances": ("PhoneNumberCompliance", "compliance_id"),
}
CAMPAIGN_NUMBERS_KEY = "campaign_numbers"

BRAND_STATUSES = ("COMPLETED", "PROCESSING", "FAILED")
CAMPAIGN_STATUSES = ("ACTIVE", "EXPIRED", "ACTIVE", "FAILED", "ACTIVE", "PROCESSING")
LINK_STATUSES = ("COMPLETED", "PROCESSING", "FAILED")
# A profile's kind: the registration_status of its brand, or None for a profile without one.
PROFILE_KINDS: tuple[str | None, ...] = ("COMPLETED", "COMPLETED", "PROCESSING", "COMPLETED", "FAILED", None)
TOLLFREE_STATUSES = ("SUBMITTED", "APPROVED", "REJECTED", "UPDATE_REQUIRED")
# The number's own toll_free_sms_verification -> what its request is, in turn ("none": no
# request at all, "dangling": an id the account does not have).
TOLLFREE_FOR_NUMBER: dict[str, tuple[str, ...]] = {
    "VERIFIED": ("APPROVED",),
    "PENDING_VERIFICATION": ("SUBMITTED", "UPDATE_REQUIRED"),
    "UNVERIFIED": ("REJECTED", "none", "dangling"),
}
UPDATE_REQUIRED_AGES = (1, 9, 4)
APPLICATION_STATUSES = ("Accepted", "Submitted", "Accepted", "Draft", "Rejected")
APPLICATION_VOCABULARY = ("Draft", "Submitted", "Accepted", "Rejected")
PNC_STATUSES = ("accepted", "approved", "submitted", "draft", "pending", "rejected", "suspended", "expired")
USECASES = ("MIXED", "2FA", "CUSTOMER_CARE", "MARKETING", "ACCOUNT_NOTIFICATION", "LOW_VOLUME")
VERTICALS = ("TECHNOLOGY", "RETAIL", "HEALTHCARE", "FINANCIAL", "ENERGY", "EDUCATION")
COMPANIES = ("Acme Corp", "Northwind Traders", "Contoso Ltd", "Globex Inc", "Initech LLC", "Umbrella Co")
ENTITY_TYPES = ("PRIVATE_PROFIT", "PUBLIC_PROFIT", "NON_PROFIT", "SOLE_PROPRIETOR")
EXPAND = ("end_user", "documents", "linked_numbers")
# Countries whose numbers need a compliance application here: every non-US country of the
# generated inventory (inventory.KINDS), by the region's country name.
COUNTRY_CODES = {
    "UNITED KINGDOM": "GB",
    "GERMANY": "DE",
    "FRANCE": "FR",
    "INDIA": "IN",
    "AUSTRALIA": "AU",
    "UNITED STATES": "US",
}
DANGLING_EVERY = {"campaign": 9, "profile": 10, "application": 9}
_ID_ALPHABET = string.ascii_uppercase + string.digits


# ----------------------------------------------------------------- schema


def schema_errors(instance: Any, name: str, level: openapi.Level = "tolerant") -> list[str]:
    """``"$.where: what"`` for each violation of compliance.yaml's schema ``name``; empty if valid."""
    return openapi.compliance_schema_errors(instance, name, level)


# ----------------------------------------------------------------- the graph


@dataclass
class ComplianceGraph:
    """One main account's compliance objects, each dict in insertion (list) order, by id."""

    brands: dict[str, Obj] = field(default_factory=dict)
    campaigns: dict[str, Obj] = field(default_factory=dict)
    # campaign_id -> [{"number", "status"}], the campaign's linked numbers.
    campaign_numbers: dict[str, list[Obj]] = field(default_factory=dict)
    profiles: dict[str, Obj] = field(default_factory=dict)
    tollfree_verifications: dict[str, Obj] = field(default_factory=dict)
    compliance_applications: dict[str, Obj] = field(default_factory=dict)
    phone_number_compliances: dict[str, Obj] = field(default_factory=dict)
    # Kind of pointer -> ids numbers name that no object has (deliberate, in the demo).
    dangling: dict[str, list[str]] = field(default_factory=dict)

    def resource(self, key: str) -> dict[str, Obj]:
        """The objects of one inventory-file key (``"brands"``, ``"campaigns"``, ...)."""
        found: dict[str, Obj] = getattr(self, key)
        return found

    def counts(self) -> dict[str, int]:
        return {key: len(self.resource(key)) for key in RESOURCES}

    def __repr__(self) -> str:
        return f"<ComplianceGraph {self.counts()} dangling={ {k: len(v) for k, v in self.dangling.items()} }>"


class ComplianceStore:
    """The graphs of every main account; read-only once built, so no lock is needed."""

    def __init__(self, graphs: Mapping[str, ComplianceGraph] | None = None) -> None:
        self._graphs: dict[str, ComplianceGraph] = dict(graphs or {})

    def graph(self, main_auth_id: str) -> ComplianceGraph:
        """The account's graph (an empty one for an account without compliance objects)."""
        return self._graphs.setdefault(main_auth_id, ComplianceGraph())

    def __repr__(self) -> str:
        counts = {k: g.counts() for k, g in self._graphs.items()}
        return f"<ComplianceStore {counts}>"


# ----------------------------------------------------------------- generation


def _stamp(days_before: int, seconds: int = 0) -> str:
    """An RFC 3339 timestamp ``days_before`` the reference date, with microseconds as recorded."""
    moment = dt.datetime.combine(REFERENCE_DATE, dt.time(), tzinfo=dt.UTC) - dt.timedelta(
        days=days_before, seconds=-seconds
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _short_id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice(_ID_ALPHABET) for _ in range(6))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _country(fields: Mapping[str, Any]) -> str:
    name = str(fields.get("region") or "").rpartition(", ")[2]
    return COUNTRY_CODES.get(name, name[:2].upper() or "US")


class Linker:
    """Builds one account's graph around its generated numbers, one number at a time.

    ``link`` sets the number's pointer fields (see the module docstring) and returns it, so
    a stream of numbers is linked without holding it; ``finish`` returns the graph.
    """

    def __init__(self, seed: int, role: str, expected_numbers: int) -> None:
        self.rng = random.Random(f"compliance:{seed}:{role}")
        self.graph = ComplianceGraph()
        self._counts: dict[str, int] = {}
        self._profiles = self._make_profiles(max(6, expected_numbers // 500))
        self._campaigns = self._make_campaigns(max(6, expected_numbers // 100))
        self._dangling = {
            "campaign": [_short_id(self.rng, "C") for _ in range(2)],
            "profile": [_uuid(self.rng) for _ in range(2)],
            "application": [_uuid(self.rng) for _ in range(2)],
            "tollfree_verification": [_uuid(self.rng) for _ in range(2)],
        }
        # (country, number_type) -> application ids, in APPLICATION_STATUSES order.
        self._applications: dict[tuple[str, str], list[str]] = {}
        self._compliances = [self._make_compliance(status) for status in PNC_STATUSES]

    # -- the pools

    def _make_profiles(self, count: int) -> list[str]:
        ids = []
        for index in range(count):
            kind = PROFILE_KINDS[index % len(PROFILE_KINDS)]
            profile_uuid = _uuid(self.rng)
            company = COMPANIES[index % len(COMPANIES)]
            self.graph.profiles[profile_uuid] = {
                "profile_uuid": profile_uuid,
                "profile_alias": f"{company} profile {index + 1}",
                "profile_type": "SECONDARY",
                "primary_profile": "",
                "customer_type": ("DIRECT", "RESELLER")[index % 2],
                "entity_type": ENTITY_TYPES[index % len(ENTITY_TYPES)],
                "company_name": company,
                "vertical": VERTICALS[index % len(VERTICALS)],
                "ein": f"{self.rng.randrange(10**8, 10**9)}",
                "ein_issuing_country": "US",
                "address": {
                    "street": f"{100 + index} Market St",
                    "city": "San Francisco",
                    "state": "CA",
                    "postal_code": "94105",
                    "country": "US",
                },
                "authorized_contact": {
                    "first_name": "Jane",
                    "last_name": f"Doe{index + 1}",
                    "email": f"compliance{index + 1}@example.com",
                    "phone": f"1415555{index % 10000:04d}",
                    "title": "Director",
                    "seniority": "admin",
                },
                "stock_symbol": "NONE",
                "stock_exchange": "NONE",
                "alt_business_id": "",
                "alt_business_id_type": "NONE",
                "website": f"https://www.example.com/{index + 1}",
                "plivo_subaccount": "",
                "created_at": _stamp(400 - index),
            }
            if kind is not None:
                self._make_brand(profile_uuid, kind, index)
            ids.append(profile_uuid)
        return ids

    def _make_brand(self, profile_uuid: str, status: str, index: int) -> str:
        profile = self.graph.profiles[profile_uuid]
        brand_id = _short_id(self.rng, "B")
        brand: Obj = {
            "brand_id": brand_id,
            "brand_alias": f"{profile['company_name']} brand",
            "brand_type": ("STANDARD", "STARTER")[index % 2],
            "company_name": profile["company_name"],
            "ein": profile["ein"],
            "ein_issuing_country": "US",
            "entity_type": profile["entity_type"],
            "vertical": profile["vertical"],
            "profile_uuid": profile_uuid,
            "registration_status": status,
            "website": profile["website"],
            "address": dict(profile["address"]),
            "authorized_contact": dict(profile["authorized_contact"]),
            "created_at": _stamp(390 - index),
        }
        if status == "COMPLETED":
            brand["vetting_status"] = "ACTIVE"
            brand["vetting_score"] = 75
        if status == "FAILED":
            brand["declined_reasons"] = [{"code": "503", "message": "EIN does not match the company name"}]
        self.graph.brands[brand_id] = brand
        return brand_id

    def _brand_for(self, campaign_status: str) -> str:
        """A brand a campaign of this status can belong to (a failed campaign's may be FAILED)."""
        wanted = {"FAILED": "FAILED", "PROCESSING": "PROCESSING"}.get(campaign_status, "COMPLETED")
        for brand_id, brand in self.graph.brands.items():
            if brand["registration_status"] == wanted:
                return brand_id
        return next(iter(self.graph.brands))

    def _make_campaigns(self, count: int) -> list[str]:
        ids = []
        for index in range(count):
            status = CAMPAIGN_STATUSES[index % len(CAMPAIGN_STATUSES)]
            campaign_id = _short_id(self.rng, "C")
            usecase = USECASES[index % len(USECASES)]
            campaign: Obj = {
                "brand_id": self._brand_for(status),
                "campaign_id": campaign_id,
                "campaign_alias": f"{usecase.lower().replace('_', ' ')} messages {index + 1}",
                "usecase": usecase,
                "sub_usecase": "2FA,MARKETING" if usecase == "MIXED" else "",
                "registration_status": status,
                "reseller_id": "",
                "campaign_source": ("plivo", "plivo", "shared")[index % 3],
                "description": f"Messages for {usecase.lower()} ({index + 1})",
                "sample1": "Your code is 123456",
                "sample2": "Reply STOP to opt out",
                "message_flow": "Customers opt in on our website",
                "help_message": "Reply HELP for help",
                "optin_message": "You are subscribed",
                "optout_message": "You are unsubscribed",
                "optin_keywords": "START",
                "optout_keywords": "STOP",
                "help_keywords": "HELP",
                "vertical": VERTICALS[index % len(VERTICALS)],
                "mno_metadata": {"AT&T": {"tpm": 15}, "T-Mobile": {"brand_tier": "LOW"}},
                "created_at": _stamp(300 - index),
            }
            if status == "FAILED":
                campaign["error_code"] = "1001"
                campaign["error_reason"] = "Campaign rejected by the carrier: opt-in flow unclear"
            self.graph.campaigns[campaign_id] = campaign
            self.graph.campaign_numbers[campaign_id] = []
            ids.append(campaign_id)
        return ids

    def _make_verification(self, number: str | None, status: str, profile_uuid: str | None) -> str:
        index = len(self.graph.tollfree_verifications)
        request_id = _uuid(self.rng)
        if status == "UPDATE_REQUIRED":
            modified_days = UPDATE_REQUIRED_AGES[self._next("update_required_age", len(UPDATE_REQUIRED_AGES))]
        else:
            modified_days = 20 + index % 30
        self.graph.tollfree_verifications[request_id] = {
            "uuid": request_id,
            "profile_uuid": profile_uuid or self._profiles[0],
            "number": number or f"1833555{index % 10000:04d}",
            "usecase": "2FA,ACCOUNT_NOTIFICATION",
            "usecase_summary": "We send one-time codes and account alerts to signed-up customers.",
            "message_sample": "Your verification code is 123456.",
            "optin_image_url": "https://www.example.com/optin.png",
            "optin_type": "WEB_FORM",
            "volume": "1,000",
            "additional_information": "",
            "extra_data": "",
            "callback_url": "https://www.example.com/tollfree-callback",
            "callback_method": "POST",
            "error_message": {
                "REJECTED": "Opt-in evidence does not show consent",
                "UPDATE_REQUIRED": "Provide a screenshot of the opt-in form",
            }.get(status, ""),
            "status": status,
            "created": _stamp(modified_days + 10 + index % 7),
            "last_modified": _stamp(modified_days, seconds=3600),
        }
        return request_id

    def _make_application(self, country: str, number_type: str, status: str) -> str:
        index = len(self.graph.compliance_applications)
        application_id = _uuid(self.rng)
        self.graph.compliance_applications[application_id] = {
            "compliance_application_id": application_id,
            "compliance_requirement_id": _uuid(self.rng),
            "end_user_id": _uuid(self.rng),
            "end_user_type": ("business", "individual")[index % 2],
            "country_iso2": country,
            "number_type": number_type,
            "alias": f"{country} {number_type} application {index + 1}",
            "documents": [],
            "status": status,
            "rejection_reason": "The proof of address is older than six months"
            if status == "Rejected"
            else None,
            "created_at": _stamp(200 - index % 100),
            "last_updated_at": _stamp(100 - index % 90),
        }
        return application_id

    def _make_compliance(self, status: str) -> str:
        index = len(self.graph.phone_number_compliances)
        compliance_id = _uuid(self.rng)
        self.graph.phone_number_compliances[compliance_id] = {
            "compliance_id": compliance_id,
            "alias": f"India mobile compliance {index + 1}",
            "status": status,
            "country_iso": "IN",
            "number_type": "mobile",
            "user_type": ("business", "individual")[index % 2],
            "callback_url": None,
            "callback_method": None,
            "rejection_reason": "Document is expired" if status == "rejected" else None,
            "created_at": _stamp(180 - index),
            "updated_at": _stamp(60 - index),
            # Served only with ?expand= (see compliance_api).
            "end_user": {"name": f"End User {index + 1}", "type": ("business", "individual")[index % 2]},
            "documents": [
                {
                    "document_type_id": f"doc-type-{index + 1:03d}",
                    "document_name": "Identity Proof",
                    "status": {"accepted": "approved", "approved": "approved", "rejected": "rejected"}.get(
                        status, "pending"
                    ),
                }
            ],
            "linked_numbers": [],
        }
        return compliance_id

    # -- linking

    def _next(self, category: str, size: int) -> int:
        count = self._counts.get(category, 0)
        self._counts[category] = count + 1
        return count % size if size else 0

    def _count(self, category: str) -> int:
        count = self._counts.get(category, 0)
        self._counts[category] = count + 1
        return count

    def _dangle(self, kind: str, k: int) -> str:
        chosen = self._dangling[kind][(k // 9) % len(self._dangling[kind])]
        known = self.graph.dangling.setdefault(kind, [])
        if chosen not in known:
            known.append(chosen)
        return chosen

    def link(self, owned: OwnedNumber) -> OwnedNumber:
        """Point ``owned``'s fields at the graph (in place) and record the reverse links."""
        fields = owned.fields
        number = str(fields["number"])
        if fields.get("tendlc_campaign_id"):
            k = self._count("campaign")
            if k % DANGLING_EVERY["campaign"] == DANGLING_EVERY["campaign"] - 1:
                fields["tendlc_campaign_id"] = self._dangle("campaign", k)
            else:
                campaign_id = self._campaigns[k % len(self._campaigns)]
                fields["tendlc_campaign_id"] = campaign_id
                if fields.get("tendlc_registration_status") == "COMPLETED":
                    status = "COMPLETED"
                else:
                    status = ("PROCESSING", "FAILED")[self._next("link", 2)]
                self.graph.campaign_numbers[campaign_id].append({"number": number, "status": status})
        if fields.get("profile_uuid"):
            k = self._count("profile")
            if k % DANGLING_EVERY["profile"] == DANGLING_EVERY["profile"] - 1:
                fields["profile_uuid"] = self._dangle("profile", k)
            else:
                fields["profile_uuid"] = self._profiles[k % len(self._profiles)]
        verification = fields.get("toll_free_sms_verification")
        if fields.get("number_type") == "tollfree" and verification in TOLLFREE_FOR_NUMBER:
            choices = TOLLFREE_FOR_NUMBER[str(verification)]
            choice = choices[self._next(f"tollfree:{verification}", len(choices))]
            if choice == "none":
                fields["toll_free_sms_verification_id"] = None
            elif choice == "dangling":
                fields["toll_free_sms_verification_id"] = self._dangle(
                    "tollfree_verification", self._count("tollfree_dangling") * 9
                )
            else:
                profile = fields.get("profile_uuid")
                owner = profile if profile in self.graph.profiles else None
                fields["toll_free_sms_verification_id"] = self._make_verification(number, choice, owner)
        country = _country(fields)
        if country != "US":
            fields["compliance_application_id"] = self._application_for(fields, country, number)
        return owned

    def _application_for(self, fields: Mapping[str, Any], country: str, number: str) -> str:
        family = "compliance" if country == "IN" else "application"
        k = self._count(family)
        if k % DANGLING_EVERY["application"] == DANGLING_EVERY["application"] - 1:
            return self._dangle("application", k)
        if country == "IN":
            compliance_ids = list(self.graph.phone_number_compliances)
            compliance_id = compliance_ids[k % len(self._compliances)]
            linked = self.graph.phone_number_compliances[compliance_id]["linked_numbers"]
            linked.append({"number": number, "status": "active" if fields.get("active", True) else "pending"})
            return compliance_id
        number_type = str(fields.get("number_type") or "local")
        pool = self._applications.get((country, number_type))
        if pool is None:
            pool = [self._make_application(country, number_type, s) for s in APPLICATION_STATUSES]
            self._applications[(country, number_type)] = pool
        return pool[k % len(pool)]

    def link_all(self, numbers: Iterable[OwnedNumber]) -> Iterator[OwnedNumber]:
        for owned in numbers:
            yield self.link(owned)

    def finish(self) -> ComplianceGraph:
        """The graph, with every status value present and one left-behind campaign link."""
        graph = self.graph
        first = next(iter(graph.campaign_numbers), None)
        if first is not None:
            graph.campaign_numbers[first].append({"number": "14155550199", "status": "COMPLETED"})
        statuses = {c["registration_status"] for c in graph.campaigns.values()}
        links = {link["status"] for links in graph.campaign_numbers.values() for link in links}
        for status in LINK_STATUSES:
            if status not in links and first is not None:
                graph.campaign_numbers[first].append(
                    {"number": f"1415555{len(graph.campaign_numbers[first]):04d}", "status": status}
                )
        assert statuses >= set(CAMPAIGN_STATUSES)  # the pool holds at least one cycle
        present = {v["status"] for v in graph.tollfree_verifications.values()}
        for status in TOLLFREE_STATUSES:
            if status not in present:
                self._make_verification(None, status, self._profiles[0])
        present = {a["status"] for a in graph.compliance_applications.values()}
        missing = [s for s in APPLICATION_VOCABULARY if s not in present]
        for status in missing:
            self._make_application("DE", "local", status)
        return graph


# ----------------------------------------------------------------- inventory files


def synthesize(numbers: Iterable[OwnedNumber]) -> ComplianceGraph:
    """A graph in good standing around the ids that ``numbers`` name (a numbers-only file).

    Each named campaign, profile, toll-free request and application exists, in the state
    the number itself reports (a COMPLETED number's campaign is ACTIVE, a VERIFIED number's
    request APPROVED, ...), so loading a saved list page adds no finding of its own.
    """
    graph = ComplianceGraph()
    rng = random.Random("synthesize")
    brand_id = "BSYNTH01"

    def profile(profile_uuid: str) -> None:
        if profile_uuid not in graph.profiles:
            graph.profiles[profile_uuid] = {
                "profile_uuid": profile_uuid,
                "profile_alias": "imported profile",
                "profile_type": "SECONDARY",
                "customer_type": "DIRECT",
                "entity_type": "PRIVATE_PROFIT",
                "vertical": "TECHNOLOGY",
                "authorized_contact": {},
                "created_at": _stamp(400),
            }

    for owned in numbers:
        fields = owned.fields
        number = str(fields["number"])
        campaign_id = fields.get("tendlc_campaign_id")
        if campaign_id:
            if not graph.brands:
                graph.brands[brand_id] = {
                    "brand_id": brand_id,
                    "brand_type": "STANDARD",
                    "registration_status": "COMPLETED",
                    "vetting_status": "ACTIVE",
                    "ein_issuing_country": "US",
                    "address": {},
                    "authorized_contact": {},
                    "created_at": _stamp(390),
                }
            if campaign_id not in graph.campaigns:
                processing = fields.get("tendlc_registration_status") == "PROCESSING"
                graph.campaigns[campaign_id] = {
                    "brand_id": brand_id,
                    "campaign_id": campaign_id,
                    "campaign_alias": f"campaign {campaign_id}",
                    "usecase": "MIXED",
                    "registration_status": "PROCESSING" if processing else "ACTIVE",
                    "reseller_id": "",
                    "campaign_source": "plivo",
                    "created_at": _stamp(300),
                }
                graph.campaign_numbers[campaign_id] = []
            status = "PROCESSING" if fields.get("tendlc_registration_status") == "PROCESSING" else "COMPLETED"
            graph.campaign_numbers[campaign_id].append({"number": number, "status": status})
        if fields.get("profile_uuid"):
            profile(str(fields["profile_uuid"]))
        request_id = fields.get("toll_free_sms_verification_id")
        if request_id and request_id not in graph.tollfree_verifications:
            said = str(fields.get("toll_free_sms_verification") or "").upper()
            status = {"VERIFIED": "APPROVED", "UNVERIFIED": "REJECTED"}.get(said, "SUBMITTED")
            graph.tollfree_verifications[request_id] = {
                "uuid": request_id,
                "profile_uuid": fields.get("profile_uuid") or "",
                "number": number,
                "usecase": "2FA",
                "volume": "1,000",
                "status": status,
                "error_message": "",
                "created": _stamp(30),
                "last_modified": _stamp(20),
            }
        application_id = fields.get("compliance_application_id")
        if application_id and application_id not in graph.compliance_applications:
            graph.compliance_applications[application_id] = {
                "compliance_application_id": application_id,
                "country_iso2": _country(fields),
                "number_type": fields.get("number_type") or "local",
                "alias": f"imported {_uuid(rng)[:8]}",
                "status": "Accepted",
                "documents": [],
                "created_at": _stamp(200),
            }
    return graph


def from_document(
    document: Mapping[str, Any], numbers: list[OwnedNumber]
) -> tuple[ComplianceGraph, list[str]]:
    """The graph an inventory file's compliance keys describe, and every problem found.

    Each object is checked against its schema in compliance.yaml (tolerant level) and must
    carry its id, unique within its list. ``campaign_numbers`` maps a campaign id to its
    linked numbers (``[{"number", "status"}]``); a campaign it does not mention links the
    file's numbers whose ``tendlc_campaign_id`` names it (COMPLETED, or PROCESSING for a
    number that says so). Ids the numbers name but no object has are served as unknown, on
    purpose: that is how a file says "dangling".
    """
    from .validation import json_depth, text_problems

    graph = ComplianceGraph()
    problems: list[str] = []
    for key, (schema, id_key) in RESOURCES.items():
        items = document.get(key, [])
        if not isinstance(items, list):
            problems.append(f"{key}: must be a JSON list of objects, not a JSON {type(items).__name__}")
            continue
        objects = graph.resource(key)
        for index, item in enumerate(items):
            where = f"{key}[{index}]"
            unwritable = list(text_problems(item))
            if unwritable:
                problems.extend(f"{where}{'.' + w if w else ''}: {what}" for w, what in unwritable)
                continue
            if json_depth(item) > 12:
                problems.append(f"{where}: nests objects or lists deeper than a {schema} can")
                continue
            if not isinstance(item, dict):
                problems.append(f"{where}: must be a JSON object, not a JSON {type(item).__name__}")
                continue
            errors = schema_errors(item, schema, "tolerant")
            if errors:
                problems.extend(f"{where}{error[1:]}" for error in errors)
                continue
            ident = item.get(id_key)
            if not isinstance(ident, str) or not ident:
                problems.append(f"{where}.{id_key}: missing; every {schema} needs its {id_key}")
                continue
            if ident in objects:
                problems.append(f"{where}.{id_key}: {ident} appears more than once")
                continue
            objects[ident] = {k: v for k, v in item.items() if k != "api_id"}
    links = document.get(CAMPAIGN_NUMBERS_KEY, {})
    if not isinstance(links, dict):
        problems.append(f"{CAMPAIGN_NUMBERS_KEY}: must map campaign ids to lists of {{number, status}}")
        links = {}
    for campaign_id, entries in links.items():
        where = f"{CAMPAIGN_NUMBERS_KEY}.{campaign_id}"
        if campaign_id not in graph.campaigns:
            problems.append(f"{where}: no campaign {campaign_id} in campaigns")
            continue
        errors = [] if isinstance(entries, list) else ["$: must be a list"]
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            errors += [f"$[{index}]{e[1:]}" for e in schema_errors(entry, "CampaignNumber", "documented")]
        if errors:
            problems.extend(f"{where}{error[1:]}" for error in errors)
            continue
        graph.campaign_numbers[campaign_id] = [dict(entry) for entry in entries]
    for campaign_id in graph.campaigns:
        if campaign_id in graph.campaign_numbers:
            continue
        graph.campaign_numbers[campaign_id] = [
            {
                "number": str(owned.fields["number"]),
                "status": "PROCESSING"
                if owned.fields.get("tendlc_registration_status") == "PROCESSING"
                else "COMPLETED",
            }
            for owned in numbers
            if owned.fields.get("tendlc_campaign_id") == campaign_id
        ]
    for kind, field_name, objects in (
        ("campaign", "tendlc_campaign_id", graph.campaigns),
        ("profile", "profile_uuid", graph.profiles),
        ("tollfree_verification", "toll_free_sms_verification_id", graph.tollfree_verifications),
    ):
        named = {str(o.fields[field_name]) for o in numbers if o.fields.get(field_name)}
        missing = sorted(named - set(objects))
        if missing:
            graph.dangling[kind] = missing
    applications = {
        str(o.fields["compliance_application_id"])
        for o in numbers
        if o.fields.get("compliance_application_id")
    }
    missing = sorted(applications - set(graph.compliance_applications) - set(graph.phone_number_compliances))
    if missing:
        graph.dangling["application"] = missing
    return graph, problems
