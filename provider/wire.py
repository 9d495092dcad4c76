"""What crosses Pulumi's wire into a dynamic provider, made plain: secrets unwrapped, unknowns spotted.

This is the only module besides the provider that knows Pulumi's property encoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime import rpc

PROVIDER_KEY = "__provider"
# The id of an existing application to adopt at create. The engine's own import cannot reach a
# dynamic provider (its Read arrives without `__provider`, pulumi/pulumi#16175), so the resource
# turns the `import_` option into this input and the provider adopts the application itself.
IMPORT_ID = "import_id"
# The id of the application a state entry manages, kept in its inputs under a key the engine never
# displays (`__`-prefixed keys are internal: pulumi/pulumi sdk/go/common/resource/properties.go).
# Check receives the old inputs but never the resource id, and read never returns `import_id`; this
# is how check still knows, after a refresh, which application an `import_id` must match.
APPLICATION_ID = "__application_id"
# Set by `CallControlApplication.get()`. Its Read must fail when the application does not exist, where a
# refresh's Read drops it from state: the engine keeps a read resource whose Read returns no id, with
# no outputs and no error (ReadStep in pulumi/pulumi pkg/resource/deploy/step.go), because the Python
# host adds `__provider` to whatever outputs the provider returns.
LOOKUP = "__lookup"


def is_unknown(value: Any) -> bool:
    """Whether a value is not known yet (a preview placeholder)."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def contains_unknown(value: Any) -> bool:
    """Whether a value, or anything nested in it, is not known yet."""
    value = rpc.unwrap_rpc_secret(value)
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def plain(value: Any) -> Any:
    """The value with every secret wrapper removed, at any depth."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def properties(bag: Mapping[str, Any]) -> dict[str, Any]:
    """A property bag's settings: without the serialised provider, the import and application ids, the lookup
    mark, and secret wrappers."""
    return {k: plain(v) for k, v in bag.items() if k not in (PROVIDER_KEY, IMPORT_ID, APPLICATION_ID, LOOKUP)}


def is_lookup(bag: Mapping[str, Any]) -> bool:
    """Whether a Read comes from `CallControlApplication.get()` (its properties are what `get` registered)."""
    return plain(bag.get(LOOKUP)) is True


def import_id(bag: Mapping[str, Any]) -> Any:
    """The id of the application to adopt, if the program asked to import one."""
    return plain(bag.get(IMPORT_ID))


def secret_keys(bag: Mapping[str, Any]) -> set[str]:
    """The top-level properties that arrived as secrets."""
    return {k for k, v in bag.items() if rpc.is_rpc_secret(v)}


def as_secret(value: Any) -> Any:
    """Wrap a value as a secret for the wire."""
    return rpc.wrap_rpc_secret(value)
