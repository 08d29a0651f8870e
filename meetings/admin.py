"""Meetings for staff, read-only: what their hosts read, and the raw detail behind it.

A host reads a sentence when a meeting is not in step with its server; staff
need what the server actually said (the error's kind, path, HTTP status, the
server's reason code: ``Meeting.sync_detail``) to fix it. Meetings are changed
by their hosts (dashboard, API), never here: the admin would bypass the push
to the server.
"""

from __future__ import annotations

from django.contrib import admin

from meetings.models import Meeting


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["topic", "customer", "host", "sync_state", "live_state", "starts_at"]
    list_filter = ["sync_state", "live_state", "customer"]
    search_fields = ["topic", "server_meeting_id", "customer__name", "host__user__email"]
    list_select_related = ["customer", "host__user"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "topic",
                    "customer",
                    "host",
                    "kind",
                    "starts_at",
                    "ends_at",
                    "is_recurring",
                    "is_published",
                    "cancelled_at",
                    "managed_by",
                ]
            },
        ),
        (
            "On the meeting server",
            {
                "fields": [
                    "server_meeting_id",
                    "server_join_url",
                    "sync_state",
                    "host_sentence",
                    "raw_detail",
                    "sync_attempts",
                    "next_sync_at",
                    "synced_at",
                ]
            },
        ),
        (
            "Live",
            {"fields": ["live_state", "attendees", "last_polled_at", "server_silent_since"]},
        ),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    @admin.display(description="What its host reads")
    def host_sentence(self, obj: Meeting) -> str:
        return obj.sync_error or "-"

    @admin.display(description="What the meeting server said (the last failure's raw detail)")
    def raw_detail(self, obj: Meeting) -> str:
        return obj.sync_detail or "-"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
