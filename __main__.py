"""The stack program: one CallControlApplication per entry of the stack's `applications` config."""

import pulumi

from provider import CallControlApplication
from provider.stack_config import StackConfigError, load_applications, resource_options

config = pulumi.Config()
try:
    specs = load_applications(pulumi.get_stack(), config.get_object("applications"), config.get_object("defaults"))
except StackConfigError as error:
    raise pulumi.RunError(f"Invalid stack configuration:\n{error}") from None

applications = {
    spec.logical_name: CallControlApplication(
        spec.logical_name,
        spec.arguments,
        resource_options(spec),
    )
    for spec in specs
}

pulumi.export("application_ids", {name: app.id for name, app in applications.items()})
pulumi.export("application_names", {name: app.application_name for name, app in applications.items()})
