import httpx


def test_live_server_serves_health(live_server):
    response = httpx.get(f"{live_server}/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
