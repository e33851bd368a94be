from tests.support.platform import Gateway


async def test_an_officer_logs_in_and_reads_their_own_record(gateway: Gateway) -> None:
    token = await gateway.token("o-futian")
    response = await gateway.client.get(
        "/api/v1/management/officers/o-futian",
        headers={"Authorization": f"Bearer {token}", "X-Purpose": "patrol_and_prevention"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "o-futian"
    assert len(response.headers["x-trace-id"]) == 32
