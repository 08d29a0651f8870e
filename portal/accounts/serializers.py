from django.contrib.auth import get_user_model
from rest_framework import serializers

from portal.accounts.models import Customer, Host

User = get_user_model()


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "slug",
            "contact_email",
            "number_of_meeting_rooms",
            "participants_per_room",
            "time_zone",
            "embed_origins",
            "company_uid",
            "sync_state",
            "sync_error",
            "next_sync_at",
            "synced_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "company_uid",
            "sync_state",
            "sync_error",
            "next_sync_at",
            "synced_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"slug": {"required": False}}


class DriftSerializer(serializers.Serializer):
    in_step = serializers.BooleanField()
    server = serializers.DictField(allow_null=True)
    differences = serializers.DictField(child=serializers.ListField())
    error = serializers.CharField()


class HostSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name", required=False, allow_blank=True)
    last_name = serializers.CharField(source="user.last_name", required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}, min_length=8
    )
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)

    class Meta:
        model = Host
        fields = ["id", "email", "first_name", "last_name", "password", "phone", "user_group"]
        fields += list(Host.PRIVILEGES) + ["deleted"]

    def validate_email(self, value: str) -> str:
        users = User.objects.filter(username__iexact=value)
        if self.instance is not None:
            users = users.exclude(pk=self.instance.user_id)
        if users.exists():
            raise serializers.ValidationError("A user with this email exists already.")
        return value

    def flat_data(self) -> dict:
        """Validated data with the user's fields lifted to the top, as the services take them."""
        data = dict(self.validated_data)
        data.update(data.pop("user", {}))
        return data


class ResolveSerializer(serializers.Serializer):
    company_uid = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=36,
        help_text="The account's UID on the server if it exists there; empty to create it again.",
    )
