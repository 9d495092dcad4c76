"""The user-facing Pulumi surface: `CallControlApplication` and its args, shaped like Pulumi's generated SDKs."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from field_model import fields

from .dynamic_provider import CallControlApplicationProvider
from .wire import IMPORT_ID, LOOKUP

TYPE_TOKEN = "pulumi-python:dynamic/telnyx:CallControlApplication"  # noqa: S105 - a type name, not a password

_PROVIDER = CallControlApplicationProvider()
# The SDK's `serialize_provider` (pulumi/dynamic/dynamic.py, 3.260.0) wraps `pickle._Pickler._batch_setitems` once
# more at every dynamic resource and never unwraps it, so one Python reaches the recursion limit after about 985
# resources (about 490 where `make up` serves the preview's run and the update's from one process). Each resource
# puts the method back as it was before the first.
_UNWRAPPED_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]


class _InputBag:
    """Keyword arguments kept as given; `to_props` drops the ones left unset."""

    def to_props(self) -> dict[str, Any]:
        """The arguments as a property dict, nested args included."""
        return {name: _plain(value) for name, value in vars(self).items() if value is not None}


def _plain(value: Any) -> Any:
    return value.to_props() if isinstance(value, _InputBag) else value


class CallControlApplicationInboundArgs(_InputBag):
    """Inbound call settings of a call control application."""

    def __init__(
        self,
        *,
        channel_limit: pulumi.Input[int] | None = None,
        shaken_stir_enabled: pulumi.Input[bool] | None = None,
        sip_subdomain: pulumi.Input[str] | None = None,
        sip_subdomain_receive_settings: pulumi.Input[str] | None = None,
    ) -> None:
        """
        :param channel_limit: The most concurrent inbound calls; unset for no limit.
        :param shaken_stir_enabled: Whether SHAKEN/STIR headers are received (default false).
        :param sip_subdomain: A subdomain of sip.telnyx.com that receives calls for this application.
        :param sip_subdomain_receive_settings: `only_my_connections` or `from_anyone` (default).
        """
        self.channel_limit = channel_limit
        self.shaken_stir_enabled = shaken_stir_enabled
        self.sip_subdomain = sip_subdomain
        self.sip_subdomain_receive_settings = sip_subdomain_receive_settings


class CallControlApplicationOutboundArgs(_InputBag):
    """Outbound call settings of a call control application."""

    def __init__(
        self,
        *,
        channel_limit: pulumi.Input[int] | None = None,
        outbound_voice_profile_id: pulumi.Input[str] | None = None,
    ) -> None:
        """
        :param channel_limit: The most concurrent outbound calls; unset for no limit.
        :param outbound_voice_profile_id: The outbound voice profile id, as a string.
        """
        self.channel_limit = channel_limit
        self.outbound_voice_profile_id = outbound_voice_profile_id


class CallControlApplicationArgs(_InputBag):
    """The arguments of a `CallControlApplication`. A field left unset means the Telnyx API default."""

    def __init__(
        self,
        *,
        webhook_event_url: pulumi.Input[str],
        application_name: pulumi.Input[str] | None = None,
        active: pulumi.Input[bool] | None = None,
        anchorsite_override: pulumi.Input[str] | None = None,
        call_cost_in_webhooks: pulumi.Input[bool] | None = None,
        dtmf_type: pulumi.Input[str] | None = None,
        first_command_timeout: pulumi.Input[bool] | None = None,
        first_command_timeout_secs: pulumi.Input[int] | None = None,
        inbound: pulumi.Input[CallControlApplicationInboundArgs | Mapping[str, Any]] | None = None,
        outbound: pulumi.Input[CallControlApplicationOutboundArgs | Mapping[str, Any]] | None = None,
        redact_dtmf_debug_logging: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[list[str]] | None = None,
        webhook_api_version: pulumi.Input[str] | None = None,
        webhook_event_failover_url: pulumi.Input[str] | None = None,
        webhook_timeout_secs: pulumi.Input[int] | None = None,
    ) -> None:
        """
        :param webhook_event_url: Where webhooks are sent; an absolute URL with a scheme.
        :param application_name: The application's name in Telnyx; defaults to the resource name.
        :param active: Whether the application can be used (default true).
        :param anchorsite_override: The media site: `Latency` (default) or a site such as `Chicago, IL`.
        :param call_cost_in_webhooks: Whether call cost webhooks are sent (default false).
        :param dtmf_type: `RFC 2833` (default), `Inband` or `SIP INFO`.
        :param first_command_timeout: Whether calls hang up when the first command times out (default false).
        :param first_command_timeout_secs: Seconds before a dial command times out (default 30).
        :param inbound: Inbound settings (`CallControlApplicationInboundArgs` or a dict).
        :param outbound: Outbound settings (`CallControlApplicationOutboundArgs` or a dict).
        :param redact_dtmf_debug_logging: Whether DTMF digits are redacted in debug logs (default false).
        :param tags: Tags on the application.
        :param webhook_api_version: `"1"` (default) or `"2"`.
        :param webhook_event_failover_url: Where webhooks go when the primary URL fails.
        :param webhook_timeout_secs: Seconds before a webhook times out, 0 to 30; unset for the Telnyx default.
        """
        self.webhook_event_url = webhook_event_url
        self.application_name = application_name
        self.active = active
        self.anchorsite_override = anchorsite_override
        self.call_cost_in_webhooks = call_cost_in_webhooks
        self.dtmf_type = dtmf_type
        self.first_command_timeout = first_command_timeout
        self.first_command_timeout_secs = first_command_timeout_secs
        self.inbound = inbound
        self.outbound = outbound
        self.redact_dtmf_debug_logging = redact_dtmf_debug_logging
        self.tags = tags
        self.webhook_api_version = webhook_api_version
        self.webhook_event_failover_url = webhook_event_failover_url
        self.webhook_timeout_secs = webhook_timeout_secs


class CallControlApplication(Resource, module="telnyx", name="CallControlApplication"):
    """A Telnyx Call Control Application.

    ## Example

    ```python
    from provider import CallControlApplication, CallControlApplicationArgs

    router = CallControlApplication(
        "call-router",
        CallControlApplicationArgs(
            webhook_event_url="https://hooks.example.com/telnyx",
            dtmf_type="Inband",
            inbound={"channel_limit": 20},
        ),
    )
    pulumi.export("router_id", router.id)
    ```

    ## Import

    Adopt an existing application with the `import_` resource option, declaring the
    arguments it has today. The Pulumi engine's own import cannot reach a dynamic
    provider (pulumi/pulumi#16175), so this resource adopts it at create: one GET,
    refused with the differing fields unless the application already matches the
    declaration, and never a change to the live application. The preview shows it
    as a create with an `import_id` input and, when an API key is available, checks
    it with one GET of its own. Remove `import_` after the first `up`.

    ```python
    CallControlApplication("call-router", args, opts=pulumi.ResourceOptions(import_="1293384261075731499"))
    ```
    """

    application_name: pulumi.Output[str]
    webhook_event_url: pulumi.Output[str]
    active: pulumi.Output[bool]
    anchorsite_override: pulumi.Output[str]
    call_cost_in_webhooks: pulumi.Output[bool]
    dtmf_type: pulumi.Output[str]
    first_command_timeout: pulumi.Output[bool]
    first_command_timeout_secs: pulumi.Output[int]
    inbound: pulumi.Output[dict[str, Any]]
    outbound: pulumi.Output[dict[str, Any]]
    redact_dtmf_debug_logging: pulumi.Output[bool]
    tags: pulumi.Output[list[str]]
    webhook_api_version: pulumi.Output[str]
    webhook_event_failover_url: pulumi.Output[str]
    webhook_timeout_secs: pulumi.Output[int | None]
    record_type: pulumi.Output[str]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: CallControlApplicationArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource; also the default `application_name`.
        :param args: The application's arguments (`CallControlApplicationArgs` or a dict of the same keys).
        :param opts: Resource options, such as `import_` to adopt an existing application.
        """
        given = args.to_props() if isinstance(args, _InputBag) else {k: _plain(v) for k, v in dict(args).items()}
        if opts is not None and opts.id is not None:
            given[LOOKUP] = True  # read by id (`get`): nothing is declared, and a missing application is an error
        elif given.get("webhook_event_url") is None:
            raise TypeError(f"CallControlApplication {resource_name!r}: missing required argument 'webhook_event_url'")
        else:
            given.setdefault("application_name", resource_name)
        if opts is not None and opts.import_:
            # The engine's import cannot reach a dynamic provider (pulumi/pulumi#16175): adopt at create instead.
            given[IMPORT_ID] = opts.import_
            opts = copy.copy(opts)
            opts.import_ = None
        # Every output needs a key in the props, or the program cannot read it (pulumi/pulumi#9982).
        props: dict[str, Any] = {name: None for name in _output_names()}
        props.update(given)
        try:
            super().__init__(_PROVIDER, resource_name, props, opts)
        finally:
            pickle._Pickler._batch_setitems = _UNWRAPPED_BATCH_SETITEMS  # type: ignore[attr-defined]

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> CallControlApplication:  # noqa: A002 - Pulumi's name
        """Read an existing application's state by id, without managing it; an id that does not exist fails the run."""
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return CallControlApplication(resource_name, {}, merged)


def with_secret_credentials(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments with each setting that may carry a credential (the webhook URLs) as a Pulumi secret.

    The engine then encrypts those values in the state and masks them in previews and outputs;
    every other argument stays plain, so a reviewer still reads the change.
    """
    # Every such setting is top-level: the webhook URLs.
    return {
        name: pulumi.Output.secret(value) if name in fields.CREDENTIAL_PATHS and value is not None else value
        for name, value in arguments.items()
    }


def _output_names() -> list[str]:
    return [f.name for f in fields.top_level_fields()] + list(fields.GROUPS) + list(fields.OUTPUT_ONLY_FIELDS)
