"""Role × operation, unit scope, purpose of use and service accounts at the gateway."""

from __future__ import annotations

from tests.support.platform import Gateway


def headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


async def test_a_role_without_the_operation_is_forbidden(gateway: Gateway) -> None:
    officer = await gateway.token("o-futian")
    response = await gateway.client.get("/api/v1/audit/verify", headers=headers(officer))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    auditor = await gateway.token("o-auditor")
    assert (
        await gateway.client.get("/api/v1/audit/verify", headers=headers(auditor))
    ).status_code == 200


async def test_another_branchs_officer_record_is_not_found(gateway: Gateway) -> None:
    futian = await gateway.token("o-futian")
    purpose = {"X-Purpose": "patrol_and_prevention"}
    same_branch = await gateway.client.get(
        "/api/v1/management/officers/o-futian-2", headers=headers(futian, **purpose)
    )
    other_branch = await gateway.client.get(
        "/api/v1/management/officers/o-nanshan", headers=headers(futian, **purpose)
    )
    missing = await gateway.client.get(
        "/api/v1/management/officers/o-nobody", headers=headers(futian, **purpose)
    )
    assert same_branch.status_code == 200
    assert other_branch.status_code == 404
    assert other_branch.json()["detail"] == missing.json()["detail"] == "no such officer"
    admin = await gateway.token("o-admin")
    city_wide = await gateway.client.get(
        "/api/v1/management/officers/o-nanshan", headers=headers(admin, **purpose)
    )
    assert city_wide.status_code == 200


async def test_personal_data_needs_a_declared_purpose(gateway: Gateway) -> None:
    officer = await gateway.token("o-futian")
    url = "/api/v1/management/officers/o-futian"
    none_declared = await gateway.client.get(url, headers=headers(officer))
    assert none_declared.status_code == 403
    assert none_declared.json()["code"] == "purpose_required"
    without_case = await gateway.client.get(
        url, headers=headers(officer, **{"X-Purpose": "criminal_investigation"})
    )
    assert without_case.status_code == 403
    assert "case" in without_case.json()["detail"]
    with_case = await gateway.client.get(
        url, headers=headers(officer, **{"X-Purpose": "criminal_investigation", "X-Case-Id": "c-1"})
    )
    assert with_case.status_code == 200
    unknown = await gateway.client.get(url, headers=headers(officer, **{"X-Purpose": "curiosity"}))
    assert unknown.status_code == 422


async def test_a_service_account_reads_officer_records_only_on_behalf_of_an_officer(
    gateway: Gateway,
) -> None:
    system = await gateway.service_token("traffic-system")
    url = "/api/v1/management/officers"
    purpose = {"X-Purpose": "traffic_enforcement"}
    on_its_own = await gateway.client.get(url, headers=headers(system, **purpose))
    assert on_its_own.status_code == 403
    assert "X-On-Behalf-Of" in on_its_own.json()["detail"]
    on_behalf = await gateway.client.get(
        url, headers=headers(system, **purpose, **{"X-On-Behalf-Of": "o-futian"})
    )
    assert on_behalf.status_code == 200
    # it sees what that officer sees: their branch, not the city
    seen = {o["id"] for o in on_behalf.json()["items"]}
    assert {"o-futian", "o-futian-2"} <= seen
    assert not seen & {"o-nanshan", "chen.jing", "o-admin"}
    nobody = await gateway.client.get(
        url, headers=headers(system, **purpose, **{"X-On-Behalf-Of": "o-nobody"})
    )
    assert nobody.status_code == 403


async def test_a_service_account_is_confined_to_its_pillar(gateway: Gateway) -> None:
    system = await gateway.service_token("traffic-system")  # a management-pillar account
    response = await gateway.client.get(
        "/api/v1/ops/services/data/consumers", headers=headers(system)
    )
    assert response.status_code == 403


async def test_an_officer_cannot_claim_to_act_for_someone_else(gateway: Gateway) -> None:
    officer = await gateway.token("o-futian")
    response = await gateway.client.get(
        "/api/v1/management/officers/o-futian",
        headers=headers(
            officer, **{"X-Purpose": "patrol_and_prevention", "X-On-Behalf-Of": "o-admin"}
        ),
    )
    assert response.status_code == 403
