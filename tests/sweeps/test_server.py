"""The server's sweep operations directly: rights, bad input, ids, and what a heartbeat answers."""

from __future__ import annotations

import json

import yaml

from server.conftest import LiveServer

UPSERT = """mutation UpsertSweep($id: ID, $config: String, $entityName: String, $projectName: String, $state: String) {
  upsertSweep(input: {id: $id, config: $config, entityName: $entityName, projectName: $projectName, state: $state}) {
    sweep { id name state method runCountExpected project { name entity { name } } } configValidationWarnings } }"""
AGENT = """mutation CreateAgent($host: String!, $projectName: String, $entityName: String, $sweep: String!) {
  createAgent(input: {host: $host, projectName: $projectName, entityName: $entityName, sweep: $sweep}) {
    agent { id } } }"""
BEAT = """mutation Heartbeat($id: ID!, $metrics: JSONString, $runState: JSONString) {
  agentHeartbeat(input: {id: $id, metrics: $metrics, runState: $runState}) { agent { id } commands } }"""
READ = """query S($e: String, $p: String, $s: String!) { project(name: $p, entityName: $e) { sweep(sweepName: $s) {
  name state } } }"""

CONFIG = {"method": "grid", "parameters": {"lr": {"values": [0.1, 0.01]}, "layers": {"value": 2}}}


def _create(server: LiveServer, key: str = "admin", config: dict | None = None) -> dict:
    answer = server.gql(
        UPSERT, {"config": yaml.safe_dump(config or CONFIG), "entityName": "admin", "projectName": "p"}, key=key
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["upsertSweep"]["sweep"]


def test_a_sweep_its_agents_and_their_commands(live_server: LiveServer) -> None:
    sweep = _create(live_server)
    assert sweep["state"] == "RUNNING" and sweep["method"] == "grid" and sweep["runCountExpected"] == 2
    assert sweep["project"] == {"name": "p", "entity": {"name": "admin"}}
    agent = live_server.gql(AGENT, {"host": "h", "entityName": "admin", "projectName": "p", "sweep": sweep["name"]})
    agent_id = agent.json()["data"]["createAgent"]["agent"]["id"]

    def beat(run_state: dict) -> list[dict]:
        answer = live_server.gql(BEAT, {"id": agent_id, "metrics": "{}", "runState": json.dumps(run_state)})
        assert answer.status_code == 200, answer.text
        return json.loads(answer.json()["data"]["agentHeartbeat"]["commands"])

    (first,) = beat({})
    assert first["type"] == "run" and first["args"] == {"lr": {"value": 0.1}, "layers": {"value": 2}}
    assert beat({first["run_id"]: True}) == []  # busy: nothing new
    (second,) = beat({})
    assert second["args"]["lr"] == {"value": 0.01} and second["run_id"] != first["run_id"]
    assert beat({}) == [{"type": "exit", "id": "exit"}]  # the grid is done
    paused = live_server.gql(UPSERT, {"id": sweep["id"], "state": "PAUSED", "entityName": "admin", "projectName": "p"})
    assert paused.status_code == 400 and "cannot pause a finished sweep" in paused.text


def test_rights_and_bad_input(live_server: LiveServer) -> None:
    sweep = _create(live_server)
    bob = live_server.ctx.storage.create_user("bob")
    bob_key = live_server.ctx.issue_key(bob)
    read = live_server.gql(READ, {"e": "admin", "p": "p", "s": sweep["name"]}, key=bob_key)
    assert read.json()["data"]["project"] is None  # another's project: not there, as for runs
    cancel = live_server.gql(UPSERT, {"id": sweep["id"], "state": "CANCELED"}, key=bob_key)
    assert cancel.status_code == 403
    agent = live_server.gql(
        AGENT, {"host": "h", "entityName": "admin", "projectName": "p", "sweep": sweep["name"]}, key=bob_key
    )
    assert agent.status_code == 403
    assert live_server.gql(UPSERT, {"config": "method: grid"}, key=None).status_code == 401

    bad = live_server.gql(
        UPSERT, {"config": yaml.safe_dump({"method": "grid", "parameters": {"x": {"min": 0.0, "max": 1.0}}})}
    )
    assert bad.status_code == 400 and "parameters.x" in bad.text and "discrete values" in bad.text
    broken = live_server.gql(UPSERT, {"config": "method: [grid"})
    assert broken.status_code == 400 and "not valid YAML" in broken.text
    beat = live_server.gql(BEAT, {"id": "bm9wZQ==", "runState": "{}"})
    assert beat.status_code == 404
    missing = live_server.gql(AGENT, {"host": "h", "entityName": "admin", "projectName": "p", "sweep": "nosuch12"})
    assert missing.status_code == 404
