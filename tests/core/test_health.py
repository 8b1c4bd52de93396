import pytest


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_malformed_json_is_a_clear_400(client):
    response = client.post("/api/v1/appointments/", data="{bad", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "message": "请求内容不是有效的 JSON。",
        "errors": {},
    }
