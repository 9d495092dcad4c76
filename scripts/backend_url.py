"""A Pulumi backend URL as the project's commands show it: never with a password in it.

`python -m scripts.backend_url` checks PULUMI_BACKEND_URL as the workflows' steps do before any `pulumi`: it
prints the URL masked, warns of a password in it and exits 2 on a credential in its query (nothing when unset).

A backend URL can carry a password in two places, whatever its scheme: its user part
(`postgres://pipeline:s3cret@db.example.com:5432/pulumi`) and its query (`?password=s3cret`, which the engine's
PostgreSQL driver, lib/pq, reads as the connection's password; `?sig=` of an Azure SAS, `?token=`). `masked` shows
the URL with each such value replaced by `***` and everything else as written; `password_warning` is the one line a
command prints when the URL carries one.

Why a warning and not only a mask: the URL is not a secret. The workflows read it from a repository *variable*,
which GitHub does not mask in logs, and the engine prints it in its errors: at v3.260.0 it hides a password in the
user part (`[credential]`, `****:****`) but prints a `?password=` exactly as written, both when it cannot open the
backend and when it names a stack's lock (`pkg/backend/diy`: `describeBackendURL`, `lockURLForError`; the query keys
it hides are a few signature and token names, `httputil.URLSecrets`). PGPASSWORD, from a secret, is masked by
GitHub and never printed by the engine.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote_plus, urlsplit

MASK = "***"
# Query keys whose value is a credential: lib/pq's (`password`, `sslpassword`, the client key's passphrase) and the
# signature and token keys of the other backends' URLs (the ones the engine itself hides, and a few more).
SECRET_QUERY_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "sslpassword",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "sig",
        "signature",
        "awsaccesskeyid",
        "x-amz-credential",
        "x-amz-security-token",
        "x-amz-signature",
        "x-goog-credential",
        "x-goog-signature",
    }
)
POSTGRES_SCHEMES = ("postgres", "postgresql")


def masked(url: str) -> str:
    """`url` with the password of its user part and every credential in its query replaced by `***`; a URL that
    carries none is returned exactly as given."""
    url = _masked_raw_userinfo(url)
    parts = urlsplit(url)
    netloc, query = _masked_netloc(parts.netloc), _masked_query(parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    rebuilt = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else f"//{netloc}{parts.path}"
    return rebuilt + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def carries_password(url: str) -> bool:
    """Whether `url` has a password in its user part or a credential in its query."""
    return masked(url) != url


def query_credential_refusal(url: str) -> str | None:
    """The error to stop on when the URL's query carries a credential, which the engine prints as written in its
    errors (None when it carries none): the commands then run no `pulumi` at all."""
    parts = urlsplit(url)
    if _masked_query(parts.query) == parts.query:
        return None
    instead = "PGPASSWORD" if parts.scheme.lower() in POSTGRES_SCHEMES else "the environment"
    return (
        f"error: the Pulumi backend URL carries a credential in its query ({masked(url)}), which the engine prints as "
        f"written when it cannot open the backend: take it out of the URL and put it in {instead}, from a secret"
    )


def password_warning(url: str) -> str | None:
    """The one line to print when the backend URL carries a password (None when it does not)."""
    if not carries_password(url):
        return None
    if urlsplit(url).scheme.lower() in POSTGRES_SCHEMES:
        instead = "put the password in PGPASSWORD, from a secret, instead"
    else:
        instead = "pass the credential in the environment, from a secret, instead"
    return (
        f"warning: the Pulumi backend URL carries a password ({masked(url)}): {instead}; the engine prints the URL "
        "when it cannot open the backend or finds the stack locked, and a workflow variable is not masked in the logs"
    )


def _masked_raw_userinfo(url: str) -> str:
    """The password of the user part masked where it holds a `/`, `?` or `#` written unescaped, which ends the
    authority for a URL parser, so `urlsplit` sees no user part and would leave the password in the path: then
    everything between the first `:` after the scheme's `//` and the last `@`. Masking more is the safe way to be wrong."""
    if "@" in urlsplit(url).netloc:
        return url  # the parser found the user part whole: _masked_netloc masks it
    scheme, separator, rest = url.partition("://")
    userinfo, at, after = rest.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if not (separator and at and colon and password) or any(mark in user for mark in "/?#@"):
        return url
    return f"{scheme}://{user}:{MASK}@{after}"


def _masked_netloc(netloc: str) -> str:
    userinfo, at, host = netloc.rpartition("@")  # the last `@`, as Go's url.Parse splits it
    user, colon, password = userinfo.partition(":")
    if not at or not colon or not password:
        return netloc
    return f"{user}:{MASK}@{host}"


def _masked_query(query: str) -> str:
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        key, equals, value = pair.partition("=")
        if equals and value and unquote_plus(key).strip().lower() in SECRET_QUERY_KEYS:
            pair = f"{key}={MASK}"
        pairs.append(pair)
    return "&".join(pairs)


def main(environment: dict[str, str] | None = None) -> int:
    """Check PULUMI_BACKEND_URL: 2 on a credential in its query (printed masked), else 0 after the masked URL."""
    url = (os.environ if environment is None else environment).get("PULUMI_BACKEND_URL", "")
    if not url:
        return 0
    refusal = query_credential_refusal(url)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    warning = password_warning(url)
    if warning:
        print(warning, file=sys.stderr)
    print(f"Pulumi state: {masked(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
