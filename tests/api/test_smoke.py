from typing import Any

from litestar.testing import TestClient

from tests.helpers import bearer, register, sign_in


def test_self_registered_user_signs_in_and_reads_its_profile(client: TestClient[Any]) -> None:
    created = register(client, "john.doe@email.com", name="John Doe")
    token = sign_in(client, "john.doe@email.com", "12345678")

    profile = client.get("/users/profile", headers=bearer(token))

    assert profile.status_code == 200
    assert profile.json() == created
