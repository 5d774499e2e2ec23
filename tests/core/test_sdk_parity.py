"""The installed SDK (spectrumx 0.2.4) is the judge of our API's names and keywords.

Every public name of ``spectrumx.client.Client``, ``CaptureAPI`` and ``DatasetAPI``
exists on ours, and every SDK call signature binds on ours: each SDK parameter is
accepted under the same name (and at the same position when the SDK allows it
positionally), and nothing that is optional in the SDK is required here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spectrumx.api.captures as sdk_captures
import spectrumx.api.datasets as sdk_datasets
import spectrumx.client as sdk_client
from spectrumx.errors import Result as SDKResult

from sds_desktop.core import CaptureType, Client, Result
from sds_desktop.core.captures import CaptureAPI
from sds_desktop.core.datasets import DatasetAPI
from sds_desktop.core.errors import AuthError, FileError

# The 23 names issue 9 lists (all public names of the SDK's Client, but for the ones
# test_every_public_name_exists also finds: authenticate, captures, datasets, ...).
ISSUE_NAMES = [
    "upload",
    "download",
    "list_files",
    "get_file",
    "delete_file",
    "download_file",
    "download_single_file",
    "upload_capture",
    "upload_multichannel_drf_capture",
    "get_dataset",
    "download_dataset",
    "list_dataset_captures",
    "list_dataset_artifact_files",
    "add_capture_to_dataset",
    "detach_file_from_datasets",
    "base_url",
    "base_url_no_port",
    "config",
    "gateway",
    "verbose",
]
PAIRS = [
    (sdk_client.Client, Client),
    (sdk_captures.CaptureAPI, CaptureAPI),
    (sdk_datasets.DatasetAPI, DatasetAPI),
]


def public_names(cls: type) -> set[str]:
    names = {n for n in dir(cls) if not n.startswith("_")}
    names |= {n for n in getattr(cls, "__annotations__", {}) if not n.startswith("_")}
    return names


def sdk_methods(cls: type) -> list[tuple[str, Callable[..., Any]]]:
    return [
        (name, member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and member.__qualname__.startswith(cls.__name__)
    ]


def test_issue_names_are_sdk_names() -> None:
    sdk = public_names(sdk_client.Client)
    assert set(ISSUE_NAMES) <= sdk
    assert set(ISSUE_NAMES) <= public_names(Client)


@pytest.mark.parametrize(("sdk_cls", "our_cls"), PAIRS, ids=lambda c: c.__name__)
def test_every_public_name_exists(sdk_cls: type, our_cls: type, tmp_path: Path) -> None:
    if our_cls is Client:
        instance: object = Client("sds.test", env_file=tmp_path / "none.env")
    else:
        instance = our_cls(None, lambda: True)
    ours = public_names(our_cls) | {n for n in dir(instance) if not n.startswith("_")}
    assert sorted(public_names(sdk_cls) - ours) == []


def check_signature(sdk_fn: Callable[..., Any], our_fn: Callable[..., Any]) -> list[str]:
    """What an SDK call could pass that ours would not accept."""
    ours = inspect.signature(our_fn).parameters
    our_list = list(ours.values())
    problems = []
    for index, param in enumerate(inspect.signature(sdk_fn).parameters.values()):
        if param.kind in {param.VAR_POSITIONAL, param.VAR_KEYWORD}:
            continue
        mine = ours.get(param.name)
        if mine is None:
            problems.append(f"no parameter {param.name!r}")
            continue
        if mine.kind is mine.POSITIONAL_ONLY:
            problems.append(f"{param.name!r} cannot be given by keyword")
        if param.kind is param.POSITIONAL_OR_KEYWORD and (
            index >= len(our_list) or our_list[index].name != param.name
        ):
            problems.append(f"{param.name!r} is not positional at index {index}")
        if param.default is not param.empty and mine.default is mine.empty:
            problems.append(f"{param.name!r} is optional in the SDK, required here")
    for name, mine in ours.items():
        required = mine.default is mine.empty and mine.kind not in {
            mine.VAR_POSITIONAL,
            mine.VAR_KEYWORD,
        }
        if required and name not in inspect.signature(sdk_fn).parameters:
            problems.append(f"{name!r} is required here, unknown to the SDK")
    return problems


CASES = [
    (sdk_cls, our_cls, name) for sdk_cls, our_cls in PAIRS for name, _fn in sdk_methods(sdk_cls)
]


@pytest.mark.parametrize(
    ("sdk_cls", "our_cls", "name"), CASES, ids=[f"{c[0].__name__}.{c[2]}" for c in CASES]
)
def test_sdk_signatures_bind_on_ours(sdk_cls: type, our_cls: type, name: str) -> None:
    problems = check_signature(getattr(sdk_cls, name), getattr(our_cls, name))
    assert problems == [], f"{our_cls.__name__}.{name}: {problems}"


def test_constructor_keywords() -> None:
    assert check_signature(sdk_client.Client.__init__, Client.__init__) == []


def test_the_checker_catches_differences() -> None:
    def sdk(a: int, *, b: int = 1) -> None: ...
    def missing(a: int) -> None: ...
    def required(a: int, *, b: int) -> None: ...
    def moved(x: int, a: int, *, b: int = 1) -> None: ...

    assert check_signature(sdk, missing) == ["no parameter 'b'"]
    assert check_signature(sdk, required) == ["'b' is optional in the SDK, required here"]
    assert "'a' is not positional at index 0" in check_signature(sdk, moved)


def test_capture_type_matches_the_sdk() -> None:
    sdk = __import__("spectrumx.models.captures", fromlist=["CaptureType"]).CaptureType
    assert {m.name: m.value for m in CaptureType} == {m.name: m.value for m in sdk}
    assert CaptureType.DigitalRF == "drf"


def test_result_behaves_like_the_sdks() -> None:
    for cls in (SDKResult, Result):
        ok = cls(value=3)
        none_ok = cls(value=None)
        bad = cls(exception=AuthError("no"), error_info={"k": 1})
        assert ok
        assert none_ok
        assert not bad
        assert [ok(), ok.unwrap(), ok.value] == [3, 3, 3]
        assert none_ok() is None
        assert [bad.value_or(7), ok.value_or(7)] == [7, 3]
        assert isinstance(bad.exception_or(None), AuthError)
        assert ok.exception_or(None) is None
        assert bad.error_info == {"k": 1}
        with pytest.raises(AuthError):
            bad()
        with pytest.raises(ValueError, match=r"value|exception"):
            cls(value=1, exception=AuthError("x"))


def test_download_rules_as_in_the_sdk(tmp_path: Path) -> None:
    client = Client("sds.test", env_file=tmp_path / "none.env", env_config={"DRY_RUN": "0"})
    with pytest.raises(ValueError, match="not both"):
        client.download(from_sds_path="/a", files_to_download=[], to_local_path=tmp_path)
    with pytest.raises(ValueError, match="from_sds_path or files_to_download"):
        client.download(to_local_path=tmp_path)
    with pytest.raises(ValueError, match="both be set"):
        client.list_files("/a", start_time=None, end_time=__import__("datetime").datetime.now())
    with pytest.raises(FileError, match="exactly one"):
        client.download_file(to_local_path=tmp_path)
