"""The server fuzzed over real HTTP (a launched ``wandb-jupyter server`` on loopback).

Malformed GraphQL, file_stream bodies and uploads are the client's fault: every answer
is 4xx (or 200 where the request happens to be valid), never 5xx; the server logs no
internal error; and a run stored before the fuzzing reads back byte for byte after it.
Examples are bounded so each test takes seconds.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

#: Text of any code point, lone surrogates included (they survive json.dumps as \ud800 escapes), and text
#: made of the characters that break paths, lines and encodings.
ANY_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=24),
    st.text(alphabet="\ud800\udfff\x00\n\r\x85\u2028é/.\\%:a", max_size=8),
)
SCALARS = st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.floats() | ANY_TEXT
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=10
)
FILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "wandb-history.jsonl",
            "wandb-events.jsonl",
            "output.log",
            "wandb-summary.json",
            "config.yaml",
            "code",
            "media/a.png",
            "../x",
            "a/../../x",
            "/etc/x",
            "a\\b",
            "..",
            ".",
            "",
            "a//b",
            "x/",
            "\x00",
            "%2e%2e/x",
            "a" * 300,
            "wandb-history.jsonl/x",
        ]
    ),
    ANY_TEXT,
)
OFFSETS = st.one_of(
    st.integers(min_value=-5, max_value=10**30),
    st.floats(),
    st.booleans(),
    st.none(),
    ANY_TEXT,
    st.just(2**63),
    st.just(-(2**63) - 1),
)
ENTRY = st.fixed_dictionaries(
    {}, optional={"offset": OFFSETS, "content": st.one_of(st.lists(st.one_of(ANY_TEXT, JSON), max_size=4), JSON)}
)
STREAM_BODY = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "files": st.one_of(JSON, st.dictionaries(FILE_NAMES, st.one_of(ENTRY, JSON), max_size=3)),
            "complete": JSON,
            "exitcode": st.one_of(JSON, st.integers()),
            "preempting": JSON,
            "uploaded": JSON,
        },
    ),
)

QUERIES = [
    """mutation U($name: String, $project: String, $entity: String, $config: JSONString, $tags: [String!],
                  $summaryMetrics: JSONString, $displayName: String, $id: String) {
         upsertBucket(input: {id: $id, name: $name, modelName: $project, entityName: $entity, config: $config,
                              tags: $tags, summaryMetrics: $summaryMetrics, displayName: $displayName}) {
           bucket { id name config summaryMetrics historyTail } inserted } }""",
    """mutation C($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
         createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) {
           files { name uploadUrl } } }""",
    """query P($project: String, $entity: String, $name: String!, $first: Int) {
         model(name: $project, entityName: $entity) { bucket(name: $name) { id historyTail wandbConfig
           files { edges { node { name url } } } } runs(first: $first) { edges { node { name } } } } }""",
    "query Q($entity: String, $first: Int) { projects(entityName: $entity, first: $first) "
    "{ edges { node { name } } } }",
    "mutation S($id: ID!) { stopRun(input: {id: $id}) { success } }",
    "mutation M($entity: String, $name: String) { upsertModel(input: {entityName: $entity, name: $name}) "
    "{ inserted } }",
    "query E($name: String!) { entity(name: $name) { projects(first: 5) { edges { node { name } } } } }",
    "query V { viewer { name teams { edges { node { name } } } } serverInfo { features { name } } }",
]
VARIABLE_NAMES = [
    "name",
    "project",
    "entity",
    "config",
    "tags",
    "summaryMetrics",
    "displayName",
    "id",
    "files",
    "run",
    "first",
]
GRAPHQL_BODY = st.one_of(
    st.builds(
        lambda q, v, op: {"query": q, "variables": v, **({} if op is None else {"operationName": op})},
        st.sampled_from(QUERIES),
        st.dictionaries(st.sampled_from(VARIABLE_NAMES), JSON, max_size=5),
        st.one_of(st.none(), st.sampled_from(["U", "C", "P", "Nope"]), JSON),
    ),
    st.builds(lambda q: {"query": q}, ANY_TEXT),  # unknown operations, syntax errors
    st.builds(lambda q, v: {"query": q, "variables": v}, JSON, JSON),  # wrong types
    st.sampled_from(
        [
            {"query": "{ viewer { name } " + "x " * 60_000 + "}"},  # huge
            {"query": "query { " + " ".join(f"a{i}: viewer {{ name }}" for i in range(3000)) + " }"},
            {"query": "{ project(name: " + "[" * 5000 + "]" * 5000 + ") { id } }"},  # deep
            {"query": "query A { viewer { name } } query B { viewer { id } }"},
        ]
    ),
    JSON,
)
KEYS = st.sampled_from(["admin", None, "bad"])


def _key(server, which: str | None) -> str | None:
    return {"admin": server.admin_key, "bad": "local-" + "0" * 40, None: None}[which]


def _body_bytes(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def _keep_run(server) -> dict[str, bytes]:
    """A run stored before the fuzzing ('admin/p/keep'); returns the bytes of its files."""
    rows = [json.dumps({"_step": i, "loss": 1 / (i + 1)}) for i in range(10)]
    assert server.upsert("keep", key=server.admin_key, config=json.dumps({"lr": {"value": 0.1}})).status_code == 200
    answer = server.stream(
        "admin",
        "p",
        "keep",
        {
            "files": {
                "wandb-history.jsonl": {"offset": 0, "content": rows},
                "output.log": {"offset": 0, "content": ["t0 hello"]},
                "wandb-summary.json": {"offset": 0, "content": ['{"loss": 0.1}']},
            }
        },
        key=server.admin_key,
    )
    assert answer.status_code == 200
    url = server.upload_urls("admin", "p", "keep", ["model.txt"], key=server.admin_key).json()
    import requests

    put = requests.put(url["data"]["createRunFiles"]["files"][0]["uploadUrl"], data=b"weights", timeout=30)
    assert put.status_code == 200
    assert server.upsert("fz", key=server.admin_key).status_code == 200  # the run the fuzzing writes to
    return _snapshot(server.run_dir("admin", "p", "keep"))


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _assert_intact(server, before: dict[str, bytes]) -> None:
    """The kept run's files are unchanged on disk and read back the same through the API."""
    assert _snapshot(server.run_dir("admin", "p", "keep")) == before
    answer = server.gql(
        'query { model(name: "p", entityName: "admin") { bucket(name: "keep") { '
        "historyLineCount summaryMetrics config } } }",
        key=server.admin_key,
    )
    bucket = answer.json()["data"]["model"]["bucket"]
    assert bucket["historyLineCount"] == 10
    assert json.loads(bucket["summaryMetrics"]) == {"loss": 0.1}
    assert json.loads(bucket["config"]) == {"lr": {"value": 0.1}}
    import requests

    download = requests.get(
        f"{server.url}/files/admin/p/keep/wandb-history.jsonl",
        timeout=30,
        headers={"Authorization": _auth(server.admin_key)},
    )
    assert download.content == before["files/wandb-history.jsonl"]


def _auth(key: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"api:{key}".encode()).decode()


def _assert_no_server_error(server) -> None:
    log = server.log()
    assert " ERROR " not in log and "Traceback" not in log, log[-4000:]
    assert server.process.poll() is None


def _outside_runs(data_dir: Path, tmp: Path) -> set[str]:
    """Every file under the test's tmp folder except the fuzzed run's own folder and the server's index."""
    fz = next((data_dir / "runs" / "admin" / "p").glob("run-*-fz"))
    return {
        str(p)
        for p in tmp.rglob("*")
        if p.is_file() and fz not in p.parents and not p.name.startswith("index.sqlite3") and p.name != "server.log"
    }


def test_graphql_fuzzed(launched, tmp_path: Path) -> None:
    before = _keep_run(launched)

    @FUZZ
    @given(body=GRAPHQL_BODY, key=KEYS)
    def check(body, key) -> None:
        if isinstance(body, dict) and "keep" in json.dumps(body):
            return  # the kept run is only read, never written, by this test
        answer = launched.post("/graphql", _body_bytes(body), key=_key(launched, key))
        assert answer.status_code < 500, (body, answer.status_code, answer.text[:500])
        assert answer.json().get("errors") or answer.status_code == 200

    check()
    _assert_intact(launched, before)
    _assert_no_server_error(launched)


def test_graphql_raw_bytes_fuzzed(launched) -> None:
    before = _keep_run(launched)

    @FUZZ
    @given(
        data=st.one_of(st.binary(max_size=200), st.just(b"{" * 100_000), st.just(b"[" * 100_000)),
        encoding=st.sampled_from(["", "gzip", "deflate", "br", "identity"]),
    )
    def check(data: bytes, encoding: str) -> None:
        headers = {"Content-Encoding": encoding} if encoding else {}
        answer = launched.post("/graphql", data, key=launched.admin_key, headers=headers)
        assert 400 <= answer.status_code < 500 or answer.status_code == 200, (data[:100], answer.text[:300])

    check()
    _assert_intact(launched, before)
    _assert_no_server_error(launched)


def test_file_stream_fuzzed(launched, tmp_path: Path) -> None:
    before = _keep_run(launched)
    outside = _outside_runs(launched.data_dir, tmp_path)

    @FUZZ
    @given(
        body=STREAM_BODY,
        key=KEYS,
        path=st.one_of(
            st.just(("admin", "p", "fz")),
            st.tuples(
                st.sampled_from(["admin", "bob", "nobody", "%2e%2e", ".."]),
                st.sampled_from(["p", "q", "..", "%2F"]),
                st.sampled_from(["fz", "missing", "..", "a%00b", "%ED%A0%80"]),
            ),
        ),
    )
    def check(body, key, path) -> None:
        entity, project, run = path
        answer = launched.post(
            f"/files/{entity}/{project}/{run}/file_stream", _body_bytes(body), key=_key(launched, key)
        )
        assert answer.status_code < 500, (path, body, answer.status_code, answer.text[:500])

    check()
    _assert_intact(launched, before)
    _assert_no_server_error(launched)
    assert _outside_runs(launched.data_dir, tmp_path) == outside  # nothing written beside the fuzzed run


def test_file_stream_encodings_fuzzed(launched) -> None:
    """Bad gzip/deflate, truncated streams, a gzip bomb, unknown encodings: 4xx."""
    before = _keep_run(launched)
    good = json.dumps({"files": {"wandb-history.jsonl": {"offset": 0, "content": ['{"a": 1}']}}}).encode()
    bomb = gzip.compress(b" " * (80 << 20))  # 80 MiB of spaces in ~80 KiB

    @FUZZ
    @given(
        data=st.one_of(
            st.binary(max_size=300),
            st.just(gzip.compress(good)[:-5]),
            st.just(bomb),
            st.builds(lambda junk: b"\x1f\x8b\x08\x00" + junk, st.binary(max_size=100)),
        ),
        encoding=st.sampled_from(["gzip", "deflate", "x-gzip", "compress", "GZIP"]),
    )
    def check(data: bytes, encoding: str) -> None:
        answer = launched.post(
            "/files/admin/p/fz/file_stream", data, key=launched.admin_key, headers={"Content-Encoding": encoding}
        )
        assert 400 <= answer.status_code < 500, (data[:60], encoding, answer.status_code, answer.text[:300])

    check()
    answer = launched.post(
        "/files/admin/p/fz/file_stream", bomb, key=launched.admin_key, headers={"Content-Encoding": "gzip"}
    )
    assert answer.status_code == 413 and "limit" in answer.json()["error"]
    answer = launched.post(
        "/files/admin/p/fz/file_stream",
        zlib.compress(good),
        key=launched.admin_key,
        headers={"Content-Encoding": "deflate"},
    )
    assert answer.status_code == 200
    _assert_intact(launched, before)
    _assert_no_server_error(launched)


def test_uploads_fuzzed(launched, tmp_path: Path) -> None:
    """Bad signatures, expiries and file names (traversal in every spelling): 4xx, nothing lands outside the run."""
    import requests

    before = _keep_run(launched)
    outside = _outside_runs(launched.data_dir, tmp_path)
    run_files = launched.run_dir("admin", "p", "fz") / "files"

    @FUZZ
    @given(
        name=FILE_NAMES,
        signed=st.booleans(),
        exp=st.one_of(st.none(), ANY_TEXT, st.integers()),
        sig=st.one_of(st.none(), ANY_TEXT, st.text("0123456789abcdef", min_size=64, max_size=64)),
        quoted=st.booleans(),
    )
    def check(name: str, signed: bool, exp, sig, quoted: bool) -> None:
        try:
            path = "/".join(quote(part, safe="") for part in name.split("/")) if quoted else name
            if signed:
                query = launched.signer.query(f"admin/p/fz/{name}")
            else:
                query = "&".join(f"{k}={quote(str(v))}" for k, v in (("exp", exp), ("sig", sig)) if v is not None)
            answer = requests.put(f"{launched.url}/upload/admin/p/fz/{path}?{query}", data=b"fuzz", timeout=30)
        except (requests.exceptions.InvalidURL, ValueError, UnicodeError):
            return  # a URL no client can send
        assert answer.status_code < 500, (name, answer.status_code, answer.text[:300])
        if answer.status_code == 200:
            from wandb_jupyter.server._runfiles import safe_file_name

            assert signed and safe_file_name(name) == name

    check()
    _assert_intact(launched, before)
    _assert_no_server_error(launched)
    assert _outside_runs(launched.data_dir, tmp_path) == outside
    for path in run_files.rglob("*"):  # whatever was stored is inside the run's files folder
        assert run_files.resolve() in path.resolve().parents


def test_summary_through_file_stream_stays_a_json_object(launched) -> None:
    """A summary line that is not a JSON object is refused, so the stored summary is never corrupted."""
    assert launched.upsert("s", key=launched.admin_key).status_code == 200
    good = launched.stream(
        "admin",
        "p",
        "s",
        {"files": {"wandb-summary.json": {"offset": 0, "content": ['{"a": 1}']}}},
        key=launched.admin_key,
    )
    assert good.status_code == 200
    for line in ("not json", "[1, 2]", '"text"', "{"):
        bad = launched.stream(
            "admin",
            "p",
            "s",
            {"files": {"wandb-summary.json": {"offset": 0, "content": [line]}}},
            key=launched.admin_key,
        )
        assert bad.status_code == 400, line
    summary = launched.run_dir("admin", "p", "s") / "files" / "wandb-summary.json"
    assert json.loads(summary.read_text()) == {"a": 1}


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb"])
def test_lone_surrogates_are_refused_not_half_written(launched, text: str) -> None:
    assert launched.upsert("sg", key=launched.admin_key).status_code == 200
    history = launched.run_dir("admin", "p", "sg") / "files" / "wandb-history.jsonl"
    line = '{"t": "' + text + '"}'  # the surrogate itself in the line (json.dumps of the body escapes it)
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": ['{"a": 1}', line]}}}
    answer = launched.stream("admin", "p", "sg", body, key=launched.admin_key)
    assert answer.status_code == 400 and "surrogate" in answer.json()["error"]
    assert not history.exists() or history.read_bytes() == b""
    answer = launched.upsert("sg", key=launched.admin_key, config='{"x": {"value": "' + text + '"}}')
    assert answer.status_code == 400
    answer = launched.upsert("sg", key=launched.admin_key, config=json.dumps({"x": {"value": text}}))
    assert answer.status_code == 400  # escaped inside the JSONString: found once parsed
    emoji = launched.stream(
        "admin",
        "p",
        "sg",
        {"files": {"wandb-history.jsonl": {"offset": 0, "content": [json.dumps({"t": "\U0001f600"})]}}},
        key=launched.admin_key,
    )
    assert emoji.status_code == 200  # a surrogate *pair* (escaped emoji) is fine
    assert json.loads(history.read_text(encoding="utf-8"))["t"] == "\U0001f600"
