"""`seqkit corpus list` and `seqkit corpus fetch`: the corpus catalog from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from seqkit.cli import common
from seqkit.cli.output import emit_rows, message, stdout_is_terminal, warning

app = typer.Typer()

DEFAULT_PARENT = "corpora-data"


@app.command("list")
def list_corpora(as_json: bool = common.JSON) -> None:
    """Known corpora: built-in ones and downloadable ones with size, checksum and licence.

    Built-in corpora arrive with the dependencies (gensim); fetch any with `seqkit corpus fetch NAME`.
    --json gives the full entries: URL, citation, outputs.

    Example: seqkit corpus list --json
    """
    from seqkit.datasets.catalog import load_catalog
    from seqkit.datasets.fetch import human_bytes

    entries = load_catalog()
    if as_json:
        for e in entries:
            print(json.dumps(e.to_dict(), ensure_ascii=False))
        return
    human = stdout_is_terminal()
    checks = {"sha256": "sha256", "size": "unverified (size only)", "none": "unverified"}
    rows = []
    for e in entries:
        size = (human_bytes(e.size_bytes) if human else e.size_bytes) if e.size_bytes else ""
        check = "built in" if e.kind == "builtin" else checks[e.verification]
        rows.append((e.name, e.kind, size, check, e.licence, e.title))
    emit_rows(["name", "kind", "size", "verified", "licence", "title"], rows,
              title="corpora (seqkit corpus fetch NAME)")


def _stage_progress(bar, entry):
    from seqkit.datasets.fetch import human_bytes

    tasks: dict[str, int] = {}
    labels = {"download": f"downloading {entry.archive_name}", "verify": "checking the archive", "convert": "converting"}

    def amount(stage: str, done: int, total: Optional[int]) -> str:
        if stage != "convert" or entry.converter == "text8":
            return f"{human_bytes(done)}/{human_bytes(total)}" if total else human_bytes(done)
        return f"{done:,} documents"

    def update(stage: str, done: int, total: Optional[int]) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(labels.get(stage, stage), total=total, amount="")
        bar.update(tasks[stage], completed=done, total=total, amount=amount(stage, done, total))

    return update


@app.command("fetch")
def fetch_corpus(
    name: str = typer.Argument(..., help="A corpus from `seqkit corpus list` (imdb, text8, lee, pang-lee)."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help=f"Folder to create for the corpus (default: {DEFAULT_PARENT}/NAME)."
    ),
    source: Optional[Path] = typer.Option(
        None, "--from", help="Use this archive already on disk instead of downloading (still checked against the catalog)."
    ),
    verify: bool = typer.Option(
        True, "--verify/--no-verify", help="Check the archive's size and SHA-256 against the catalog."
    ),
    keep_archive: bool = typer.Option(False, "--keep-archive", help="Keep the downloaded archive in the output folder."),
    force: bool = typer.Option(False, "--force", "-f", help="Replace the output folder (and all it holds) if it exists."),
    quiet: bool = common.QUIET,
    as_json: bool = common.JSON,
) -> None:
    """Download a corpus (or take --from a local archive), verify it and convert it.

    The files land in a new folder, complete or not at all: nothing half-written is left behind.

    imdb: train.tsv and test.tsv (label, rating, text), unsup.txt. text8: text8.
    lee: lee_background.txt. pang-lee: polarity.tsv (label, text).
    Each folder also gets source.json: URL, checksums, licence and citation.

    Example: seqkit corpus fetch imdb --from aclImdb_v1.tar.gz -o imdb
    """
    from seqkit.cli.progress import progress_bar
    from seqkit.datasets import fetch as fetching
    from seqkit.datasets.catalog import find

    entry = find(name)
    out = output if output is not None else Path(DEFAULT_PARENT) / entry.name
    if source is not None and keep_archive:
        message("note: --keep-archive does nothing with --from (the archive is already on disk)")
    with progress_bar(quiet, "{task.fields[amount]}") as bar:
        result = fetching.fetch(
            entry, out, source=source, verify=verify, force=force, keep_archive=keep_archive,
            progress=_stage_progress(bar, entry),
        )
    for w in result.warnings:
        warning(w)
    checked = {
        "sha256": ("SHA-256 verified",),
        "size": (("size checked only", "yellow"), " (the catalog has no SHA-256 for it)"),
        "skipped": (("not verified", "yellow"), " (--no-verify)"),
        "none": ("built in",) if entry.kind == "builtin" else (("not verified", "yellow"),),
    }[result.verified]
    summary = ", ".join(f.file + (f" ({f.rows:,} rows)" if f.rows is not None else "") for f in result.files)
    message(f"wrote {out}: {summary} in {result.seconds:.1f} s; ", *checked)
    message(f"licence: {entry.licence}; cite it as in {out / fetching.SOURCE_FILE}")
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    emit_rows(
        ["file", "rows", "bytes"],
        [(str(out / f.file), "" if f.rows is None else f.rows, f.bytes) for f in result.files],
        title=f"{entry.name} in {out}",
    )
