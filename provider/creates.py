"""How the provider creates an application safely: once, never beside another of the same name, and
never left half done.

`ApplicationCreator.create(desired)`:

1. **Refuse a duplicate.** The name is looked up (`TelnyxClient.find_by_name`: exact, case-sensitive,
   one filtered list call per 250 matches). If an application has it, the create fails naming its id,
   the `import_id` line that adopts it and what it has that the declaration does not (an adoption
   takes it only as it is), and no POST is sent. Nothing here can tell whether that application is
   the one an interrupted `pulumi up` made (its POST applied, the engine killed before it saved the
   id, so the state holds a pending create), or another pipeline's with the same name and settings:
   so the refusal stands, and it names the whole recovery for the interrupted case
   (`after_an_interrupted_up`).
2. **Create once.** The POST carries every field the create body takes (`writes.create_body`; never
   `tags`). The client sends it again by itself only when the API certainly did not process it
   (429). When it may have been applied (the answer was lost, timed out, or was 500/502/503/504)
   the name is looked up again (up to `LOOKUPS_AFTER_UNKNOWN_OUTCOME` times if the lookup itself
   fails): exactly one application with the settings sent is the create's result; none means
   nothing was created, so the POST is sent again, at most `MAX_RESENDS` times, before failing with
   "a re-run is safe"; several, or one with other settings, fail naming them.
3. **Converge.** `ApplicationWriter.finish_create` reconciles the answer like any write: a declared
   field the POST could not carry (tags) or did not keep gets one PATCH with the full state.
4. **Leave no orphan.** The Python dynamic-provider host keeps nothing of a create that raises
   (`Create` in pulumi/dynamic/__main__.py returns an id only on success), so an application this
   create made is deleted again if anything after the POST fails; if that DELETE fails too, the
   error names the application and says how to adopt or delete it.

An adoption (`import_id`) creates nothing and never comes here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telnyx_client.client import TelnyxClient
from telnyx_client.errors import TelnyxApiError

from . import adoption
from .writes import ApplicationWriter, NotKept, create_body, reconcile

# POSTs sent again after one whose outcome stayed unknown and whose name was then not found.
MAX_RESENDS = 2
# Lookups (each retried by the client) to settle a POST's unknown outcome: a GET is safe to repeat, and
# giving up here is what could leave an application that no state knows about.
LOOKUPS_AFTER_UNKNOWN_OUTCOME = 3
RERUN_IS_SAFE = "running `pulumi up` again is safe: it looks the name up before it sends a POST"
# Where the recovery after an interrupted `up` keeps a copy of the state, pending create included.
STATE_BACKUP = "state-backup.json"


def import_line(app_id: str) -> str:
    """The stack-file line that adopts application `app_id`, as `make adopt` writes it."""
    return f'import_id: "{app_id}"'


def after_an_interrupted_up(*, several: bool = False, declared_only_to_adopt: bool = False) -> str:
    """The recovery when an application a create refuses may be the one an interrupted `pulumi up` made.

    The killed run left a pending create, which every later run keeps and warns about until a refresh
    clears it; `--import-pending-creates` cannot adopt it (the engine only relabels the operation, and
    the save that follows drops it), so the application is adopted with `import_id` and the pending
    create cleared. `several`: several applications have the name; `declared_only_to_adopt`: the entry
    must first declare what the application has.
    """
    finish = (
        "then put the entry back as it was, without the `import_id` line, and run `pulumi up --yes` again (it changes "
        "what was declared only to adopt the application)"
        if declared_only_to_adopt
        else "then remove the `import_id` line"
    )
    return (
        "If a `pulumi up` was interrupted while creating this application (the engine warns of a pending operation "
        f"`interrupted while creating` it), {'one of them' if several else 'it'} is likely the one that run made "
        f"(nothing here can prove it): recover in this order: `pulumi stack export --file {STATE_BACKUP}` (a copy of "
        f"the state, pending create included), add the `import_id` line{' of the one to keep' if several else ''}, "
        "`pulumi refresh --clear-pending-creates --yes` (drops the pending create, which every later "
        f"run would keep), `pulumi up --yes` (adopts the application), {finish}"
    )


class NameTakenError(TelnyxApiError):
    """A create refused because applications with the name exist; `ids` names them, oldest first."""

    def __init__(self, message: str, ids: Sequence[str]) -> None:
        super().__init__(message)
        self.ids = list(ids)


class CreateNotFinishedError(TelnyxApiError):
    """A create that made an application and then failed; `deleted` says whether it was rolled back."""

    def __init__(self, app_id: str, name: str, reason: TelnyxApiError, rollback_error: TelnyxApiError | None) -> None:
        made = f"call control application {app_id} ({name!r}) was created, but finishing the create failed"
        if rollback_error is None:
            message = (
                f"{made}, so it was deleted again and nothing is left behind in Telnyx; {RERUN_IS_SAFE}. "
                f"What failed: {reason.message}"
            )
        else:
            message = (
                f"{made} and deleting it again failed too, so it exists in Telnyx and no Pulumi state knows about it. "
                f"To keep it, add `{import_line(app_id)}` under this application's entry in the stack file (or set the "
                "`import_` resource option), declaring the settings it has; otherwise delete it in the Telnyx portal "
                "(a re-run of `pulumi up` refuses to create a second one and names it). "
                f"What failed: {reason.message}. The DELETE: {rollback_error.message}"
            )
        super().__init__(message, reason.status, reason.errors, outcome_unknown=reason.outcome_unknown)
        self.app_id = app_id
        self.deleted = rollback_error is None


class ApplicationCreator:
    """Creates call control applications through a client and a writer, safely (see the module). Thread-safe."""

    def __init__(self, client: TelnyxClient, writer: ApplicationWriter) -> None:
        self._client = client
        self._writer = writer

    def create(self, desired: Mapping[str, Any]) -> dict[str, Any]:
        """Create the application `desired` (a canonical desired state) and return the API object as kept.

        Requests: one name lookup and one POST; a PATCH more when tags are declared (or the POST
        did not keep a field); a lookup more for each POST whose outcome is unknown.
        """
        name = str(desired["application_name"])
        existing = self._client.find_by_name(name)
        if existing:
            raise _name_taken(name, existing, declared=desired)
        sent = create_body(desired)
        answer = self._post_once(name, sent, desired)
        app_id = str(answer["id"])
        try:
            return self._writer.finish_create(app_id, sent, desired, answer)
        except Exception as error:  # whatever went wrong, the application must not be left behind
            reason = error if isinstance(error, TelnyxApiError) else _unexpected(error)
            raise self._rolled_back(app_id, name, reason) from error

    def _post_once(self, name: str, sent: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
        """POST `sent`; when its outcome is unknown, find out by name and send it again only if nothing was made."""
        for _ in range(1 + MAX_RESENDS):
            try:
                return self._client.create(sent)
            except TelnyxApiError as error:
                if not error.outcome_unknown:
                    raise
                unknown = error
            made = self._look_up_after(unknown, name)
            if len(made) > 1:
                raise _name_taken(name, made, lost=unknown)
            if made:
                not_kept = reconcile(sent, desired, made[0]).not_kept
                if not_kept:
                    raise _name_taken(name, made, lost=unknown, differences=not_kept)
                return made[0]
        raise TelnyxApiError(
            f"nothing was created: the POST was sent {1 + MAX_RESENDS} times without a clear answer, and after each "
            f"attempt no application named {name!r} existed; {RERUN_IS_SAFE}. The last attempt: {unknown.message}",
            unknown.status,
            unknown.errors,
        )

    def _look_up_after(self, unknown: TelnyxApiError, name: str) -> list[dict[str, Any]]:
        for _ in range(LOOKUPS_AFTER_UNKNOWN_OUTCOME):
            try:
                return self._client.find_by_name(name)
            except TelnyxApiError as error:
                failed = error
        raise TelnyxApiError(
            f"an application named {name!r} may now exist that no Pulumi state knows about: the POST got no clear "
            f"answer, and looking the name up to find out failed too, {LOOKUPS_AFTER_UNKNOWN_OUTCOME} times; "
            f"{RERUN_IS_SAFE} and, if it finds the application, names it and says how to adopt it. "
            f"The POST: {unknown.message}. The last lookup: {failed.message}",
            unknown.status,
            unknown.errors,
            outcome_unknown=True,
        )

    def _rolled_back(self, app_id: str, name: str, reason: TelnyxApiError) -> CreateNotFinishedError:
        try:
            self._client.delete(app_id)
        except TelnyxApiError as error:
            if not error.not_found:
                return CreateNotFinishedError(app_id, name, reason, error)
        return CreateNotFinishedError(app_id, name, reason, None)


def _name_taken(
    name: str,
    apps: Sequence[Mapping[str, Any]],
    *,
    declared: Mapping[str, Any] | None = None,
    lost: TelnyxApiError | None = None,
    differences: Sequence[NotKept] = (),
) -> NameTakenError:
    """The refusal of a create of `name`, which `apps` already have; `declared` is what the create meant, `lost` the
    POST whose answer was lost, `differences` what the one application has other than that POST sent."""
    ids = [str(app["id"]) for app in apps]
    if lost is None:
        situation = "no POST was sent (a second application with the name would split inbound routing)"
    else:
        situation = "no more POSTs were sent (this create's POST got no clear answer; it may have made one of them)"
    if len(ids) == 1:
        found, advice, must_declare = _one_has_it(name, apps[0], declared, differences)
    else:
        found = f"{len(ids)} call control applications already have the name {name!r} (ids {', '.join(ids)})"
        advice = (
            f"adopt the one to keep by adding `{import_line('<id>')}` with its id under this application's entry in "
            "the stack file, and rename or delete the others in the Telnyx portal"
        )
        must_declare = False
    recovery = after_an_interrupted_up(several=len(ids) > 1, declared_only_to_adopt=must_declare)
    message = f"{found}, so {situation}. {advice[0].upper()}{advice[1:]}. {recovery}"
    if lost is not None:
        message += f". The POST: {lost.message}"
    return NameTakenError(message, ids)


def _one_has_it(
    name: str, app: Mapping[str, Any], declared: Mapping[str, Any] | None, differences: Sequence[NotKept]
) -> tuple[str, str, bool]:
    """What was found, how to adopt it, and whether the entry must first declare what the application has."""
    app_id = str(app["id"])
    found = f"call control application {app_id} already has the name {name!r}"
    if differences:
        found += f", with other settings than this create sent ({'; '.join(item.describe() for item in differences)})"
    advice = (
        f"to manage it with this stack, add `{import_line(app_id)}` under this application's entry in the stack "
        "file (or set the `import_` resource option), declaring the settings it has; otherwise rename or delete "
        "one of them"
    )
    # What an adoption would meet: it takes the application only as it is.
    mismatches = adoption.mismatches(declared, app) if declared is not None else []
    if mismatches:
        untagged = any(m.path == "tags" for m in mismatches)
        why = " (a create interrupted before its tags PATCH leaves it without them)" if untagged else ""
        advice += (
            f". It differs from this declaration in: {'; '.join(m.describe() for m in mismatches)}. An adoption takes "
            f"it only as it is, so declare those as the application has them{why} until the `up` that adopts it"
        )
    return found, advice, bool(mismatches or differences)


def _unexpected(error: Exception) -> TelnyxApiError:
    return TelnyxApiError(f"unexpected {type(error).__name__}: {error}; this is a bug in the provider, please report it")
