from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.accounts.signin import reply_fields, sign_in
from portal.callbacks import CallbackRefused, check_caller, param, xml_response


@csrf_exempt  # a server-to-server callback, guarded by the allow-list and the partner ID
@require_http_methods(["GET", "POST"])
def tm_auth(request: HttpRequest) -> HttpResponse:
    """User authentication callback (spec §6)."""
    try:
        check_caller(request, partner_id=param(request, "service_company_uid"))
    except CallbackRefused as exc:
        return xml_response("FAILED", reason=str(exc))
    result = sign_in(email=param(request, "email"), encrypted_password=param(request, "password"))
    if result.status == "Deleted":
        return xml_response("Deleted", fields=[("UserID", str(result.host.pk))])
    if result.status != "SUCCEED":
        return xml_response("FAILED", reason=result.reason)
    path = reverse("tm-meetings", args=[result.query_token])
    base = settings.PORTAL_URL.rstrip("/")
    query_url = base + path if base else request.build_absolute_uri(path)
    return xml_response("SUCCEED", fields=reply_fields(result.host, query_url))
