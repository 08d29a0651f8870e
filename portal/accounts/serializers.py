from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from conferencing.base import backend_names
from portal import vendors
from portal.accounts import services
from portal.accounts.models import Customer, Host, MeetingServer
from portal.validators import PlainText

User = get_user_model()


class CustomerSerializer(PlainText, serializers.ModelSerializer):
    class Meta:
        model = Customer
        read_only_fields = [
            "sync_state",
            "sync_error",
            "next_sync_at",
            "synced_at",
            "created_at",
            "updated_at",
        ]
        # What a customer_create or customer_update takes, then what only the portal sets.
        fields = ["id", *services.CUSTOMER_FIELDS, *read_only_fields]
        extra_kwargs = {"slug": {"required": False}}

    def get_fields(self):
        return with_vendor_profiles(super().get_fields(), "customer")


class DriftSerializer(serializers.Serializer):
    in_step = serializers.BooleanField()
    server = serializers.DictField(allow_null=True)
    differences = serializers.DictField(child=serializers.ListField())
    error = serializers.CharField()


@extend_schema_field(OpenApiTypes.OBJECT)
class VendorProfileField(serializers.Field):
    """A vendor's data of a customer or host (portal/vendors.py), as an object under the
    vendor's label; a change names only the values it changes."""

    def __init__(self, vendor: str, model, **kwargs):
        self.vendor, self.model = vendor, model
        kwargs.setdefault("help_text", f"{model._meta.verbose_name}: {vendor}'s data")
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, obj):
        profile = vendors.profile_of(obj, self.vendor)
        return {name: getattr(profile, name) for name in vendors.profile_fields(self.model)}

    def to_internal_value(self, data):
        meta = type("Meta", (), {"model": self.model, "fields": vendors.profile_fields(self.model)})
        profile = type("Profile", (serializers.ModelSerializer,), {"Meta": meta})
        checked = profile(data=data, partial=True)
        checked.is_valid(raise_exception=True)
        return {self.vendor: dict(checked.validated_data)}


def with_vendor_profiles(fields: dict, owner: str) -> dict:
    """A serializer's fields and one object per vendor that keeps data of ``owner``."""
    for label, model in vendors.profile_models(owner).items():
        fields[label] = VendorProfileField(label, model)
    return fields


class HostSerializer(PlainText, serializers.ModelSerializer):
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
        fields += ["is_administrator", "deleted"]

    def get_fields(self):
        return with_vendor_profiles(super().get_fields(), "host")

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
    account_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="The account's ID on the server if it exists there; empty to create it again.",
    )


@extend_schema_serializer(component_name="ConferencingServer")  # the name clients generate from
class MeetingServerSerializer(serializers.ModelSerializer):
    """A meeting server; its secrets are write-only, and an omitted one keeps its value
    (unless ``base_url`` or ``kind`` changes: then ``secrets_dropped`` names those dropped)."""

    _KEEP = "Write-only; omitted or empty keeps the stored value. " + (
        MeetingServer.SECRETS_DROPPED
    )
    client_secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_KEEP
    )
    admin_password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_KEEP
    )
    integration_code = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_KEEP
    )
    secrets_stored = serializers.SerializerMethodField()
    secrets_dropped = serializers.SerializerMethodField(
        help_text="The stored secrets this change dropped because base_url or kind changed: "
        "enter them again."
    )
    needs = serializers.SerializerMethodField()
    #: The API keeps its name for the backend's name.
    kind = serializers.ChoiceField(source="backend", choices=[])

    class Meta:
        model = MeetingServer
        fields = [
            "id",
            "name",
            "kind",
            "base_url",
            "time_zone",
            "client_id",
            "admin_user",
            "partner_id",
            "client_secret",
            "admin_password",
            "integration_code",
            "secrets_stored",
            "secrets_dropped",
            "needs",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = backend_names()  # one registered since counts too

    def get_secrets_stored(self, server: MeetingServer) -> list[str]:
        """The names of the secrets stored, never their values."""
        return server.stored_secret_names()

    def get_secrets_dropped(self, server: MeetingServer) -> list[str]:
        return server.dropped_secrets

    def get_needs(self, server: MeetingServer) -> list[str]:
        """The credential fields this server's backend takes."""
        return server.needed_fields()

    def validate(self, attrs):
        backend = attrs.get("backend") or getattr(self.instance, "backend", "")
        bound = {n: attrs[n] for n in MeetingServer.SECRETS_BOUND_TO if n in attrs}
        moves = self.instance is not None and self.instance.moves(**bound)
        stored = self.instance.readable_secrets() if self.instance and not moves else {}
        current = {
            name: getattr(self.instance, name, "")
            for name in ("client_id", "admin_user", "partner_id")
        }
        have = current | stored | {k: v for k, v in attrs.items() if isinstance(v, str) and v}
        missing = [f for f in MeetingServer(backend=backend).needed_fields() if not have.get(f)]
        if missing:
            again = " base_url or kind changed: enter it again." if moves else ""
            raise serializers.ValidationError(
                {f: f"A {backend} server needs this.{again}" for f in missing}
            )
        return attrs

    def create(self, validated_data):
        return services.server_save(server=MeetingServer(), **validated_data)

    def update(self, instance, validated_data):
        return services.server_save(server=instance, **validated_data)


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()
