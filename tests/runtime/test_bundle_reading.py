"""Opening bundles: unsafe, tampered and future bundles are refused with a message naming why."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from workbench.runtime.bundle import BundleError, check_member_name, open_bundle


def _contents(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(files.pop("manifest.json")), files


def test_valid_bundle_opens_with_verified_files(bundle_path: Path) -> None:
    bundle = open_bundle(bundle_path)
    assert bundle.task == "segmentation"
    assert bundle.tiling.tile == 64 and bundle.in_channels == 3
    assert set(bundle.manifest.files) == set(bundle.files) - {"manifest.json"}
    assert bundle.read("model.onnx")[:2] == bundle.files["model.onnx"][:2]


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "golden/../../x", "C:/x", "a\\..\\b"])
def test_member_names_that_escape_are_refused(name: str) -> None:
    with pytest.raises(BundleError, match=r"outside the bundle|unsafe|not a plain"):
        check_member_name(name)


def test_zip_slip_bundle_is_refused(bundle_path: Path, tmp_path: Path) -> None:
    evil = tmp_path / "slip.wbx"
    with zipfile.ZipFile(bundle_path) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("../../outside.txt", b"pwned")
    with pytest.raises(BundleError, match=r"zip-slip"):
        open_bundle(evil)
    assert not (tmp_path.parent / "outside.txt").exists()


def test_tampered_model_is_refused_naming_the_file(bundle_path: Path, rebuild) -> None:
    manifest, files = _contents(bundle_path)
    hashes = dict(manifest["files"])
    files["model.onnx"] = files["model.onnx"] + b"\x00"
    path = rebuild(manifest, files)
    # Put back the original hash table: the model no longer matches it.
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    stored = json.loads(members["manifest.json"])
    stored["files"] = hashes
    members["manifest.json"] = json.dumps(stored).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(BundleError, match=r"'model\.onnx' does not match its sha256.*tampered"):
        open_bundle(path)


def test_manifest_from_the_future_is_refused(bundle_path: Path, rebuild) -> None:
    manifest, files = _contents(bundle_path)
    manifest["format_version"] = 99
    with pytest.raises(BundleError, match=r"format version 99 is newer.*update workbench-run"):
        open_bundle(rebuild(manifest, files))


def test_older_bundles_open_unless_their_classes_shared_pixels(bundle_path: Path, rebuild) -> None:
    manifest, files = _contents(bundle_path)
    manifest["format_version"] = 2
    manifest["tiling"] = {"tile": 64, "overlap": 16}  # before 'merge' was read and 'pad_multiple' written
    old = open_bundle(rebuild(manifest, files))
    assert (old.tiling.merge, old.tiling.pad_multiple) == ("blend", None)
    manifest["classes"].append({"id": 2, "name": "dent", "color": "#56B4E9"})
    with pytest.raises(BundleError, match=r"format version 2 with 2 classes.*export the run again"):
        open_bundle(rebuild(manifest, files))


def test_unusable_tiling_is_refused(bundle_path: Path, rebuild) -> None:
    manifest, files = _contents(bundle_path)
    manifest["tiling"]["merge"] = "median"
    with pytest.raises(BundleError, match=r"unusable 'tiling'.*median"):
        _ = open_bundle(rebuild(manifest, files)).tiling


def test_unlisted_and_missing_files_are_refused(bundle_path: Path, tmp_path: Path) -> None:
    manifest, files = _contents(bundle_path)
    extra = tmp_path / "extra.wbx"
    with zipfile.ZipFile(extra, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("payload.py", b"print('hi')")
    with pytest.raises(BundleError, match=r"not listed in the manifest: payload\.py"):
        open_bundle(extra)
    missing = tmp_path / "missing.wbx"
    with zipfile.ZipFile(missing, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
    with pytest.raises(BundleError, match="listed in the manifest is missing"):
        open_bundle(missing)


def test_not_a_bundle(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wbx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(BundleError, match="not a readable bundle"):
        open_bundle(junk)
    with pytest.raises(BundleError, match="does not exist"):
        open_bundle(tmp_path / "nope.wbx")
    other = tmp_path / "other.wbx"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    with pytest.raises(BundleError, match="not a Defect Workbench bundle"):
        open_bundle(other)


def test_sections_that_bundles_of_earlier_code_carry_are_ignored(bundle_path: Path, rebuild) -> None:
    """Normalisation is in the graph and every model takes NCHW float32 in [0, 1]: what earlier
    exports wrote about them was never read and is dropped on reading."""
    manifest, files = _contents(bundle_path)
    manifest["normalisation"] = {"mean": [0.5] * 3, "std": [0.25] * 3, "in_graph": True}
    manifest["precision"] = {"default": "fp32", "openvino_fp32_hint": "INFERENCE_PRECISION_HINT=f32"}
    manifest["input"].update(layout="NCHW", dtype="float32", range=[0.0, 1.0],
                             preprocess="workbench.core.preprocess.to_unit_float")  # fmt: skip
    manifest["models"]["onnx"]["precision"] = "fp32"
    manifest["golden"]["images"][0].update(label="ok", decision={"verdict": "OK"})
    bundle = open_bundle(rebuild(manifest, files))
    again = bundle.manifest.to_dict()
    assert again["input"] == {"channels": 3} and "normalisation" not in again and "precision" not in again
    assert again["models"]["onnx"] == {"path": "model.onnx"}
    assert set(again["golden"]["images"][0]) == {"file", "name", "verdict", "n_defects", "summary"}
