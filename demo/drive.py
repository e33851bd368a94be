"""Drive the first end-to-end flow against a running platform: `make demo`.

An officer logs in, lists 粤T12345 on the hotlist, a checkpoint's sighting of it is posted, and
the possible-match alert appears; then an auditor reads the sighting request's whole trace and
verifies the ledger. Prints each step and the trace id; exits non-zero if any step fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from demo.city import DEMO_PASSWORD, FLOW_CASE, FLOW_PLATE

FLOW_SERVICES = {"gateway", "prevention", "data", "warning"}


class StepFailed(Exception):
    pass


async def login(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> str:
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    if response.status_code != 200:
        raise StepFailed(f"login as {username}: {response.status_code} {response.text}")
    token: str = response.json()["access_token"]
    return token


async def sign_in_citizen(
    client: httpx.AsyncClient, phone: str, operator_token: str
) -> dict[str, Any]:
    """A citizen's sign-in as the app does it, the code read from the local notification sink
    (an operator may browse it on a development platform). Returns the token grant."""
    asked = await client.post("/api/v1/citizen/auth/codes", json={"phone": phone})
    if asked.status_code != 202:
        raise StepFailed(f"sign-in code for a citizen: {asked.status_code} {asked.text}")

    async def code() -> str | None:
        response = await client.get(
            "/api/v1/citizen/dev/sink",
            params={"recipient": phone, "category": "sign_in_code", "limit": 1},
            headers=headers(operator_token),
        )
        messages = response.json() if response.status_code == 200 else []
        found = re.search(r"\b([0-9]{6})\b", messages[0]["body"]) if messages else None
        return found.group(1) if found else None

    signed = await client.post(
        "/api/v1/citizen/auth/token",
        json={"phone": phone, "code": await until(code, "the sign-in code in the sink")},
    )
    if signed.status_code != 200:
        raise StepFailed(f"citizen sign-in: {signed.status_code} {signed.text}")
    grant: dict[str, Any] = signed.json()
    return grant


def headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


INVESTIGATION = {"X-Purpose": "criminal_investigation", "X-Case-Id": FLOW_CASE}


async def list_plate(
    client: httpx.AsyncClient, token: str, plate: str = FLOW_PLATE
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/warning/hotlist",
        json={
            "plate": plate,
            "reason": "wanted_in_case",
            "case_id": FLOW_CASE,
            "expires_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        },
        headers=headers(token, **INVESTIGATION, **{"Idempotency-Key": f"demo-hotlist-{FLOW_CASE}"}),
    )
    if response.status_code != 201:
        raise StepFailed(f"hotlist: {response.status_code} {response.text}")
    entry: dict[str, Any] = response.json()
    return entry


async def post_sighting(
    client: httpx.AsyncClient,
    token: str,
    plate: str = FLOW_PLATE,
    device_id: str = "cp-futian-01",
    batch_id: str | None = None,
    seen_at: datetime | None = None,
) -> tuple[dict[str, Any], str]:
    """Returns the receipt and the request's trace id."""
    batch = {
        "batch_id": batch_id or f"demo-{uuid.uuid4().hex}",
        "sightings": [
            {
                "plate": plate,
                "device_id": device_id,
                "seen_at": (seen_at or datetime.now(UTC)).isoformat(),
                "location": {"lat": 22.5405, "lon": 114.0553},
            }
        ],
    }
    response = await client.post(
        "/api/v1/prevention/sightings:batch", json=batch, headers=headers(token)
    )
    if response.status_code != 200:
        raise StepFailed(f"sightings: {response.status_code} {response.text}")
    receipt: dict[str, Any] = response.json()
    if receipt["accepted"] != 1:
        raise StepFailed(f"sighting not accepted: {receipt}")
    return receipt, response.headers["x-trace-id"]


async def until(probe: Callable[[], Awaitable[Any]], what: str, timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StepFailed(f"not within {timeout_s:g}s: {what}")
        await asyncio.sleep(0.25)


async def alerts_for(client: httpx.AsyncClient, token: str, plate: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/warning/alerts", headers=headers(token, **INVESTIGATION))
    if response.status_code != 200:
        raise StepFailed(f"alerts: {response.status_code} {response.text}")
    return [a for a in response.json()["items"] if a["plate"] == plate]


async def trace_story(client: httpx.AsyncClient, token: str, trace_id: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/audit/traces/{trace_id}",
        headers=headers(token, **{"X-Purpose": "audit_oversight"}),
    )
    if response.status_code != 200:
        raise StepFailed(f"trace: {response.status_code} {response.text}")
    story: dict[str, Any] = response.json()
    return story


async def verify_ledger(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get("/api/v1/audit/verify", headers=headers(token))
    report: dict[str, Any] = response.json()
    if response.status_code != 200 or not report.get("ok"):
        raise StepFailed(f"ledger does not verify: {report}")
    return report


async def run_flow(client: httpx.AsyncClient, say: Callable[[str], None] = print) -> str:
    """The whole flow; returns the sighting request's trace id."""
    officer = await login(client, "li.wei")
    say("1. li.wei logged in")
    entry = await list_plate(client, officer)
    say(f"2. {entry['plate']} is on the hotlist (entry {entry['entry_id']})")
    seen_at = datetime.now(UTC)
    receipt, trace_id = await post_sighting(client, officer, seen_at=seen_at)
    say(f"3. sighting batch {receipt['batch_id']} recorded (event {receipt['event_id']})")
    say(f"   trace id {trace_id}")

    async def alert_for_this_sighting() -> list[dict[str, Any]]:
        alerts = await alerts_for(client, officer, FLOW_PLATE)
        return [a for a in alerts if datetime.fromisoformat(a["seen_at"]) == seen_at]

    (alert,) = await until(alert_for_this_sighting, "a possible-match alert")
    say(f"4. alert {alert['alert_id']}: {alert['status']} match at {alert['device_id']}")
    auditor = await login(client, "auditor")

    async def full_story() -> dict[str, Any] | None:
        story = await trace_story(client, auditor, trace_id)
        services = {s["service"] for s in story["spans"]}
        return story if services >= FLOW_SERVICES and story["audit"] else None

    story = await until(full_story, "spans from gateway, prevention, data and warning")
    say(
        f"5. trace: {len(story['spans'])} spans across "
        f"{', '.join(sorted({s['service'] for s in story['spans']}))}; "
        f"{len(story['audit'])} audit record(s)"
    )
    report = await verify_ledger(client, auditor)
    say(f"6. ledger verifies: {report['size']} entries, root {report['root'][:16]}…")
    return trace_id


async def main_async() -> int:
    base_url = os.environ.get("SP_GATEWAY_URL", "http://127.0.0.1:8000")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        try:
            await run_flow(client)
        except (StepFailed, httpx.HTTPError) as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
            return 1
    print("demo flow complete")
    return 0


def main() -> None:
    sys.exit(asyncio.run(main_async()))


if __name__ == "__main__":
    main()
