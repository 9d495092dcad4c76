"""Where the diy (`file://`) backend keeps a stack, as scripts/diy_backend.py reads it (cited there from pulumi/pulumi).

These pin the path rules on their own; tests/engine/test_diy_backend.py proves them against checkpoints the real
engine wrote (each compression, the legacy layout, `stack rm`, a relative `file://` URL).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.diy_backend import folder, stack_checkpoint


def test_a_relative_file_url_is_resolved_against_the_working_directory_without_its_query(tmp_path: Path) -> None:
    assert folder("file://./.pulumi-state?create_dir=true", tmp_path) == tmp_path / "." / ".pulumi-state"
    assert folder("file://state", tmp_path) == tmp_path / "state"


def test_an_absolute_or_home_file_url_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    assert folder("file:///srv/pulumi", tmp_path) == Path("/srv/pulumi")
    assert folder("file://~/pulumi-state", tmp_path) == Path.home() / "pulumi-state"


@pytest.mark.parametrize("url", ["s3://bucket/state", "https://api.pulumi.com", "azblob://state"])
def test_a_backend_that_is_not_a_folder_has_none(url: str, tmp_path: Path) -> None:
    assert folder(url, tmp_path) is None


def write(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("suffix", [".json", ".json.gz", ".json.zst"])
def test_a_project_stack_is_found_in_any_compression(tmp_path: Path, suffix: str) -> None:
    write(tmp_path / ".pulumi" / "meta.yaml", "version: 1\n")
    checkpoint = write(tmp_path / ".pulumi" / "stacks" / "proj" / f"prod{suffix}")
    assert stack_checkpoint(tmp_path, "proj", "prod") == checkpoint
    assert stack_checkpoint(tmp_path, "proj", "staging") is None
    assert stack_checkpoint(tmp_path, "other", "prod") is None


def test_without_meta_yaml_a_stack_is_looked_for_in_the_legacy_layout(tmp_path: Path) -> None:
    legacy = write(tmp_path / ".pulumi" / "stacks" / "prod.json")
    assert stack_checkpoint(tmp_path, "proj", "prod") == legacy
    write(tmp_path / ".pulumi" / "meta.yaml", "version: 1\n")
    assert stack_checkpoint(tmp_path, "proj", "prod") is None  # version 1 reads only project folders


def test_the_backup_stack_rm_leaves_is_not_a_stack(tmp_path: Path) -> None:
    write(tmp_path / ".pulumi" / "meta.yaml", "version: 1\n")
    write(tmp_path / ".pulumi" / "stacks" / "proj" / "prod.json.bak")
    assert stack_checkpoint(tmp_path, "proj", "prod") is None


def test_an_empty_or_missing_state_folder_has_no_stack(tmp_path: Path) -> None:
    assert stack_checkpoint(tmp_path / "missing", "proj", "prod") is None
    assert stack_checkpoint(tmp_path, "proj", "prod") is None
