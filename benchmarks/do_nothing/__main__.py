"""The baseline's stack program, served to the engine by benchmarks/engine.py as `__main__.py` is served:
one `DoNothing` per entry of the stack's `telnyx-call-control:applications`, its settings as the inputs."""

import pulumi

from benchmarks.do_nothing import DoNothing

applications = pulumi.Config().get_object("applications") or {}
resources = {name: DoNothing(name, settings) for name, settings in applications.items()}
pulumi.export("ids", {name: resource.id for name, resource in resources.items()})
