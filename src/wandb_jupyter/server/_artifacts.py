"""Artifacts over GraphQL: the operations W&B's SDK 0.31 sends to log, use, find and download them.

Logging (what W&B's core sends, in order): ``CreateArtifact`` (a PENDING version, or the committed one of
the same manifest digest: W&B makes no new version for identical content), ``CreateArtifactManifest``
(a signed URL for ``wandb_manifest.json``), ``CreateArtifactFiles`` (a signed PUT URL per file, none for a
file the entity's store holds already: identical files are sent and stored once), the PUTs,
``UpdateArtifactManifest`` + PUT of the manifest, ``CommitArtifact`` (checks that the manifest and every
file it lists arrived, then gives the version its number and aliases). Using: ``ArtifactMembershipByName``
(``project.artifactCollectionMembership``), ``FetchArtifactManifest``, ``GetArtifactMembershipFileUrls``
(signed GET URLs), ``UseArtifact`` (lineage). The same rules as runs: members of an entity write to it;
readers of the entity read its artifacts.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import quote

from graphql import GraphQLResolveInfo

from ._artifact_blobs import ArtifactBlobs, BadDigest, b64_to_hex
from ._artifact_index import COMMITTED, PENDING, ArtifactIndex, ArtifactRow, SequenceRow, artifact_index
from ._context import ClientError, Forbidden, NotFound, Unauthorized, decode_id, encode_id
from ._resolvers import ProjectNode, RunNode, check_project_name, iso
from ._storage import Project, StorageError

__all__ = ["FIELDS", "blobs_of", "index_of", "manifest_digest", "ARTIFACT_NAME"]

#: W&B's rule for artifact names: letters, digits, '-', '_', '.'; no '/' or ':' (which split entity/project and
#: the alias).
ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
_ALIAS = re.compile(r"^[^/:]{1,128}$")
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
_MANIFEST_HEADER = b"wandb-artifact-manifest-v1\n"


def index_of(info: GraphQLResolveInfo) -> ArtifactIndex:
    return artifact_index(info.context.server.storage)


def blobs_of(server: Any) -> ArtifactBlobs:
    blobs = getattr(server, "_artifact_blobs", None)
    if blobs is None:
        blobs = server._artifact_blobs = ArtifactBlobs(server.data_dir)
    return blobs


def manifest_digest(contents: dict[str, Any]) -> str:
    """W&B's digest of a manifest (MANIFEST_MD5): MD5 of a header and ``path:digest`` lines by path."""
    hasher = hashlib.md5(_MANIFEST_HEADER)
    for path in sorted(contents):
        hasher.update(f"{path}:{contents[path].get('digest')}\n".encode())
    return hasher.hexdigest()


def check_artifact_name(name: str) -> str:
    if not ARTIFACT_NAME.match(name or ""):
        raise ClientError(f"invalid artifact name {name!r}: 1 to 128 letters, digits, '-', '_' or '.' (no '/' or ':')")
    return name


def _aliases(values: list[dict[str, Any]] | None, sequence: str) -> list[str]:
    out = []
    for value in values or []:
        alias = value.get("alias") or ""
        if value.get("artifactCollectionName") not in (None, sequence):
            continue  # an alias of a portfolio link: this server links within the sequence only
        if not _ALIAS.match(alias) or (alias.startswith("v") and alias[1:].isdigit()):
            raise ClientError(f"invalid alias {alias!r}: no '/' or ':', and not a version such as v3")
        out.append(alias)
    return out


# -- access ------------------------------------------------------------


def _user(info: GraphQLResolveInfo) -> Any:
    user = info.context.caller.user
    if user is None:
        raise Unauthorized("an API key is required")
    return user


def _writable_project(info: GraphQLResolveInfo, entity_name: str, project_name: str) -> Project:
    server = info.context.server
    user = _user(info)
    entity = server.storage.get_entity(entity_name or user.entity)
    if entity is None:
        raise NotFound(f"entity {entity_name!r} does not exist")
    if not server.can_write(user, entity):
        raise Forbidden(f"user {user.name!r} cannot write to entity {entity.name!r}")
    return server.storage.ensure_project(entity, check_project_name(project_name))


def _artifact_for(info: GraphQLResolveInfo, artifact_id: str, *, write: bool) -> ArtifactRow:
    """The artifact of ``artifact_id`` the caller may read (or write); NotFound hides others' artifacts."""
    pk = decode_id("Artifact", artifact_id or "")
    row = index_of(info).get(pk) if pk else None
    server = info.context.server
    project = server.storage._project_by_pk(row.sequence.project_pk) if row else None
    user = info.context.caller.user
    needs_write = write or (row is not None and row.state == PENDING)
    allowed = project is not None and (
        server.can_write(user, project.entity) if needs_write else server.can_read(user, project.entity)
    )
    if row is None or not allowed:
        raise NotFound(f"artifact {artifact_id!r} does not exist")
    return row


def _project_of(info: GraphQLResolveInfo, row: ArtifactRow | SequenceRow) -> Project:
    project_pk = row.sequence.project_pk if isinstance(row, ArtifactRow) else row.project_pk
    return info.context.server.storage._project_by_pk(project_pk)


def _signed(info: GraphQLResolveInfo, path: str, *, method: str) -> str:
    server = info.context.server
    query = server.signer.query(path if method == "PUT" else f"GET {path}")
    return f"{info.context.base_url}/{path}?{query}"


def blob_path(entity: str, hexdigest: str) -> str:
    return f"artifact-files/{quote(entity, safe='')}/{hexdigest}"


def manifest_path(entity: str, artifact_pk: int) -> str:
    return f"artifact-manifests/{quote(entity, safe='')}/{artifact_pk}"


def read_manifest(server: Any, entity: str, artifact_pk: int) -> dict[str, Any] | None:
    try:
        data = json.loads(blobs_of(server).manifest(entity, artifact_pk).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("contents"), dict) else None


# -- nodes ------------------------------------------------------------


def _page(items: list[Any], first: int | None, after: str | None) -> tuple[list[tuple[int, Any]], bool]:
    start = int(after) if after and after.isdigit() else 0
    if first is not None and first < 0:
        raise ClientError("'first' must not be negative")
    end = len(items) if first is None else start + first
    return list(enumerate(items))[start:end], end < len(items)


def _connection(items: list[Any], first: int | None, after: str | None, **extra: Any) -> dict[str, Any]:
    page, more = _page(items, first, after)
    return {
        "edges": [{"node": node, "cursor": str(i + 1)} for i, node in page],
        "pageInfo": {
            "endCursor": str(page[-1][0] + 1) if page else after,
            "hasNextPage": more,
            "startCursor": None,
            "hasPreviousPage": False,
        },
        "totalCount": len(items),
        **extra,
    }


class TypeNode:
    def __init__(self, pk: int, name: str, created_at: float, project: Project) -> None:
        self._project = project
        self.id = encode_id("ArtifactType", pk)
        self.name = name
        self.description = None
        self.createdAt = iso(created_at)

    def artifactCollections(
        self, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None, **_filters: Any
    ) -> Any:
        sequences = index_of(info).sequences(self._project, self.name)
        return _connection([CollectionNode(s) for s in sequences], first, after)

    artifactSequences = artifactCollections

    def artifactCollection(self, info: GraphQLResolveInfo, name: str) -> CollectionNode | None:
        sequence = index_of(info).sequence(self._project, name)
        return CollectionNode(sequence) if sequence and sequence.type_name == self.name else None


class CollectionNode:
    """An artifact's sequence (W&B's ArtifactSequence, an ArtifactCollection)."""

    __typename = "ArtifactSequence"

    def __init__(self, sequence: SequenceRow) -> None:
        self._sequence = sequence
        self.id = encode_id("ArtifactCollection", sequence.pk)
        self.name = sequence.name
        self.description = sequence.description
        self.createdAt = self.updatedAt = iso(sequence.created_at)
        self.tags: dict[str, Any] = {"edges": []}

    def project(self, info: GraphQLResolveInfo) -> ProjectNode:
        return ProjectNode(_project_of(info, self._sequence))

    def defaultArtifactType(self, info: GraphQLResolveInfo) -> dict[str, Any]:
        return {"id": encode_id("ArtifactTypeName", self._sequence.pk), "name": self._sequence.type_name}

    def latestArtifact(self, info: GraphQLResolveInfo) -> ArtifactNode | None:
        row = index_of(info).by_alias(self._sequence.pk, "latest")
        return ArtifactNode(row) if row else None

    def artifactMembership(self, info: GraphQLResolveInfo, aliasName: str) -> MembershipNode | None:
        row = index_of(info).by_alias(self._sequence.pk, aliasName)
        return MembershipNode(row) if row else None

    def artifacts(
        self, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None, **_order: Any
    ) -> Any:
        """Committed versions, newest first (W&B's order; its only filter the SDK sends is state COMMITTED)."""
        rows = list(reversed(index_of(info).versions(self._sequence.pk)))
        nodes = [ArtifactNode(row) for row in rows]
        connection = _connection(nodes, first, after)
        for edge in connection["edges"]:
            edge["version"] = edge["node"].version
        return connection

    def aliases(self, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None) -> Any:
        index = index_of(info)
        nodes = [
            AliasNode(alias, self._sequence, row.pk)
            for row in index.versions(self._sequence.pk)
            for alias in index.aliases(row.pk)
        ]
        return _connection(nodes, first, after)


class AliasNode:
    def __init__(self, alias: str, sequence: SequenceRow, artifact_pk: int) -> None:
        self.id = encode_id("ArtifactAlias", artifact_pk * 1_000_003 + (hash(alias) & 0xFFFFF))
        self.alias = alias
        self.artifactCollection = CollectionNode(sequence)


def _files(info: GraphQLResolveInfo, row: ArtifactRow, after: str | None, first: int | None, names: Any) -> Any:
    """The manifest's entries as W&B File nodes: a stored file with a signed download URL, a reference
    with the URI it points to (the SDK downloads only the files listed here)."""
    project = _project_of(info, row)
    manifest = read_manifest(info.context.server, project.entity.name, row.pk) or {"contents": {}}
    nodes = []
    for i, (path, entry) in enumerate(manifest["contents"].items()):
        if names is not None and path not in names:
            continue
        md5 = entry.get("digest")
        if entry.get("ref"):
            url = str(entry["ref"])  # a reference is fetched from where it points, by the client
        else:
            try:
                url = _signed(info, blob_path(project.entity.name, b64_to_hex(md5)), method="GET")
            except BadDigest:
                continue
        nodes.append(
            {
                "id": encode_id("File", row.pk * 1_000_003 + i),
                "name": path,
                "sizeBytes": entry.get("size"),
                "updatedAt": iso(row.updated_at),
                "url": url,
                "directUrl": url,
                "md5": md5,
                "mimetype": None,
            }
        )
    return _connection(nodes, first, after)


class ArtifactNode:
    def __init__(self, row: ArtifactRow) -> None:
        self._row = row
        self.id = encode_id("Artifact", row.pk)
        self.versionIndex = row.version_index
        self.version = row.version
        self.description = row.description
        self.metadata = row.metadata or "{}"
        self.ttlDurationSeconds = row.ttl_seconds if row.ttl_seconds is not None else -2
        self.ttlIsInherited = row.ttl_seconds is None
        self.tags = [{"id": encode_id("Tag", hash(t) & 0x7FFFFFFF), "name": t} for t in row.tags]
        self.historyStep = row.history_step
        self.state = row.state
        self.size = row.size
        self.digest = row.digest
        self.digestAlgorithm = "MANIFEST_MD5"
        self.commitHash = row.digest[:20] if row.state == COMMITTED else None
        self.fileCount = row.file_count
        self.createdAt = iso(row.created_at)
        self.updatedAt = iso(row.updated_at)
        self.artifactSequence = CollectionNode(row.sequence)
        self.artifactType = {"id": encode_id("ArtifactTypeName", row.sequence.pk), "name": row.sequence.type_name}

    def aliases(self, info: GraphQLResolveInfo) -> list[AliasNode]:
        return [AliasNode(a, self._row.sequence, self._row.pk) for a in index_of(info).aliases(self._row.pk)]

    def currentManifest(self, info: GraphQLResolveInfo) -> dict[str, Any] | None:
        entity = _project_of(info, self._row).entity.name
        if not blobs_of(info.context.server).manifest(entity, self._row.pk).is_file():
            return None
        return {
            "id": encode_id("ArtifactManifest", self._row.pk),
            "file": {
                "id": encode_id("ArtifactManifestFile", self._row.pk),
                "name": "wandb_manifest.json",
                "uploadUrl": None,
                "uploadHeaders": [],
                "directUrl": _signed(info, manifest_path(entity, self._row.pk), method="GET"),
            },
        }

    def createdBy(self, info: GraphQLResolveInfo) -> RunNode | None:
        pk = self._row.created_by_run
        run = info.context.server.storage.get_run_by_pk(pk) if pk else None
        return RunNode(run) if run else None

    def usedBy(self, info: GraphQLResolveInfo, first: int | None = None) -> dict[str, Any]:
        storage = info.context.server.storage
        runs = [storage.get_run_by_pk(pk) for pk in index_of(info).used_by(self._row.pk)]
        return {"edges": [{"node": RunNode(run)} for run in runs if run][:first]}

    def files(
        self, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None, names: Any = None
    ) -> Any:
        return _files(info, self._row, after, first, names)


class MembershipNode:
    def __init__(self, row: ArtifactRow) -> None:
        self._row = row
        self.id = encode_id("ArtifactCollectionMembership", row.pk)
        self.versionIndex = row.version_index
        self.createdAt = iso(row.created_at)
        self.artifactCollection = CollectionNode(row.sequence)
        self.artifact = ArtifactNode(row)

    def aliases(self, info: GraphQLResolveInfo) -> list[AliasNode]:
        return self.artifact.aliases(info)

    def files(
        self, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None, names: Any = None
    ) -> Any:
        return _files(info, self._row, after, first, names)


# -- project and run fields ------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    sequence, _, alias = name.partition(":")
    return sequence, alias or "latest"


def _by_name(root: ProjectNode, info: GraphQLResolveInfo, name: str) -> ArtifactRow | None:
    sequence_name, alias = _split_name(name)
    sequence = index_of(info).sequence(root._project, sequence_name)
    return index_of(info).by_alias(sequence.pk, alias) if sequence else None


def resolve_project_artifact(root: ProjectNode, info: GraphQLResolveInfo, name: str) -> ArtifactNode | None:
    row = _by_name(root, info, name)
    return ArtifactNode(row) if row else None


def resolve_project_membership(root: ProjectNode, info: GraphQLResolveInfo, name: str) -> MembershipNode | None:
    row = _by_name(root, info, name)
    return MembershipNode(row) if row else None


def resolve_project_collection(root: ProjectNode, info: GraphQLResolveInfo, name: str) -> CollectionNode | None:
    sequence = index_of(info).sequence(root._project, name)
    return CollectionNode(sequence) if sequence else None


def resolve_project_type(root: ProjectNode, info: GraphQLResolveInfo, name: str) -> TypeNode | None:
    for pk, type_name, created in index_of(info).type_names(root._project):
        if type_name == name:
            return TypeNode(pk, type_name, created, root._project)
    return None


def resolve_project_types(
    root: ProjectNode, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None
) -> Any:
    types = [TypeNode(pk, n, c, root._project) for pk, n, c in index_of(info).type_names(root._project)]
    return _connection(types, first, after)


def resolve_run_outputs(root: RunNode, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None):
    return _connection([ArtifactNode(r) for r in index_of(info).created_by(root._run.pk)], first, after)


def resolve_run_inputs(root: RunNode, info: GraphQLResolveInfo, after: str | None = None, first: int | None = None):
    return _connection([ArtifactNode(r) for r in index_of(info).used_in(root._run.pk)], first, after)


def resolve_artifact(_root: Any, info: GraphQLResolveInfo, id: str) -> ArtifactNode | None:
    try:
        return ArtifactNode(_artifact_for(info, id, write=False))
    except NotFound:
        return None


# -- mutations ------------------------------------------------------------


def _json_object(text: str | None, what: str) -> str | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise ClientError(f"{what} must be a JSON object") from None
    if not isinstance(value, dict):
        raise ClientError(f"{what} must be a JSON object")
    return text


def resolve_create_artifact(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    server = info.context.server
    name = check_artifact_name(input.get("artifactCollectionName") or "")
    type_name = input["artifactTypeName"]
    if not ARTIFACT_NAME.match(type_name or ""):
        raise ClientError(f"invalid artifact type {type_name!r}")
    digest = input["digest"]
    if not re.match(r"^[0-9a-f]{32}$", digest or ""):
        raise ClientError(f"invalid manifest digest {digest!r}: an MD5 in hex")
    run_pk = None
    if input.get("runName"):
        run = server.writable_run(info.context.caller, input["entityName"], input["projectName"], input["runName"])
        project, run_pk = run.project, run.pk
    else:
        project = _writable_project(info, input["entityName"], input["projectName"])
    fields = {
        "description": input.get("description"),
        "metadata": _json_object(input.get("metadata"), "metadata"),
        "ttl_seconds": input.get("ttlDurationSeconds"),
        "history_step": input.get("historyStep"),
        "created_by_run": run_pk,
        "tags": [t["tagName"] for t in input.get("tags") or []],
    }
    try:
        row, _existing = index_of(info).create(
            project,
            sequence=name,
            type_name=type_name,
            digest=digest,
            aliases=_aliases(input.get("aliases"), name),
            fields=fields,
        )
    except StorageError as error:
        raise ClientError(str(error)) from None
    return {"artifact": ArtifactNode(row), "clientMutationId": input.get("clientMutationId")}


def _manifest_payload(info: GraphQLResolveInfo, row: ArtifactRow, input: dict[str, Any]) -> dict[str, Any]:
    entity = _project_of(info, row).entity.name
    return {
        "artifactManifest": {
            "id": encode_id("ArtifactManifest", row.pk),
            "file": {
                "id": encode_id("ArtifactManifestFile", row.pk),
                "name": "wandb_manifest.json",
                "uploadUrl": _signed(info, manifest_path(entity, row.pk), method="PUT"),
                "uploadHeaders": [],
                "directUrl": None,
            },
        },
        "clientMutationId": input.get("clientMutationId"),
    }


def _pending(info: GraphQLResolveInfo, artifact_id: str) -> ArtifactRow:
    row = _artifact_for(info, artifact_id, write=True)
    if row.state != PENDING:
        raise ClientError(f"artifact {row.sequence.name}:{row.version} is committed: its files cannot change")
    return row


def resolve_create_manifest(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    return _manifest_payload(info, _pending(info, input["artifactID"]), input)


def resolve_update_manifest(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    pk = decode_id("ArtifactManifest", input["artifactManifestID"] or "")
    return _manifest_payload(info, _pending(info, encode_id("Artifact", pk or 0)), input)


def resolve_create_files(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    server = info.context.server
    blobs = blobs_of(server)
    rows: dict[str, ArtifactRow] = {}
    edges: list[dict[str, Any]] = []
    for spec in input["artifactFiles"]:
        row = rows.get(spec["artifactID"]) or _pending(info, spec["artifactID"])
        rows[spec["artifactID"]] = row
        entity = _project_of(info, row).entity.name
        try:
            hexdigest = b64_to_hex(spec["md5"])
        except BadDigest as error:
            raise ClientError(f"file {spec['name']!r}: {error}") from None
        path = blob_path(entity, hexdigest)
        present = blobs.has(entity, hexdigest)
        edges.append(
            {
                "node": {
                    "id": encode_id("File", row.pk * 1_000_003 + len(edges)),
                    "name": spec["name"],
                    "displayName": spec["name"].rsplit("/", 1)[-1],
                    "storagePath": f"{entity}/{hexdigest}",
                    # a file the entity's store holds already is not sent again (W&B answers no URL)
                    "uploadUrl": None if present else _signed(info, path, method="PUT"),
                    "uploadHeaders": [],
                    "uploadMultipartUrls": None,
                    "artifact": ArtifactNode(row),
                }
            }
        )
    return {"files": {"edges": edges}, "clientMutationId": input.get("clientMutationId")}


def resolve_complete_multipart(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    raise ClientError("this server hands out no multipart uploads (each file is one PUT)")


def resolve_commit(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    row = _artifact_for(info, input["artifactID"], write=True)
    if row.state == PENDING:
        server = info.context.server
        entity = _project_of(info, row).entity.name
        manifest = read_manifest(server, entity, row.pk)
        if manifest is None:
            raise ClientError(f"artifact {row.sequence.name}: its manifest was not uploaded; nothing is committed")
        contents = manifest["contents"]
        if manifest_digest(contents) != row.digest:
            raise ClientError(f"artifact {row.sequence.name}: the manifest uploaded does not have digest {row.digest}")
        blobs = blobs_of(server)
        size = 0
        for path, entry in contents.items():
            size += int(entry.get("size") or 0)
            if entry.get("ref"):
                continue
            try:
                present = blobs.has(entity, b64_to_hex(entry.get("digest") or ""))
            except BadDigest:
                present = False
            if not present:
                raise ClientError(f"artifact {row.sequence.name}: file {path!r} was not uploaded; nothing is committed")
        row = index_of(info).commit(row, size=size, file_count=len(contents))
    return {"artifact": ArtifactNode(row), "clientMutationId": input.get("clientMutationId")}


def resolve_use(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    server = info.context.server
    run = server.writable_run(info.context.caller, input["entityName"], input["projectName"], input["runName"])
    row = _artifact_for(info, input["artifactID"], write=False)
    index_of(info).use(row, run.pk)
    return {"artifact": ArtifactNode(row), "clientMutationId": input.get("clientMutationId")}


def resolve_link(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """W&B links a version into a registry's portfolio; here the portfolio is a sequence of the target project
    that gets the version's manifest (its files are the entity's already) as a new committed version."""
    server = info.context.server
    row = _artifact_for(info, input.get("artifactID") or "", write=False)
    if row.state != COMMITTED:
        raise ClientError("only a committed artifact can be linked")
    target = _writable_project(info, input["entityName"], input["projectName"])
    source_entity = _project_of(info, row).entity.name
    if target.entity.name != source_entity:
        raise ClientError("an artifact links within its entity on this server")
    portfolio = check_artifact_name(input["artifactPortfolioName"])
    index = index_of(info)
    try:
        linked, existing = index.create(
            target,
            sequence=portfolio,
            type_name=row.sequence.type_name,
            digest=row.digest,
            aliases=_aliases(input.get("aliases"), portfolio),
            fields={"description": row.description, "metadata": row.metadata, "created_by_run": row.created_by_run},
        )
    except StorageError as error:
        raise ClientError(str(error)) from None
    if not existing:
        blobs = blobs_of(server)
        source = blobs.manifest(source_entity, row.pk)
        final = blobs.manifest(source_entity, linked.pk)
        tmp = blobs.temp_for(final)
        tmp.write_bytes(source.read_bytes())
        tmp.replace(final)
        linked = index.commit(linked, size=row.size, file_count=row.file_count)
    return {"versionIndex": linked.version_index, "clientMutationId": input.get("clientMutationId")}


def resolve_update(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    row = _artifact_for(info, input["artifactID"], write=True)
    fields: dict[str, Any] = {}
    if input.get("description") is not None:
        fields["description"] = input["description"]
    if input.get("metadata") is not None:
        fields["metadata"] = _json_object(input["metadata"], "metadata")
    if input.get("ttlDurationSeconds") is not None:
        fields["ttl_seconds"] = input["ttlDurationSeconds"]
    if input.get("tagsToAdd") or input.get("tagsToDelete"):
        drop = {t["tagName"] for t in input.get("tagsToDelete") or []}
        tags = [t for t in row.tags if t not in drop] + [t["tagName"] for t in input.get("tagsToAdd") or []]
        fields["tags"] = list(dict.fromkeys(tags))
    row = index_of(info).update(row, fields)
    if input.get("aliases") is not None:
        index_of(info).add_aliases(row, _aliases(input["aliases"], row.sequence.name))
    return {"artifact": ArtifactNode(row), "clientMutationId": input.get("clientMutationId")}


def resolve_add_aliases(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    row = _artifact_for(info, input["artifactID"], write=True)
    index_of(info).add_aliases(row, _aliases(input["aliases"], row.sequence.name))
    return {"success": True, "clientMutationId": input.get("clientMutationId")}


def resolve_delete_aliases(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    row = _artifact_for(info, input["artifactID"], write=True)
    index_of(info).delete_aliases(row, [a["alias"] for a in input["aliases"]])
    return {"success": True, "clientMutationId": input.get("clientMutationId")}


def resolve_delete(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    row = _artifact_for(info, input["artifactID"], write=True)
    if index_of(info).aliases(row.pk) and not input.get("deleteAliases"):
        raise ClientError("the artifact has aliases: delete them first, or pass deleteAliases")
    index_of(info).delete(row)
    return {"artifact": ArtifactNode(index_of(info).get(row.pk)), "clientMutationId": input.get("clientMutationId")}  # type: ignore[arg-type]


FIELDS: dict[str, dict[str, Any]] = {
    "Query": {"artifact": resolve_artifact},
    "Mutation": {
        "createArtifact": resolve_create_artifact,
        "createArtifactManifest": resolve_create_manifest,
        "updateArtifactManifest": resolve_update_manifest,
        "createArtifactFiles": resolve_create_files,
        "completeMultipartUploadArtifact": resolve_complete_multipart,
        "commitArtifact": resolve_commit,
        "useArtifact": resolve_use,
        "linkArtifact": resolve_link,
        "updateArtifact": resolve_update,
        "addAliases": resolve_add_aliases,
        "deleteAliases": resolve_delete_aliases,
        "deleteArtifact": resolve_delete,
    },
    "Project": {
        "artifact": resolve_project_artifact,
        "artifactType": resolve_project_type,
        "artifactTypes": resolve_project_types,
        "artifactCollection": resolve_project_collection,
        "artifactCollectionMembership": resolve_project_membership,
    },
    "Run": {"outputArtifacts": resolve_run_outputs, "inputArtifacts": resolve_run_inputs},
}
