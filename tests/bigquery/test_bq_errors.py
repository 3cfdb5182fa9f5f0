"""Transient failures are retried (quickly here: the base delay is a constructor argument); credential and
permission failures become one WarehouseError line."""

from __future__ import annotations

import datetime as dt

import pytest
from fake_bigquery import CONFIG, PROJECT

from nba_backfill.errors import WarehouseError
from nba_backfill.warehouse.bigquery.backend import BigQueryWarehouse
from nba_backfill.warehouse.bigquery.failures import CREDENTIALS_HINT

JOBS = rf"^/bigquery/v2/projects/{PROJECT}/jobs$"
CONCURRENT = (
    "Transaction is aborted due to concurrent update against table test-project.nba_precompute.player_daily_cache."
)


def _inserted_job_ids(fake) -> list[str]:
    return [r.body["jobReference"]["jobId"] for r in fake.requests if r.method == "POST" and r.path.endswith("/jobs")]


def test_a_503_is_retried_and_succeeds(fake, warehouse):
    fake.fail("POST", JOBS, 503, "backendError", "The service is currently unavailable.", times=2)
    fake.on_query("SELECT 1", schema=[("x", "INT64")], rows=[[1]])

    assert warehouse.query("SELECT 1 AS x").rows == [(1,)]

    ids = _inserted_job_ids(fake)
    assert len(ids) == 3 and len(set(ids)) == 1  # the same job id, re-sent until accepted


def test_a_429_while_reading_results_is_retried(fake, warehouse):
    fake.fail("GET", r"/queries/", 429, "rateLimitExceeded", "Exceeded rate limits", times=1)
    fake.on_query("SELECT 1", schema=[("x", "INT64")], rows=[[1]])
    assert warehouse.query("SELECT 1 AS x").rows == [(1,)]


@pytest.mark.parametrize(
    "error",
    [
        {"reason": "invalidQuery", "message": CONCURRENT},
        {"reason": "jobRateLimitExceeded", "message": "Exceeded rate limits: too many concurrent queries"},
        {"reason": "backendError", "message": "Error encountered during execution. Retrying may solve the problem."},
        {"reason": "rateLimitExceeded", "message": "Exceeded rate limits: too many table update operations"},
    ],
    ids=["concurrent-update", "jobRateLimitExceeded", "backendError", "rateLimitExceeded"],
)
def test_a_job_that_fails_transiently_is_run_again(fake, warehouse, error):
    fake.on_query(
        "COMMIT TRANSACTION",
        schema=[("partition_date", "DATE"), ("row_count", "INT64")],
        rows=[[dt.date(2022, 11, 1), 5]],
    )
    fake.on_query("COMMIT TRANSACTION", error=error, times=2)  # the newest rule wins while it lasts

    written = warehouse.replace_partitions(
        "nba_precompute.player_daily_cache", "SELECT 1", dt.date(2022, 11, 1), dt.date(2022, 11, 30)
    )

    assert written == {dt.date(2022, 11, 1): 5}
    scripts = fake.sql_texts()
    assert len(scripts) == 3 and len(set(scripts)) == 1
    ids = _inserted_job_ids(fake)
    assert len(set(ids)) == 3  # a new job each time


def test_results_that_keep_failing_get_the_job_run_again(fake, make_warehouse):
    # getQueryResults answers a failed job's error (ambiguous: the call or the job?); once the call's own
    # retries give up, the whole job is run again. A zero timeout makes the deadline the call's start, so the
    # call's first retry is always refused (api_core's backoff is uniform(0, delay): a tiny timeout still raced)
    warehouse = make_warehouse(api_timeout=0.0)
    fake.fail("GET", r"/queries/", 500, "backendError", "Error encountered during execution.", times=1)
    fake.on_query("SELECT", schema=[("x", "INT64")], rows=[[1]])

    assert warehouse.query("SELECT 1 AS x").rows == [(1,)]
    assert len(set(_inserted_job_ids(fake))) == 2


def test_retries_stop_after_max_attempts(fake, make_warehouse):
    warehouse = make_warehouse(max_attempts=3)
    fake.on_query("SELECT", error={"reason": "invalidQuery", "message": CONCURRENT})

    with pytest.raises(WarehouseError) as err:
        warehouse.query("SELECT 1")

    assert len(fake.queries()) == 3
    assert str(err.value).startswith(f"BigQuery invalidQuery: {CONCURRENT} (job nba_backfill_")


def test_a_sql_error_is_not_retried_and_is_one_line(fake, warehouse):
    fake.on_query("SELEC", error={"reason": "invalidQuery", "message": "Syntax error: Unexpected identifier at [1:1]"})

    with pytest.raises(WarehouseError) as err:
        warehouse.query("SELEC 1")

    assert len(fake.queries()) == 1
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("BigQuery invalidQuery: Syntax error: Unexpected identifier at [1:1] (job nba_backfill_")


def test_a_query_over_the_byte_cap_says_which_setting_to_raise(fake, warehouse):
    fake.on_query(
        "SELECT",
        error={"reason": "bytesBilledLimitExceeded", "message": "Query exceeded limit for bytes billed: 5000000000."},
    )
    with pytest.raises(
        WarehouseError,
        match=r"more than maximum_bytes_billed \(5000000000 bytes\).*"
        r"raise warehouse.maximum_bytes_billed",
    ):
        warehouse.query("SELECT * FROM big")


def test_a_403_access_denied_is_one_credentials_line_and_not_retried(fake, warehouse):
    fake.fail(
        "POST",
        JOBS,
        403,
        "accessDenied",
        "Access Denied: Project test-project: User does not have bigquery.jobs.create permission.",
        times=9,
    )

    with pytest.raises(WarehouseError) as err:
        warehouse.query("SELECT 1")

    assert str(err.value) == (
        "BigQuery credentials: Access Denied: Project test-project: User does not have bigquery.jobs.create "
        f"permission.; {CREDENTIALS_HINT}"
    )
    assert len(_inserted_job_ids(fake)) == 1


def test_a_403_rate_limit_is_retried_not_reported_as_credentials(fake, warehouse):
    fake.fail("POST", JOBS, 403, "rateLimitExceeded", "Exceeded rate limits: too many api requests", times=1)
    assert warehouse.query("SELECT 1").rows == []
    assert len(_inserted_job_ids(fake)) == 2


def test_a_403_while_creating_the_table_is_a_credentials_line(fake, warehouse):
    fake.fail("GET", r"/datasets/", 403, "accessDenied", "Access Denied: Dataset test-project:nba_precompute", times=9)
    with pytest.raises(WarehouseError, match=r"^BigQuery credentials: Access Denied: Dataset"):
        warehouse.replace_partitions(
            "nba_precompute.player_daily_cache", "SELECT 1", dt.date(2022, 11, 1), dt.date(2022, 11, 1)
        )


def test_missing_application_default_credentials_are_one_line(monkeypatch, tmp_path):
    # The production path: no client given, so one is made from ADC -- which here points at nothing.
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    warehouse = BigQueryWarehouse(CONFIG)  # lazy: nothing happens yet

    with pytest.raises(WarehouseError) as err:
        warehouse.query("SELECT 1")

    message = str(err.value)
    assert message.startswith("BigQuery credentials: ") and message.endswith(CREDENTIALS_HINT)
    assert "missing.json" in message and "\n" not in message
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no chained traceback


def _user_credentials(fake):
    """End-user credentials like `gcloud auth application-default login` makes, refreshed at the fake's /token
    (built directly: from_authorized_user_file would always use Google's token endpoint)."""
    from google.oauth2.credentials import Credentials

    return Credentials(
        token=None,
        refresh_token="fake-refresh",
        client_id="fake-client",
        client_secret="fake-secret",
        token_uri=f"{fake.endpoint}/token",
    )


def test_an_expired_refresh_token_is_one_credentials_line(fake, make_warehouse):
    fake.token_ok = False
    warehouse = make_warehouse(client=fake.client(PROJECT, credentials=_user_credentials(fake)))

    with pytest.raises(WarehouseError) as err:
        warehouse.query("SELECT 1")

    assert str(err.value) == (
        f"BigQuery credentials: invalid_grant: Token has been expired or revoked.; {CREDENTIALS_HINT}"
    )
    assert [r.path for r in fake.requests] == ["/token"]  # nothing was sent without a token


def test_a_401_after_refreshing_is_one_credentials_line(fake, make_warehouse):
    fake.fail("POST", JOBS, 401, "authError", "Request had invalid authentication credentials.", times=9)
    warehouse = make_warehouse(client=fake.client(PROJECT, credentials=_user_credentials(fake)))

    with pytest.raises(WarehouseError) as err:
        warehouse.query("SELECT 1")

    assert str(err.value) == (
        f"BigQuery credentials: Request had invalid authentication credentials.; {CREDENTIALS_HINT}"
    )
    posts = [r for r in fake.requests if r.path.endswith("/jobs")]
    assert posts and all(r.headers["authorization"] == "Bearer fake-token" for r in posts)
