from django.urls import path

from portal.webhooks import dashboard

urlpatterns = [
    path("", dashboard.endpoints, name="dashboard-webhooks"),
    path("<int:pk>/", dashboard.endpoint_detail, name="dashboard-webhook"),
    path("<int:pk>/enable/", dashboard.endpoint_enable, name="dashboard-webhook-enable"),
    path("<int:pk>/rotate/", dashboard.endpoint_rotate, name="dashboard-webhook-rotate"),
    path(
        "<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        dashboard.delivery_redeliver,
        name="dashboard-webhook-redeliver",
    ),
]
