"""``Molecule``: a molecule file (pdb, sdf, mol2, cif, ...) or an open file, stored as is.

W&B's ``from_rdkit`` and ``from_smiles`` convert through RDKit, a heavy dependency; here
they are one clear error that says to write the molecule to a file first.
"""

from __future__ import annotations

import os
from typing import Any

from ..common._errors import UsageError
from ._media import BatchableMedia, MediaWriter

__all__ = ["Molecule"]


class Molecule(BatchableMedia):
    """A molecule shown in 3-D: ``Molecule("protein.pdb")`` or ``Molecule(open_file, file_type="sdf")``."""

    _log_type = "molecule-file"
    _subdir = "media/molecule"
    SUPPORTED_TYPES = ("pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf")

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> None:
        super().__init__(caption=caption)
        if hasattr(data_or_path, "read"):
            extension = kwargs.pop("file_type", None)
            if extension not in self.SUPPORTED_TYPES:
                raise UsageError(f"Molecule: an open file needs file_type=, one of {', '.join(self.SUPPORTED_TYPES)}")
            if hasattr(data_or_path, "seek"):
                data_or_path.seek(0)
            content = data_or_path.read()
            self._set_bytes(content.encode("utf-8") if isinstance(content, str) else content, f".{extension}")
        elif isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            if os.path.splitext(path)[1][1:] not in self.SUPPORTED_TYPES:
                raise UsageError(
                    f"Molecule: {path} is not a molecule file; accepted: {', '.join(self.SUPPORTED_TYPES)}"
                )
            self._set_file(path)
        else:
            raise UsageError(f"Molecule: pass a file path or an open file, not {type(data_or_path).__name__}")

    @classmethod
    def from_rdkit(cls, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> Molecule:
        raise UsageError(
            "Molecule.from_rdkit is not supported by wandb_jupyter yet; write the molecule to a "
            ".pdb or .sdf file (RDKit: Chem.MolToPDBFile) and pass its path"
        )

    @classmethod
    def from_smiles(cls, data: str, caption: str | None = None, **kwargs: Any) -> Molecule:
        raise UsageError(
            "Molecule.from_smiles is not supported by wandb_jupyter yet; write the molecule to a "
            ".pdb or .sdf file (RDKit: Chem.MolToPDBFile) and pass its path"
        )

    @classmethod
    def seq_to_json(cls, items: list[Any], writer: MediaWriter, key: str, step: int | str) -> dict[str, Any]:
        jsons = [item.to_json(writer) for item in items]
        captions = [item._caption for item in items]
        return {
            "_type": "molecule",
            "filenames": [j["path"] for j in jsons],
            "count": len(jsons),
            "captions": captions if items[0]._caption is not None else False,
        }
