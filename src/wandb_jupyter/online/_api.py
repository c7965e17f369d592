"""The W&B API as the SDK speaks it: GraphQL operations, file_stream and signed uploads.

The GraphQL documents are W&B SDK 0.31's own (wandb-core), byte for byte, and
every variable is sent, null when unset, as the SDK does; so this client works
against W&B's servers as well as against ``wandb-jupyter server``.

Requests to the base URL carry ``Authorization: Basic base64("api:" + key)``
and, when set, ``X-WANDB-USERNAME`` / ``X-WANDB-USER-EMAIL``. Uploads go to
the signed URLs that CreateRunFiles returns, without those headers (they may
point at another host, such as a bucket).

Errors are one of three kinds: :class:`AuthError` (the key was refused: 401 or
403; retrying will not help), :class:`RetryableError` (no connection, a
timeout, 429 or a 5xx: try again later) and :class:`ApiError` (anything else
the server refused). Messages never contain the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..common._errors import WandbJupyterError
from ..common._secrets import mask

__all__ = ["Api", "ApiError", "AuthError", "RetryableError", "OPERATIONS"]

VIEWER = """
query Viewer {
\tviewer {
\t\tid
\t\tentity
\t\tusername
\t\temail
\t\tflags
\t\tteams {
\t\t\tedges {
\t\t\t\tnode {
\t\t\t\t\tname
\t\t\t\t}
\t\t\t}
\t\t}
\t}
}
"""

SERVER_FEATURES = """
query ServerFeaturesQuery {
\tserverInfo {
\t\tfeatures {
\t\t\tname
\t\t\tisEnabled
\t\t}
\t}
}
"""

UPSERT_BUCKET = """
mutation UpsertBucket ($id: String, $name: String, $project: String, $entity: String, $groupName: String, \
$description: String, $displayName: String, $notes: String, $commit: String, $config: JSONString, $host: String, \
$debug: Boolean, $program: String, $repo: String, $jobType: String, $state: String, $sweep: String, \
$tags: [String!], $summaryMetrics: JSONString) {
\tupsertBucket(input: {id:$id,name:$name,groupName:$groupName,modelName:$project,entityName:$entity,\
description:$description,displayName:$displayName,notes:$notes,config:$config,commit:$commit,host:$host,\
debug:$debug,jobProgram:$program,jobRepo:$repo,jobType:$jobType,state:$state,sweep:$sweep,tags:$tags,\
summaryMetrics:$summaryMetrics}) {
\t\tbucket {
\t\t\tid
\t\t\tname
\t\t\tdisplayName
\t\t\tdescription
\t\t\tconfig
\t\t\tsweepName
\t\t\tproject {
\t\t\t\tid
\t\t\t\tname
\t\t\t\tentity {
\t\t\t\t\tid
\t\t\t\t\tname
\t\t\t\t}
\t\t\t}
\t\t\thistoryLineCount
\t\t}
\t\tinserted
\t}
}
"""

UPSERT_BUCKET_VARIABLES = (
    "id",
    "name",
    "project",
    "entity",
    "groupName",
    "description",
    "displayName",
    "notes",
    "commit",
    "config",
    "host",
    "debug",
    "program",
    "repo",
    "jobType",
    "state",
    "sweep",
    "tags",
    "summaryMetrics",
)

RUN_RESUME_STATUS = """
query RunResumeStatus ($project: String, $entity: String, $name: String!) {
\tmodel(name: $project, entityName: $entity) {
\t\tid
\t\tname
\t\tentity {
\t\t\tid
\t\t\tname
\t\t}
\t\tbucket(name: $name, missingOk: true) {
\t\t\tid
\t\t\tname
\t\t\tsummaryMetrics
\t\t\tdisplayName
\t\t\tlogLineCount
\t\t\thistoryLineCount
\t\t\teventsLineCount
\t\t\thistoryTail
\t\t\teventsTail
\t\t\tconfig
\t\t\ttags
\t\t\tnotes
\t\t\twandbConfig(keys: ["t"])
\t\t}
\t}
}
"""

CREATE_RUN_FILES = """
mutation CreateRunFiles ($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
\tcreateRunFiles(input: {entityName:$entity,projectName:$project,runName:$run,files:$files}) {
\t\trunID
\t\tuploadHeaders
\t\tfiles {
\t\t\tname
\t\t\tuploadUrl
\t\t}
\t}
}
"""

# Anonymous accounts: the mutation older W&B SDKs sent (0.31 no longer offers anonymous mode).
CREATE_ANONYMOUS_API_KEY = """
mutation CreateAnonymousApiKey {
\tcreateAnonymousEntity(input: {}) {
\t\tapiKey {
\t\t\tname
\t\t}
\t}
}
"""

# run.alert(): W&B 0.31's document, byte for byte (its waitDuration is in milliseconds).
NOTIFY_SCRIPTABLE_RUN_ALERT = """
mutation NotifyScriptableRunAlert ($entityName: String!, $projectName: String!, $runName: String!, \
$title: String!, $text: String!, $severity: AlertSeverity = INFO, $waitDuration: Duration) {
\tnotifyScriptableRunAlert(input: {entityName:$entityName,projectName:$projectName,runName:$runName,\
title:$title,text:$text,severity:$severity,waitDuration:$waitDuration}) {
\t\tsuccess
\t}
}
"""

#: Operation name -> document, for tests and for the parity check.
OPERATIONS = {
    "Viewer": VIEWER,
    "ServerFeaturesQuery": SERVER_FEATURES,
    "UpsertBucket": UPSERT_BUCKET,
    "RunResumeStatus": RUN_RESUME_STATUS,
    "CreateRunFiles": CREATE_RUN_FILES,
    "CreateAnonymousApiKey": CREATE_ANONYMOUS_API_KEY,
    "NotifyScriptableRunAlert": NOTIFY_SCRIPTABLE_RUN_ALERT,
}

#: (connect, read) seconds for API calls; the sender's calls, init's and the CLI's.
TIMEOUT = (5.0, 60.0)


class ApiError(WandbJupyterError):
    """The server refused a request; ``status`` is the HTTP status (0 without an answer)."""

    retryable = False

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class AuthError(ApiError):
    """The API key was refused (401) or may not do this (403)."""


class RetryableError(ApiError):
    """No answer, a timeout, 429 or a server error: the same request may succeed later."""

    retryable = True


def _message(answer: Any) -> str:
    """The server's own error text, shortened, from a JSON or plain answer."""
    try:
        payload = answer.json()
    except ValueError:
        return (answer.text or answer.reason or "").strip()[:300]
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("message"):
            return "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))[:300]
        if payload.get("error"):
            return str(payload["error"])[:300]
    return str(payload)[:300]


class Api:
    """One server, one key. Thread-safe enough for one sender plus init (separate sessions)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        username: str | None = None,
        user_email: str | None = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        import requests  # the one place the network stack is imported

        from ..common._package_version import __version__

        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.timeout = timeout
        self._requests = requests
        self._session = self._new_session(requests, self.base_url)
        self._session.auth = ("api", api_key)
        self._session.headers["User-Agent"] = f"wandb-jupyter/{__version__}"
        if username:
            self._session.headers["X-WANDB-USERNAME"] = username
        if user_email:
            self._session.headers["X-WANDB-USER-EMAIL"] = user_email
        self._plain = requests.Session()  # signed upload URLs: no key, no attribution, the usual proxy rules
        self._plain.headers["User-Agent"] = f"wandb-jupyter/{__version__}"

    @staticmethod
    def _new_session(requests: Any, base_url: str) -> Any:
        """A session for the base URL with the environment's proxy and CA settings read once.

        requests reads them (walking os.environ) on every request otherwise; for a
        sender that posts many times a second that is the largest cost it has.
        """
        import os

        session = requests.Session()
        session.proxies.update(requests.utils.get_environ_proxies(base_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
        session.trust_env = False
        return session

    def __repr__(self) -> str:
        return f"<Api {self.base_url} key={mask(self._key)}>"

    def close(self) -> None:
        self._session.close()
        self._plain.close()

    # -- transport ------------------------------------------------------------
    def _post(self, path: str, payload: Any, *, timeout: Any = None, auth: bool = True) -> Any:
        """POST JSON: ``payload`` is encoded here, or is the body's bytes already."""
        if isinstance(payload, bytes):
            data = payload
        else:
            data = json.dumps(payload, separators=(",", ":"), allow_nan=True).encode("utf-8")
        session = self._session if auth else self._plain
        try:
            return session.post(
                f"{self.base_url}{path}",
                data=data,
                timeout=timeout or self.timeout,
                headers={"Content-Type": "application/json"},
            )
        except self._requests.RequestException as error:
            raise RetryableError(f"{self.base_url} did not answer ({type(error).__name__})") from None

    def _check(self, answer: Any, what: str) -> None:
        status = answer.status_code
        if status < 400:
            return
        text = _message(answer)
        if status in (401, 403):
            raise AuthError(f"{what}: {self.base_url} refused the API key ({status}: {text})", status)
        if status == 429 or status >= 500:
            raise RetryableError(f"{what}: {self.base_url} answered {status} ({text})", status)
        raise ApiError(f"{what}: {self.base_url} answered {status} ({text})", status)

    def graphql(
        self, operation: str, variables: dict[str, Any] | None = None, *, timeout: Any = None, auth: bool = True
    ) -> dict[str, Any]:
        """Run one of :data:`OPERATIONS`; returns its ``data``."""
        return self.execute(OPERATIONS[operation], operation, variables, timeout=timeout, auth=auth)

    def execute(
        self,
        query: str,
        operation: str,
        variables: dict[str, Any] | None = None,
        *,
        timeout: Any = None,
        auth: bool = True,
    ) -> dict[str, Any]:
        """Run the operation ``operation`` of the document ``query`` (other layers' own documents, such as
        the read API's); returns its ``data``."""
        payload: dict[str, Any] = {"query": query, "operationName": operation}
        if variables is not None:
            payload["variables"] = variables
        answer = self._post("/graphql", payload, timeout=timeout, auth=auth)
        self._check(answer, operation)
        try:
            body = answer.json()
        except ValueError:
            raise RetryableError(
                f"{operation}: {self.base_url} answered something that is not JSON", answer.status_code
            ) from None
        if not isinstance(body, dict):
            raise ApiError(f"{operation}: unexpected answer from {self.base_url}")
        if body.get("errors"):
            raise ApiError(f"{operation}: {_message(answer)}", answer.status_code)
        return body.get("data") or {}

    # -- operations ------------------------------------------------------------
    def viewer(self, *, timeout: Any = None) -> dict[str, Any] | None:
        return self.graphql("Viewer", timeout=timeout).get("viewer")

    def server_features(self, *, timeout: Any = None) -> dict[str, bool]:
        info = self.graphql("ServerFeaturesQuery", timeout=timeout).get("serverInfo") or {}
        return {f["name"]: bool(f.get("isEnabled")) for f in info.get("features") or [] if isinstance(f, dict)}

    def upsert_bucket(self, *, timeout: Any = None, **values: Any) -> dict[str, Any]:
        """UpsertBucket with every variable present (null when not given); returns the payload."""
        unknown = set(values) - set(UPSERT_BUCKET_VARIABLES)
        if unknown:
            raise TypeError(f"unknown UpsertBucket variables: {sorted(unknown)}")
        variables = {name: values.get(name) for name in UPSERT_BUCKET_VARIABLES}
        payload = self.graphql("UpsertBucket", variables, timeout=timeout).get("upsertBucket")
        if not isinstance(payload, dict) or not isinstance(payload.get("bucket"), dict):
            raise ApiError(f"UpsertBucket: {self.base_url} returned no run")
        return payload

    def run_resume_status(
        self, entity: str | None, project: str, name: str, *, timeout: Any = None
    ) -> dict[str, Any] | None:
        """The run as RunResumeStatus describes it, or None when it does not exist."""
        data = self.graphql("RunResumeStatus", {"project": project, "entity": entity, "name": name}, timeout=timeout)
        model = data.get("model")
        return model.get("bucket") if isinstance(model, dict) else None

    def create_run_files(self, entity: str, project: str, run: str, files: list[str]) -> dict[str, Any]:
        data = self.graphql("CreateRunFiles", {"entity": entity, "project": project, "run": run, "files": files})
        payload = data.get("createRunFiles")
        if not isinstance(payload, dict):
            raise ApiError(f"CreateRunFiles: {self.base_url} returned no upload URLs")
        return payload

    def create_anonymous_key(self, *, timeout: Any = None) -> str:
        data = self.graphql("CreateAnonymousApiKey", timeout=timeout, auth=False)
        key = ((data.get("createAnonymousEntity") or {}).get("apiKey") or {}).get("name")
        if not isinstance(key, str) or not key:
            raise ApiError(f"{self.base_url} did not issue an anonymous key")
        return key

    def notify_alert(
        self, entity: str, project: str, run: str, *, title: str, text: str, severity: str, wait_ms: int
    ) -> None:
        """One ``run.alert()``: the server notifies, unless it saw the title within ``wait_ms``."""
        variables = {
            "entityName": entity,
            "projectName": project,
            "runName": run,
            "title": title,
            "text": text,
            "severity": severity,
            "waitDuration": wait_ms,
        }
        self.graphql("NotifyScriptableRunAlert", variables)

    def upload(self, url: str, path: Path, headers: list[str] | None = None) -> None:
        """PUT one file to a signed URL from CreateRunFiles."""
        extra = {}
        for header in headers or []:
            name, sep, value = header.partition(":")
            if sep:
                extra[name.strip()] = value.strip()
        with open(path, "rb") as handle:
            try:
                answer = self._plain.put(url, data=handle, headers=extra, timeout=self.timeout)
            except self._requests.RequestException as error:
                raise RetryableError(f"uploading {path.name} failed ({type(error).__name__})") from None
        self._check(answer, f"uploading {path.name}")

    def download(self, url: str, path: Path) -> None:
        """GET a run file into ``path`` in chunks; the key goes only to the base URL's own host."""
        session = self._session if url.startswith(self.base_url + "/") else self._plain
        try:
            with session.get(url, stream=True, timeout=self.timeout) as answer:
                self._check(answer, f"downloading {path.name}")
                tmp = path.with_name(f".{path.name}.download")
                with open(tmp, "wb") as handle:
                    for chunk in answer.iter_content(1 << 20):
                        handle.write(chunk)
                tmp.replace(path)
        except self._requests.RequestException as error:
            raise RetryableError(f"downloading {path.name} failed ({type(error).__name__})") from None

    def file_stream(self, entity: str, project: str, run: str, body: dict[str, Any] | bytes) -> dict[str, Any]:
        """POST one file_stream request (a dict, or its JSON bytes); returns the answer ({} or {"stopped": true})."""
        from urllib.parse import quote

        path = f"/files/{quote(entity, safe='')}/{quote(project, safe='')}/{quote(run, safe='')}/file_stream"
        answer = self._post(path, body)
        self._check(answer, "file_stream")
        try:
            reply = answer.json()
        except ValueError:
            return {}
        return reply if isinstance(reply, dict) else {}
