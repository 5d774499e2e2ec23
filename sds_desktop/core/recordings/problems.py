"""Every preflight problem, worded once: what is wrong, what SDS will do, what to do.

The rules are production's own, observed by sending the same requests to the real
gateway (see the last section of the project's ``sds-api.md``).
"""

from __future__ import annotations

from pathlib import Path

from sds_desktop.core.recordings.model import KIND_NAMES, Problem

MAX_NAME = 100  # SDS refuses a multipart part whose file name is longer than this


def name_too_long(path: Path) -> Problem:
    n = len(path.name)
    return Problem(
        "name-too-long",
        path,
        f"The file name '{path.name}' has {n} characters: SDS refuses file names over "
        f'{MAX_NAME} characters ("Ensure this filename has at most {MAX_NAME} characters"). '
        f"Rename it to {MAX_NAME} characters or fewer before uploading.",
    )


def tmp_files(folder: Path, paths: list[Path]) -> Problem:
    n = len(paths)
    example = paths[0].name
    return Problem(
        "tmp-files",
        folder,
        f"{n} file{'s' if n != 1 else ''} still being written (tmp.*, e.g. '{example}') "
        f"under '{folder.name}' {'are' if n != 1 else 'is'} left out of the upload: SDS "
        "would get a half-written copy. Wait until the recorder has finished, then scan "
        "again to include them.",
        blocking=False,
    )


# -- Digital RF ------------------------------------------------------------------------


def drf_one_metadata_field(channel: Path, field: str) -> Problem:
    return Problem(
        "drf-one-metadata-field",
        channel / "metadata",
        f"Digital RF channel '{channel.name}' has digital metadata with exactly one field "
        f"('{field}'): SDS fails (HTTP 500) when it creates the capture, because its reader "
        "then returns a bare value instead of a record. Add a second metadata field (for "
        "example the sample rate or gain), or remove the 'metadata' folder; the files "
        "themselves can still be uploaded as files.",
    )


REGEX_CHARACTERS = frozenset("*+?{}[]()|^$\\")


def drf_channel_regex(channel: Path) -> Problem:
    return Problem(
        "drf-channel-regex",
        channel,
        f"Digital RF channel name '{channel.name}' contains regular-expression characters: "
        "SDS uses the channel name as a pattern, so it may fail (HTTP 500) or pick other "
        "channels when it creates the capture. Rename the channel folder with letters, "
        "digits, '-', '_' or '.' only.",
    )


def drf_no_properties(channel: Path) -> Problem:
    return Problem(
        "drf-no-properties",
        channel,
        f"Folder '{channel.name}' holds Digital RF data files but no drf_properties.h5: SDS "
        'cannot make a capture of it (it answers "No channels found"). Recreate the file '
        "with digital_rf.recreate_properties_file() on the channel folder, or copy it from "
        "the recorder.",
    )


def drf_no_data(channel: Path) -> Problem:
    return Problem(
        "drf-no-data",
        channel,
        f"Digital RF channel '{channel.name}' has properties but no readable rf@*.h5 data "
        "files: SDS refuses to make a capture of it (the files it needs for the sample "
        "bounds are missing). Upload the channel once the recorder has written data.",
    )


def drf_unreadable(channel: Path, error: BaseException | str) -> Problem:
    return Problem(
        "drf-unreadable",
        channel,
        f"Digital RF channel '{channel.name}' cannot be read ({_short(error)}): SDS will "
        "refuse to make a capture of it. Check that the copy is complete and not corrupt.",
    )


def drf_metadata_unreadable(channel: Path, error: BaseException) -> Problem:
    return Problem(
        "drf-metadata-unreadable",
        channel / "metadata",
        f"The digital metadata of channel '{channel.name}' cannot be read "
        f'({_short(error)}): SDS refuses the capture ("metadata files are missing, corrupt, '
        "or unreadable\"). Re-copy the 'metadata' folder, or remove it.",
    )


# -- SigMF -----------------------------------------------------------------------------


SIGMF_NOTE = (
    "SDS cannot make a capture of SigMF (production fails on it): the files upload and "
    "download as plain files."
)


def sigmf_no_capture(path: Path) -> Problem:
    return Problem(
        "sigmf-no-capture",
        path,
        "SDS cannot make a SigMF capture: production fails (HTTP 500) when asked to. Upload "
        "the SigMF files as files instead; they keep their metadata.",
    )


def sigmf_bad_meta(path: Path, error: BaseException | str) -> Problem:
    return Problem(
        "sigmf-bad-meta",
        path,
        f"'{path.name}' is not readable SigMF metadata ({_short(error)}). SDS would store "
        "it as it is, but no SigMF tool can open the recording. Fix or re-export the "
        "metadata file.",
    )


def sigmf_invalid(path: Path, error: BaseException | str) -> Problem:
    return Problem(
        "sigmf-invalid",
        path,
        f"'{path.name}' does not follow the SigMF schema ({_short(error)}). SDS stores it "
        "anyway; strict SigMF tools may refuse it.",
        blocking=False,
    )


def sigmf_no_data(meta: Path, expected: str) -> Problem:
    return Problem(
        "sigmf-no-data",
        meta,
        f"'{meta.name}' has no dataset file '{expected}' beside it: the recording has no "
        "samples. Put the .sigmf-data file next to its metadata (same name) and scan again.",
    )


def sigmf_size(path: Path, detail: str) -> Problem:
    return Problem(
        "sigmf-size",
        path,
        f"The SigMF dataset '{path.name}' does not match its metadata: {detail}. SDS would "
        "store it, but the recording is incomplete or mislabelled. Check that the recording "
        "finished writing and that core:datatype and core:num_channels are right.",
    )


def sigmf_sha512(path: Path) -> Problem:
    return Problem(
        "sigmf-sha512",
        path,
        f"The SHA-512 of '{path.name}' differs from the core:sha512 in its metadata: the "
        "samples are not the ones the metadata describes (corrupt or modified). SDS would "
        "store it as it is; re-copy the dataset from its source, or update core:sha512 if "
        "the change was intended.",
    )


# -- RadioHound ------------------------------------------------------------------------


def rh_bad_json(path: Path, error: BaseException | str) -> Problem:
    return Problem(
        "rh-bad-json",
        path,
        f"RadioHound file '{path.name}' is not a JSON object ({_short(error)}): SDS refuses "
        "the capture. Re-export the file from the sensor.",
    )


def rh_missing_field(path: Path, fields: list[str]) -> Problem:
    listed = ", ".join(f"'{f}'" for f in fields)
    return Problem(
        "rh-missing-field",
        path,
        f"RadioHound file '{path.name}' lacks the required field{'s' if len(fields) > 1 else ''}"
        f' {listed}: SDS refuses the capture (HTTP 400 "Field required"). Add '
        f"{'them' if len(fields) > 1 else 'it'} to the file.",
    )


def rh_bad_base64(path: Path) -> Problem:
    return Problem(
        "rh-bad-base64",
        path,
        f"The 'data' of RadioHound file '{path.name}' is not valid base64 (wrong padding or "
        'characters): SDS refuses the capture ("Data must be base64 encoded"). Re-encode '
        "the samples with standard, padded base64.",
    )


def rh_data_size(path: Path, nbytes: int, dtype: str, itemsize: int) -> Problem:
    return Problem(
        "rh-data-size",
        path,
        f"The 'data' of RadioHound file '{path.name}' decodes to {nbytes} bytes, not a whole "
        f"number of {dtype} values ({itemsize} bytes each): SDS refuses the capture "
        '("buffer size must be a multiple of element size"). Re-encode the whole sample '
        "array.",
    )


def rh_invalid_field(path: Path, field: str, reason: str) -> Problem:
    return Problem(
        "rh-invalid-field",
        path,
        f"RadioHound file '{path.name}': '{field}' {reason}: SDS refuses the capture "
        "(HTTP 400). Correct the field.",
    )


def no_recording(path: Path, kind: str) -> Problem:
    return Problem(
        "no-recording",
        path,
        f"No {KIND_NAMES.get(kind, kind)} recording was found at '{path}': SDS would find no "
        "files for the capture. Choose the folder that holds the recording.",
    )


def _short(error: BaseException | str, limit: int = 200) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
