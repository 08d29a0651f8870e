import dataclasses

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

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
        extra_kwargs = {
            "slug": {"required": False},
            "server": {
                "required": False,
                "help_text": "The server its meetings live on; omitted: the environment's "
                "(where it configures one).",
            },
        }

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


class CredentialFieldSerializer(serializers.Serializer):
    """One value a kind of server needs (conferencing.base.CredentialField)."""

    name = serializers.CharField(help_text="Its key in a server's `credentials`.")
    label = serializers.CharField()
    help = serializers.CharField()
    secret = serializers.BooleanField(help_text="Write-only: never shown once stored.")
    required = serializers.BooleanField()
    choices = serializers.ListField(
        child=serializers.CharField(), help_text="The values it may take (empty: any text)."
    )


class ServerKindSerializer(serializers.Serializer):
    """A kind of meeting server and the credentials it needs, before any server of it exists."""

    kind = serializers.CharField()
    credential_fields = CredentialFieldSerializer(many=True)


@extend_schema_serializer(component_name="ConferencingServer")  # the name clients generate from
class MeetingServerSerializer(serializers.ModelSerializer):
    """A meeting server and its kind's credentials (``credential_fields`` says which); the
    secrets are write-only, and an omitted one keeps its value (unless ``base_url`` or
    ``kind`` changes: then ``secrets_dropped`` names those dropped)."""

    credentials = serializers.DictField(
        source="shown_credentials",
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=1000),
        required=False,
        help_text="The kind's credential fields by name (`credential_fields`; "
        "`GET /api/v1/servers/kinds/` lists them for every kind). Secrets are write-only: "
        "omitted or empty keeps the stored value. " + MeetingServer.SECRETS_DROPPED,
    )
    credential_fields = serializers.SerializerMethodField()
    secrets_stored = serializers.SerializerMethodField()
    secrets_dropped = serializers.SerializerMethodField(
        help_text="The stored secrets this change dropped because base_url or kind changed: "
        "enter them again."
    )
    needs = serializers.SerializerMethodField()
    #: The API's name for the backend, as the admin's menu and the README call it.
    kind = serializers.ChoiceField(source="backend", choices=[])

    class Meta:
        model = MeetingServer
        fields = [
            "id",
            "name",
            "kind",
            "base_url",
            "time_zone",
            "from_environment",
            "credentials",
            "credential_fields",
            "secrets_stored",
            "secrets_dropped",
            "needs",
            "created_at",
            "updated_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = backend_names()  # one registered since counts too

    @extend_schema_field(CredentialFieldSerializer(many=True))
    def get_credential_fields(self, server: MeetingServer) -> list[dict]:
        """What its kind needs: every credential field, described."""
        return [dataclasses.asdict(f) for f in server.credential_fields]

    def get_secrets_stored(self, server: MeetingServer) -> list[str]:
        """The names of the secrets stored, never their values."""
        return server.stored_secret_names()

    def get_secrets_dropped(self, server: MeetingServer) -> list[str]:
        return server.dropped_secrets

    def get_needs(self, server: MeetingServer) -> list[str]:
        """The names of the credential fields its kind takes."""
        return server.needed_fields()

    def validate(self, attrs):
        saved = self.instance
        given = attrs.get("shown_credentials", {})
        probe = MeetingServer(
            pk=saved.pk if saved else None,
            backend=attrs.get("backend") or getattr(saved, "backend", ""),
            base_url=attrs.get("base_url", getattr(saved, "base_url", "")),
            credentials_encrypted=getattr(saved, "credentials_encrypted", ""),
        )
        problems = {
            name: f"A {probe.backend} server takes no {name}."
            for name in set(given) - set(probe.needed_fields())
        }
        if not problems:
            problems = probe.credential_problems(probe.credentials_with(given)[0])
        if problems:
            errors = {name: [message] for name, message in problems.items()}
            raise serializers.ValidationError({"credentials": errors})
        return attrs

    def create(self, validated_data):
        credentials = validated_data.pop("shown_credentials", {})
        return services.server_save(
            server=MeetingServer(), credentials=credentials, **validated_data
        )

    def update(self, instance, validated_data):
        credentials = validated_data.pop("shown_credentials", {})
        return services.server_save(server=instance, credentials=credentials, **validated_data)


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="It answered and did not refuse the credentials.")
    answered = serializers.BooleanField(help_text="Whether the server answered at all.")
    credentials_accepted = serializers.BooleanField(
        allow_null=True,
        help_text="Whether it took the stored credentials; null where they cannot be "
        "checked (Webex's URL API has none).",
    )
    detail = serializers.CharField(help_text="What the server answered, in words.")


@extend_schema_serializer(component_name="AuthToken")  # AuthTokenRequest, split from the answer
class TokenRequestSerializer(AuthTokenSerializer):
    """A username and password for a token (a JSON body)."""

    username = serializers.CharField(
        write_only=True,
        help_text="The account's username: a host's is their email address.",
    )
    password = serializers.CharField(
        write_only=True, style={"input_type": "password"}, trim_whitespace=False
    )
    token = None  # the answer's, not the request's


@extend_schema_serializer(component_name="AuthTokenForm")
class TokenFormSerializer(TokenRequestSerializer):
    """The same fields, form-encoded (a plain HTML form, ``curl -d``)."""
