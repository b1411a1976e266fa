from tests.conftest import Api


async def test_me_answers_with_the_token_subject_and_roles(api: Api) -> None:
    data = await api.data("{ me { subject roles kind } }", role="auditor", sub="audrey")
    assert data["me"] == {"subject": "audrey", "roles": ["AUDITOR"], "kind": "OFFICER"}
