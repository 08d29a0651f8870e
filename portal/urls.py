from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from meetings.api import MeetingViewSet
from meetings.views import meeting_join
from portal.accounts.api import CustomerViewSet, HostViewSet, MeetingServerViewSet
from portal.accounts.views import token
from portal.exports.api import ExportJobViewSet
from portal.health import healthz
from portal.vendors import vendor_urlconfs
from portal.webhooks.api import DeliveryViewSet, EndpointViewSet
from webinars.api import QuestionViewSet, RegistrationViewSet, WebinarViewSet

router = DefaultRouter(trailing_slash=True)
router.register("customers", CustomerViewSet, basename="customer")
router.register("servers", MeetingServerViewSet, basename="server")
router.register(r"customers/(?P<customer_pk>\d+)/hosts", HostViewSet, basename="customer-host")
router.register("webhooks/endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", DeliveryViewSet, basename="webhook-delivery")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("exports", ExportJobViewSet, basename="export")
router.register("webinars", WebinarViewSet, basename="webinar")
router.register(
    r"webinars/(?P<webinar_pk>\d+)/questions", QuestionViewSet, basename="webinar-question"
)
router.register(
    r"webinars/(?P<webinar_pk>\d+)/registrations",
    RegistrationViewSet,
    basename="webinar-registration",
)

urlpatterns = [
    # The vendors' callbacks and pages (portal/vendors.py), at the site root.
    *(path("", include(urlconf)) for urlconf in vendor_urlconfs()),
    path("join/<str:token>/", meeting_join, name="meeting-join"),
    path("healthz", healthz, name="healthz"),
    path("p/", include("meetings.feed_urls")),
    path("dashboard/webinars/", include("webinars.dashboard_urls")),
    path("dashboard/webhooks/", include("portal.webhooks.dashboard_urls")),
    path("dashboard/exports/", include("portal.exports.dashboard_urls")),
    path("dashboard/", include("meetings.dashboard_urls")),
    path("w/", include("webinars.urls")),
    path("", RedirectView.as_view(pattern_name="dashboard-home", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", token, name="api-token"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "portal.api.not_found"
