"""A backend URL as the project's commands show it (scripts/backend_url.py): the password masked, and a warning when
the URL carries one. What the engine itself prints of such a URL is pinned in tests/engine/test_team_backend.py."""

from __future__ import annotations

import pytest

from scripts.backend_url import carries_password, main, masked, password_warning, query_credential_refusal

PASSWORD = "s3cr3t-Pw"


def test_the_password_of_a_postgres_url_is_masked_and_the_rest_kept_as_written() -> None:
    url = f"postgres://pipeline:{PASSWORD}@db.example.com:5432/pulumi?sslmode=verify-full&table=telnyx_state"
    assert masked(url) == "postgres://pipeline:***@db.example.com:5432/pulumi?sslmode=verify-full&table=telnyx_state"


def test_a_password_holding_an_at_sign_is_masked_whole() -> None:
    # Go's url.Parse (the engine's) ends the user part at the last `@`, and so does the mask.
    assert masked("postgres://pipeline:p@ss@db.example.com/pulumi") == "postgres://pipeline:***@db.example.com/pulumi"


@pytest.mark.parametrize("mark", ["/", "?", "#", "/?#@"])
def test_a_password_holding_an_unescaped_slash_question_mark_or_hash_is_masked_whole(mark: str) -> None:
    # These end the authority for a URL parser, which would then leave the password's rest in the path.
    password = f"pa{mark}ss-{PASSWORD}"
    shown = masked(f"postgres://pipeline:{password}@db.example.com:5432/pulumi?sslmode=require&password=x")
    assert shown == "postgres://pipeline:***@db.example.com:5432/pulumi?sslmode=require&password=***"
    assert PASSWORD not in shown and carries_password(f"postgres://pipeline:{password}@db.example.com/pulumi")


def test_an_at_sign_in_the_query_leaves_an_ordinary_user_part_to_the_parser() -> None:
    url = f"postgres://pipeline:{PASSWORD}@db.example.com/pulumi?sslrootcert=/etc/ssl/ops@example/ca.pem"
    assert masked(url) == "postgres://pipeline:***@db.example.com/pulumi?sslrootcert=/etc/ssl/ops@example/ca.pem"


def test_an_at_sign_in_the_path_of_a_url_without_a_user_part_is_kept() -> None:
    assert masked("file:///var/state/team@ops/pulumi") == "file:///var/state/team@ops/pulumi"


def test_a_password_without_a_user_name_is_masked() -> None:
    assert masked(f"postgres://:{PASSWORD}@db.example.com/pulumi") == "postgres://:***@db.example.com/pulumi"


@pytest.mark.parametrize("key", ["password", "Password", "PASSWORD", "pass%77ord", "sslpassword"])
def test_a_password_in_the_query_is_masked_however_its_key_is_spelt(key: str) -> None:
    url = f"postgres://pipeline@db.example.com/pulumi?sslmode=require&{key}={PASSWORD}&table=state"
    assert masked(url) == f"postgres://pipeline@db.example.com/pulumi?sslmode=require&{key}=***&table=state"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"https://user:{PASSWORD}@state.example.com/pulumi", "https://user:***@state.example.com/pulumi"),
        (f"azblob://state?sig={PASSWORD}&sv=2022-11-02", "azblob://state?sig=***&sv=2022-11-02"),
        (
            f"s3://acme-state?region=eu-west-1&X-Amz-Security-Token={PASSWORD}",
            "s3://acme-state?region=eu-west-1&X-Amz-Security-Token=***",
        ),
    ],
)
def test_a_credential_is_masked_in_a_url_of_any_scheme(url: str, shown: str) -> None:
    assert masked(url) == shown


def test_both_places_are_masked_in_one_url_and_the_fragment_is_kept() -> None:
    url = f"postgres://pipeline:{PASSWORD}@db/pulumi?password={PASSWORD}#note"
    assert masked(url) == "postgres://pipeline:***@db/pulumi?password=***#note"
    assert PASSWORD not in masked(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://pipeline@db.example.com:5432/pulumi?sslmode=verify-full&sslrootcert=system",
        "postgres://",
        "postgres://pipeline:@db/pulumi",  # an empty password: nothing to hide
        "postgres://db/pulumi?password=",
        "file://./.pulumi-state?create_dir=true",
        "s3://acme-pulumi-state?region=eu-west-1",
        "https://api.pulumi.com",
    ],
)
def test_a_url_without_a_password_is_shown_exactly_as_given_and_carries_none(url: str) -> None:
    assert masked(url) == url
    assert not carries_password(url)


def test_a_url_with_a_password_carries_one() -> None:
    assert carries_password(f"postgres://pipeline:{PASSWORD}@db/pulumi")
    assert carries_password(f"postgres://pipeline@db/pulumi?password={PASSWORD}")


def test_the_warning_for_a_postgres_url_says_pgpassword_from_a_secret_and_why_without_the_password() -> None:
    warning = password_warning(f"postgres://pipeline:{PASSWORD}@db.example.com/pulumi")
    assert warning is not None and "\n" not in warning
    assert warning.startswith("warning: ")
    assert "postgres://pipeline:***@db.example.com/pulumi" in warning
    assert "PGPASSWORD, from a secret" in warning
    assert "the engine prints the URL when it cannot open the backend" in warning
    assert "a workflow variable is not masked" in warning
    assert PASSWORD not in warning


def test_the_warning_for_another_scheme_says_the_environment_rather_than_pgpassword() -> None:
    warning = password_warning(f"azblob://state?sig={PASSWORD}")
    assert warning is not None
    assert "PGPASSWORD" not in warning and "in the environment, from a secret" in warning
    assert PASSWORD not in warning


def test_no_warning_for_a_url_without_a_password() -> None:
    assert password_warning("postgres://pipeline@db.example.com/pulumi?sslmode=verify-full") is None


def test_a_credential_in_the_query_is_refused_naming_where_it_belongs_without_printing_it() -> None:
    refusal = query_credential_refusal(f"postgres://pipeline@db/pulumi?sslmode=require&password={PASSWORD}")
    assert refusal is not None and "PGPASSWORD" in refusal and "password=***" in refusal and PASSWORD not in refusal
    assert query_credential_refusal(f"postgres://pipeline:{PASSWORD}@db/pulumi") is None  # the engine hides this one
    assert query_credential_refusal("postgres://pipeline@db/pulumi?sslmode=verify-full") is None


def test_the_check_the_workflows_run_refuses_a_query_credential_and_warns_of_a_user_part_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main({"PULUMI_BACKEND_URL": f"postgres://pipeline@db.example.com/pulumi?password={PASSWORD}"}) == 2
    refused = capsys.readouterr()
    assert "carries a credential in its query" in refused.err and PASSWORD not in refused.out + refused.err
    assert main({"PULUMI_BACKEND_URL": f"postgres://pipeline:{PASSWORD}@db.example.com/pulumi"}) == 0
    warned = capsys.readouterr()
    assert "warning: the Pulumi backend URL carries a password" in warned.err and PASSWORD not in warned.out + warned.err
    assert warned.out == "Pulumi state: postgres://pipeline:***@db.example.com/pulumi\n"
    assert main({}) == 0 and capsys.readouterr().out == ""
