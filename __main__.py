"""The stack program: one CallControlApplication per entry of the stack's `applications` config."""

import pulumi

from provider import CallControlApplication
from provider.resource import with_secret_credentials
from stack_files.loader import CONFIG_KEYS, StackConfigError, load_config, resource_options

config = pulumi.Config()
try:
    specs = load_config(pulumi.get_stack(), config.get)
except StackConfigError as error:
    raise pulumi.RunError(f"Invalid stack configuration:\n{error}") from None

# A webhook URL stored with `pulumi config set --path --secret` makes the whole top-level key secret (the
# engine marks a key secret when any value inside it is), and config.get hands it back as plain text: the
# program marks the credential-bearing settings secret again, and only those.
credentials_are_secret = any(pulumi.runtime.is_config_secret(config.full_key(key)) for key in CONFIG_KEYS)

applications = {
    spec.logical_name: CallControlApplication(
        spec.logical_name,
        with_secret_credentials(spec.arguments) if credentials_are_secret else spec.arguments,
        resource_options(spec),
    )
    for spec in specs
}

pulumi.export("application_ids", {name: app.id for name, app in applications.items()})
pulumi.export("application_names", {name: app.application_name for name, app in applications.items()})
