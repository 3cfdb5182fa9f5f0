"""Which BigQuery failures are worth another try, and the one line a user sees for the others."""

from __future__ import annotations

from ...errors import WarehouseError

CREDENTIALS_HINT = "run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS"

# Error reasons (and HTTP codes) worth another try; see google.cloud.bigquery.retry.
TRANSIENT_REASONS = frozenset(
    {
        "rateLimitExceeded",
        "backendError",
        "internalError",
        "badGateway",
        "jobRateLimitExceeded",
        "jobBackendError",
        "jobInternalError",
    }
)
TRANSIENT_MESSAGES = (
    "aborted due to concurrent update",  # two transactions mutating the same table
    "could not serialize access",
    "too many dml statements outstanding",
)
# 403s that are about quota or billing, not about who is calling.
FORBIDDEN_NOT_CREDENTIALS = frozenset(
    {"quotaExceeded", "billingNotEnabled", "billingTierLimitExceeded", "responseTooLarge", "rateLimitExceeded"}
)


def is_google_error(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module.startswith(("google.", "requests.", "urllib3.")) or isinstance(exc, ConnectionError)


def _reason(exc: BaseException) -> str | None:
    errors = getattr(exc, "errors", None)
    try:
        return errors[0]["reason"]
    except (TypeError, IndexError, KeyError):
        return None


def is_transient(exc: BaseException) -> bool:
    from google.api_core import exceptions as api

    if isinstance(exc, api.RetryError):  # one call kept failing (e.g. results of a job that failed): re-run it
        return exc.cause is not None and is_transient(exc.cause)
    if isinstance(
        exc,
        (api.TooManyRequests, api.InternalServerError, api.BadGateway, api.ServiceUnavailable, api.GatewayTimeout),
    ):
        return True
    if _reason(exc) in TRANSIENT_REASONS:
        return True
    message = str(getattr(exc, "message", None) or exc).lower()
    if any(text in message for text in TRANSIENT_MESSAGES):
        return True
    import requests

    return isinstance(exc, (requests.ConnectionError, requests.Timeout))


def _detail(exc: BaseException) -> str:
    """One line: the server's first error message, or the exception's first line."""
    errors = getattr(exc, "errors", None)
    message = None
    if errors and isinstance(errors, list) and isinstance(errors[0], dict):
        message = errors[0].get("message")
    if not message:
        message = getattr(exc, "message", None)
    if not message:
        arg = exc.args[0] if getattr(exc, "args", None) else exc
        message = arg if isinstance(arg, str) else str(exc)
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return " ".join(lines[:1]) or type(exc).__name__


def warehouse_error(exc: BaseException, maximum_bytes_billed: int) -> WarehouseError:
    """The one line a user sees for a failed call or job."""
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    reason = _reason(exc)
    job = getattr(getattr(exc, "query_job", None), "job_id", None)
    where = f" (job {job})" if job else ""
    if isinstance(exc, (auth.DefaultCredentialsError, auth.RefreshError)):
        return WarehouseError(f"BigQuery credentials: {_detail(exc)}; {CREDENTIALS_HINT}")
    if isinstance(exc, api.Unauthorized) or (
        isinstance(exc, api.Forbidden) and reason not in FORBIDDEN_NOT_CREDENTIALS
    ):
        return WarehouseError(f"BigQuery credentials: {_detail(exc)}; {CREDENTIALS_HINT}")
    if reason == "bytesBilledLimitExceeded":
        return WarehouseError(
            f"BigQuery: the query would bill more than maximum_bytes_billed ({maximum_bytes_billed} "
            f"bytes){where}; raise warehouse.maximum_bytes_billed if that is expected"
        )
    if isinstance(exc, api.RetryError):
        cause = exc.cause
        return WarehouseError(f"BigQuery: gave up retrying: {_detail(cause) if cause else _detail(exc)}")
    return WarehouseError(f"BigQuery{' ' + reason if reason else ''}: {_detail(exc)}{where}")
