"""What the host pages share: the host's webinar, service errors on a form, the confirm step."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from webinars.models import Webinar


def host_webinar(request: HttpRequest, pk: int) -> Webinar:
    return get_object_or_404(
        Webinar.objects.select_related("customer", "meeting", "host__user"),
        pk=pk,
        host=request.host,
    )


def errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def confirm_page(request: HttpRequest, webinar: Webinar, **context) -> HttpResponse:
    """The confirmation step of a destructive action (templates/webinars/dashboard/confirm.html)."""
    context.setdefault("keep_label", _("Keep it"))
    context.setdefault("danger", True)
    return render(request, "webinars/dashboard/confirm.html", {"webinar": webinar, **context})
