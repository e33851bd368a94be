"""The services the citizen service calls, one dependency each, shared by every group of
entrypoints (reads there are recorded in the ledger as the actor each call names)."""

from __future__ import annotations

from chassis.calls import ServiceCalls
from chassis.service import PlatformService


class OtherServices(PlatformService):
    #: the police cloud: vehicles' contacts, identities, places
    data = ServiceCalls("data")
    #: the audit ledger's reports of reads
    management = ServiceCalls("management")
