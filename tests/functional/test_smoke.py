"""The front doors open: login page, login, dashboard, API token, logout."""


def test_login_dashboard_logout(client, auth, make_user, make_account):
    user = make_user(email="carol@example.com", name="Carol")
    make_account(owner=user, balance=12_345)
    assert client.get("/").status_code == 200
    response = auth.login("CAROL@example.com")
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Carol" in page and "123.45 USD" in page
    assert auth.logout().status_code == 303
    assert client.get("/dashboard").status_code == 303


def test_api_token_and_me(client, auth, make_user):
    make_user(email="dave@example.com", name="Dave")
    headers = auth.bearer("dave@example.com")
    body = client.get("/api/v1/me", headers=headers).get_json()
    assert body["email"] == "dave@example.com" and body["role"] == "customer"
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
