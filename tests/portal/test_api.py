import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.accounts.models import Customer, Host, SyncState
from portal.framing import MAX_ORIGINS
from tests.factories import CustomerFactory, HostFactory, company_uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    """Staff allowed to manage customers and hosts (the admin's model permissions)."""
    user = django_user_model.objects.create_user(
        "staff", "staff@portal.example", "staff-pass-123", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="accounts", content_type__model__in=["customer", "host"]
        )
    )
    return user


@pytest.fixture
def api(staff):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "staff", "password": "staff-pass-123"}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    return client


def test_token_auth_refuses_bad_credentials_with_a_reason(staff):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "staff", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["reason"]


def test_customers_need_staff(django_user_model):
    assert APIClient().get("/api/v1/customers/").status_code == 401
    user = django_user_model.objects.create_user("h", "h@x.example", "pw-123456")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/customers/")
    assert response.status_code == 403
    assert "permission" in response.json()["reason"]


def test_customer_crud_keeps_the_server_in_step(api, fake_tm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/customers/",
            {
                "name": "Umbrella",
                "contact_email": "it@umbrella.example",
                "turbomeeting": {"participants_per_room": 12},
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["slug"] == "umbrella"
    customer = Customer.objects.get(pk=created["id"])
    assert customer.sync_state == SyncState.SYNCED
    assert fake_tm.accounts[company_uid(customer)].participants_per_room == 12

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            f"/api/v1/customers/{customer.pk}/", {"name": "Umbrella Corp"}, format="json"
        )
    assert response.status_code == 200
    assert fake_tm.accounts[company_uid(customer)].company_name == "Umbrella Corp"

    response = api.get(f"/api/v1/customers/{customer.pk}/server/")
    assert response.status_code == 200 and response.json()["in_step"] is True

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/customers/{customer.pk}/").status_code == 204
    assert company_uid(customer) not in fake_tm.accounts
    assert api.get(f"/api/v1/customers/{customer.pk}/").status_code == 404


def test_invalid_customer_is_a_400_with_field_errors(api, fake_tm):
    response = api.post(
        "/api/v1/customers/",
        {"name": "", "contact_email": "nope", "time_zone": "Nowhere/Land"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["reason"] == "The request has invalid fields."
    assert {"name", "contact_email", "time_zone"} <= set(body["errors"])
    assert not Customer.objects.exists()


def test_sync_now_when_the_server_is_down(api, fake_tm):
    customer = CustomerFactory(company_uid="", sync_state=SyncState.PENDING)
    fake_tm.mode = "down"
    response = api.post(f"/api/v1/customers/{customer.pk}/sync/")
    assert response.status_code == 200
    assert response.json()["sync_state"] == "pending"
    assert "could not be reached" in response.json()["sync_error"]
    fake_tm.mode = "ok"
    assert api.post(f"/api/v1/customers/{customer.pk}/sync/").json()["sync_state"] == "synced"


def test_hosts_of_a_customer(api):
    customer = CustomerFactory()
    HostFactory()  # another customer's host: not listed
    url = f"/api/v1/customers/{customer.pk}/hosts/"
    response = api.post(
        url,
        {
            "email": "new@host.example",
            "first_name": "New",
            "password": "a good password",
            "turbomeeting": {"privilege_record": True},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    host = Host.objects.get(pk=response.json()["id"])
    assert host.user.check_password("a good password") and host.turbomeeting.privilege_record
    shown = response.json()["turbomeeting"]
    assert shown["privilege_record"] and shown["video_conference"]  # the others' defaults
    changed = api.patch(
        f"{url}{host.pk}/", {"turbomeeting": {"privilege_chat": False}}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    host.turbomeeting.refresh_from_db()
    assert (host.turbomeeting.privilege_chat, host.turbomeeting.privilege_record) == (False, True)
    wrong = api.patch(
        f"{url}{host.pk}/", {"turbomeeting": {"privilege_chat": "perhaps"}}, format="json"
    )
    assert wrong.status_code == 400 and "turbomeeting" in wrong.json()["errors"]

    duplicate = api.post(url, {"email": "NEW@host.example"}, format="json")
    assert duplicate.status_code == 400 and "email" in duplicate.json()["errors"]
    unusual = api.post(url, {"email": "a&b~c@host.example"}, format="json")  # a valid address
    assert unusual.status_code == 201, unusual.json()

    listed = [h["email"] for h in api.get(url).json()["results"]]
    assert sorted(listed) == ["a&b~c@host.example", "new@host.example"]
    assert api.patch(f"{url}{host.pk}/", {"phone": "+49 30 1234"}, format="json").status_code == 200
    assert api.delete(f"{url}{host.pk}/").status_code == 204
    host.refresh_from_db()
    assert host.is_deleted and not host.user.is_active
    assert [h["email"] for h in api.get(url).json()["results"]] == ["a&b~c@host.example"]


def test_openapi_schema_and_docs(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/customers/{id}/server/" in paths
    assert "/api/v1/customers/{customer_pk}/hosts/" in paths
    assert api.get("/api/docs/").status_code == 200
    # Every operation documents the errors it can answer, in their one shape.
    hosts = paths["/api/v1/customers/{customer_pk}/hosts/"]["get"]
    assert {"400", "401", "403", "404"} <= set(hosts["responses"])
    error = hosts["responses"]["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/NotFoundError"}
    (customer_pk,) = [p for p in hosts["parameters"] if p["name"] == "customer_pk"]
    assert customer_pk["schema"]["type"] == "integer"
    register = schema.json()["paths"]["/w/{slug}/register"]["post"]
    (slug,) = [p for p in register["parameters"] if p["name"] == "slug"]
    assert slug["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"


def _schema(client) -> dict:
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_request_bodies_are_json_with_components_of_their_own(api):
    """JSON only, but where a plain HTML form posts; a request component apart from the
    answer's, so that read-only fields are never asked of a client."""
    schema = _schema(api)
    components = schema["components"]["schemas"]
    forms = {}
    for name, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        content = operation["requestBody"]["content"]
        refs = {kind: body["schema"]["$ref"].rsplit("/", 1)[1] for kind, body in content.items()}
        if name in ("POST /api/v1/auth/token/", "POST /w/{slug}/register"):
            forms[name] = refs
        else:
            assert list(refs) == ["application/json"], name
        for component in refs.values():
            assert component.endswith("Request"), (name, component)
            fields = components[component]["properties"].values()
            assert not any(field.get("readOnly") for field in fields), (name, component)
    assert forms == {
        "POST /api/v1/auth/token/": {
            "application/json": "AuthTokenRequest",
            "application/x-www-form-urlencoded": "AuthTokenFormRequest",
        },
        "POST /w/{slug}/register": {
            "application/json": "PublicRegistrationRequest",
            "application/x-www-form-urlencoded": "PublicRegistrationFormRequest",
        },
    }
    assert "answers" in components["PublicRegistrationRequest"]["properties"]
    assert "success_url" in components["PublicRegistrationFormRequest"]["properties"]
    # The parts of a webinar's answer are typed, not free-form objects.
    webinar = components["Webinar"]["properties"]
    assert webinar["questions"]["items"] == {"$ref": "#/components/schemas/Question"}
    (counts,) = webinar["counts"]["allOf"]
    assert components[counts["$ref"].rsplit("/", 1)[1]]["required"] == [
        "confirmed",
        "pending",
        "waiting",
    ]


def test_the_token_operation_asks_for_what_it_reads(api):
    schema = _schema(api)
    request = schema["components"]["schemas"]["AuthTokenRequest"]
    assert sorted(request["required"]) == ["password", "username"]  # not the answer's token
    assert set(request["properties"]) == {"username", "password"}
    assert "email" in request["properties"]["username"]["description"]
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    for status, component in [("400", "InvalidRequestError"), ("429", "ThrottledError")]:
        body = operation["responses"][status]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{component}"}


def test_every_error_answer_has_its_body_in_the_schema(api):
    schema = _schema(api)
    for name, operation in _operations(schema):
        if not name.split()[1].startswith("/api/v1/"):
            continue
        for status, response in operation["responses"].items():
            if status >= "400":
                assert response.get("content"), (name, status)
        expected = {"400", "401", "403", "404", "405"}
        if "requestBody" in operation:
            expected.add("415")
        assert expected <= set(operation["responses"]), name


def test_text_and_binary_answers_are_declared_as_they_are(api):
    paths = _schema(api)["paths"]
    download = paths["/api/v1/webinars/{id}/exports/{export_pk}/download/"]["get"]
    content = download["responses"]["200"]["content"]
    assert content["text/csv"]["schema"] == {"type": "string"}
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content[xlsx]["schema"] == {"type": "string", "format": "binary"}
    command_file = paths["/api/v1/meetings/{id}/command-file/"]["get"]["responses"]["200"]
    assert command_file["content"]["application/xml"]["schema"] == {"type": "string"}


def test_what_is_not_there_answers_not_found_as_the_schema_promises(api):
    """Objects looked up with Django's get_object_or_404 too, not only DRF's."""
    promised = _schema(api)["components"]["schemas"]["NotFoundError"]
    assert promised["properties"]["code"]["enum"] == ["not_found"]
    for url in [
        "/api/v1/customers/999999/",
        "/api/v1/customers/999999/hosts/",
        "/api/v1/no-such-thing/",
    ]:
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found", (url, response.json())
        assert response.json()["reason"]


def test_a_form_body_is_refused_where_only_json_is_read(api):
    response = api.post("/api/v1/customers/", {"name": "Form Co"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Customer.objects.filter(name="Form Co").exists()


def test_sign_ins_refused_by_the_guards_answer_throttled(staff, settings):
    settings.SIGNIN_MAX_FAILURES = 2
    client = APIClient(REMOTE_ADDR="198.51.100.7")
    wrong = {"username": "staff", "password": "guess"}
    refused = client.post("/api/v1/auth/token/", wrong)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    client.post("/api/v1/auth/token/", wrong)  # the second failure locks
    locked = client.post("/api/v1/auth/token/", {"username": "staff", "password": "staff-pass-123"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled" and "Too many" in locked.json()["reason"]


def test_staff_can_do_only_what_their_model_permissions_allow(django_user_model):
    customer = CustomerFactory()
    user = django_user_model.objects.create_user("clerk", "c@portal.example", "pw", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/customers/").status_code == 403  # staff alone is not enough

    user.user_permissions.set(Permission.objects.filter(codename="view_customer"))
    user = django_user_model.objects.get(pk=user.pk)  # permissions are cached per object
    client.force_authenticate(user)
    assert client.get("/api/v1/customers/").status_code == 200
    assert client.get(f"/api/v1/customers/{customer.pk}/server/").status_code != 403
    refused = client.post(f"/api/v1/customers/{customer.pk}/sync/")
    assert refused.status_code == 403 and refused.json()["reason"]
    assert client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "X"}).status_code == 403
    assert client.delete(f"/api/v1/customers/{customer.pk}/").status_code == 403
    assert client.get(f"/api/v1/customers/{customer.pk}/hosts/").status_code == 403  # no view_host


def _token(username: str, password: str) -> dict:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_an_api_token_expires_and_the_next_sign_in_makes_a_new_one(staff, settings):
    settings.API_TOKEN_MAX_AGE_HOURS = 2
    first = _token("staff", "staff-pass-123")
    assert first["expires_at"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + first["token"])
    assert client.get("/api/v1/customers/").status_code == 200

    Token.objects.filter(key=first["token"]).update(
        created=timezone.now() - dt.timedelta(hours=2, seconds=1)
    )
    refused = client.get("/api/v1/customers/")
    assert refused.status_code == 401
    assert "expired" in refused.json()["reason"]
    second = _token("staff", "staff-pass-123")
    assert second["token"] != first["token"]
    client.credentials(HTTP_AUTHORIZATION="Token " + second["token"])
    assert client.get("/api/v1/customers/").status_code == 200


def test_an_api_token_is_revoked_with_delete(staff):
    key = _token("staff", "staff-pass-123")["token"]
    client = APIClient()
    assert client.delete("/api/v1/auth/token/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/customers/").status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_a_stale_token_sent_along_does_not_stop_a_sign_in(staff):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token-any-more")
    response = client.post(
        "/api/v1/auth/token/", {"username": "staff", "password": "staff-pass-123"}, format="json"
    )
    assert response.status_code == 200


def test_embed_origins_are_exact_and_few(api, fake_tm):
    customer = CustomerFactory(embed_origins="https://www.acme.example")
    url = f"/api/v1/customers/{customer.pk}/"
    wildcard = api.patch(url, {"embed_origins": "https://*.com"}, format="json")
    assert wildcard.status_code == 400
    assert "'https://*.com' has a wildcard" in wildcard.json()["errors"]["embed_origins"][0]
    many = "\n".join(f"https://s{n}.example" for n in range(MAX_ORIGINS + 1))
    too_many = api.patch(url, {"embed_origins": many}, format="json")
    assert too_many.status_code == 400
    assert f"At most {MAX_ORIGINS} sites" in too_many.json()["errors"]["embed_origins"][0]
    customer.refresh_from_db()
    assert customer.embed_origins == "https://www.acme.example"
