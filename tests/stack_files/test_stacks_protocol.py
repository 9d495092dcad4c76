"""Everything each stack file declares, driven through `python -m pulumi.dynamic` against the fake:
created, then no diff, then deleted: a create is a lookup by name and a POST (and a PATCH for its tags), a delete one call."""

from __future__ import annotations

import pytest

from stack_files.loader import load_applications
from telnyx_fake import FakeTelnyxServer

from ..support.dynamic_host import DIFF_NONE, DynamicProviderHost, with_provider
from ..support.stack_files import STACKS, declared


@pytest.mark.parametrize("stack", STACKS)
def test_every_declared_application_is_created_shows_no_diff_and_is_deleted(
    stack: str, protocol_host: DynamicProviderHost, protocol_fake: FakeTelnyxServer
) -> None:
    host, fake = protocol_host, protocol_fake
    fake.backend.reset()
    applications, defaults = declared(stack)
    specs = load_applications(stack, applications, defaults)

    created = {}
    expected = []
    for spec in specs:
        expected += ["GET", "POST", "PATCH"] if spec.arguments.get("tags") else ["GET", "POST"]
        inputs, failures = host.check(with_provider(spec.arguments), name=spec.logical_name)
        assert failures == [], (spec.logical_name, failures)
        app_id, outputs = host.create(inputs, name=spec.logical_name)
        created[spec.logical_name] = (app_id, outputs, inputs)
    assert len(fake.backend.applications) == len(specs)

    for name, (app_id, outputs, inputs) in created.items():
        rechecked, _ = host.check(with_provider(inputs), name=name)
        assert host.diff(app_id, outputs, rechecked, name=name).changes == DIFF_NONE, name

    for name, (app_id, outputs, _) in created.items():
        host.delete(app_id, outputs, name=name)
    assert fake.backend.applications == {}
    assert [r.method for r in fake.backend.calls()] == expected + ["DELETE"] * len(specs)
