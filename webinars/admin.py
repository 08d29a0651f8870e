"""Staff administration of webinars; every write goes through the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from webinars.models import Question, Registration, Webinar
from webinars.services.questions import question_delete
from webinars.services.registrations import (
    registration_approve,
    registration_cancel,
    registration_reject,
)
from webinars.services.webinars import (
    WEBINAR_FIELDS,
    webinar_cancel,
    webinar_create,
    webinar_update,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = [
        "position",
        "label",
        "answer_type",
        "required",
        "choices",
        "help_text",
        "depends_on",
        "depends_on_value",
        "archived_at",
    ]
    readonly_fields = ["archived_at"]
    ordering = ["archived_at", "position", "pk"]


@admin.register(Webinar)
class WebinarAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "host", "starts_at", "status", "capacity", "cancelled_at"]
    list_filter = ["status", "customer", "approval"]
    search_fields = ["title", "slug", "customer__name", "host__user__email"]
    raw_id_fields = ["host"]
    readonly_fields = ["customer", "meeting", "cancelled_at", "created_at", "updated_at"]
    inlines = [QuestionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "host", "customer", "meeting"]}),
        ("Content", {"fields": ["description", "speakers", "consent_text"]}),
        ("When", {"fields": ["starts_at", "ends_at"]}),
        (
            "Registration",
            {
                "fields": [
                    "capacity",
                    "waiting_list",
                    "approval",
                    "registration_opens_at",
                    "registration_closes_at",
                ]
            },
        ),
        ("Record", {"fields": ["cancelled_at", "created_at", "updated_at"]}),
    ]
    actions = ["cancel_webinars"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("host")  # the meeting belongs to the host who scheduled it
        return readonly

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in WEBINAR_FIELDS if name in form.cleaned_data
        }
        if change:
            webinar_update(webinar=obj, **data)
        else:
            obj.pk = webinar_create(host=form.cleaned_data["host"], **data).pk
            obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """Removing a question someone answered archives it: answers are never lost."""
        instances = formset.save(commit=False)
        for question in formset.deleted_objects:
            question_delete(question=question)
        for question in instances:
            question.webinar = form.instance
            if question.pk is None and not question.position:
                question.position = form.instance.questions.count() + 1
            question.save()
        formset.save_m2m()

    def delete_model(self, request, obj):
        webinar_cancel(webinar=obj)

    def delete_queryset(self, request, queryset):
        for webinar in queryset:
            webinar_cancel(webinar=webinar)

    @admin.action(
        description="Cancel the webinars (registrations are kept and told by mail)",
        permissions=["change"],
    )
    def cancel_webinars(self, request, queryset):
        for webinar in queryset:
            webinar_cancel(webinar=webinar)
        self.message_user(request, "Cancelled.", messages.SUCCESS)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "webinar", "status", "created_at", "channel"]
    list_filter = ["status", "channel", "webinar__customer"]
    search_fields = ["first_name", "last_name", "email", "organisation", "webinar__title"]
    list_select_related = ["webinar"]
    readonly_fields = [field.name for field in Registration._meta.get_fields() if field.concrete]
    actions = ["approve", "reject", "cancel"]

    def has_add_permission(self, request):
        return False  # through the registration form or the API, so seats are counted

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: a deleted registration could not free its seat in order

    def _each(self, request, queryset, service, done: str):
        for registration in queryset:
            try:
                service(registration=registration)
            except ValidationError as exc:
                self.message_user(request, f"{registration}: {' '.join(exc.messages)}", "error")
        self.message_user(request, done, messages.SUCCESS)

    @admin.action(description="Approve (sends the confirmation)", permissions=["change"])
    def approve(self, request, queryset):
        self._each(request, queryset, registration_approve, "Approved.")

    @admin.action(description="Reject (tells the registrant)", permissions=["change"])
    def reject(self, request, queryset):
        self._each(request, queryset, registration_reject, "Rejected.")

    @admin.action(
        description="Cancel (frees the seat for the waiting list)", permissions=["change"]
    )
    def cancel(self, request, queryset):
        self._each(request, queryset, registration_cancel, "Cancelled.")
