"""The "add a plan" tab: upload a file, watch it being built, check and correct its metadata.

The build runs in a worker thread, so searching stays possible meanwhile; the progress bar and
the step shown say where it is. Afterwards the tab shows the cleaned text and the outline (both
escaped), and a form with the inferred metadata that re-builds the document when corrected.
"""

from __future__ import annotations

import time
from pathlib import Path

import panel as pn

from .render import esc, message_html
from .upload import (
    DEFAULT_MAX_BYTES, EDITABLE_FIELDS, KINDS, add_document, catalog_row, check_upload, outline_text,
    store_upload, supported_suffixes,
)
from .widgets import error_message, html, in_thread

PREVIEW_LINES = 80


class UploadView:
    """Upload, progress, preview and metadata form for one :class:`~.layout.PrecedentFinder`."""

    def __init__(self, finder, max_bytes: int = DEFAULT_MAX_BYTES):
        self.finder = finder
        self.max_bytes = max_bytes
        self.file = pn.widgets.FileInput(accept=",".join(supported_suffixes()), css_classes=["pc-file"])
        self.add = pn.widgets.Button(name="Add to corpus · 添加", button_type="primary", width=180,
                                     css_classes=["pc-add"])
        self.progress = pn.indicators.Progress(value=0, max=100, width=300, visible=False, bar_color="info")
        self.status = html(f"<div class='pc-meta'>Supported: {esc(', '.join(supported_suffixes()))}; up to "
                           f"{max_bytes / 2**20:.0f} MB.</div>", css_classes=["pc-upload-status"])
        self.fields = {f: pn.widgets.TextInput(name=f, width=220, css_classes=[f"pc-field-{f}"])
                       for f in EDITABLE_FIELDS if f != "kind"}
        self.fields["kind"] = pn.widgets.Select(name="kind", options=list(KINDS), width=220, css_classes=["pc-field-kind"])
        self.apply = pn.widgets.Button(name="Apply metadata · 更新", width=180, css_classes=["pc-apply"])
        self.form = pn.Column(html("<b>Inferred metadata (edit and apply)</b>"),
                              pn.Row(*[self.fields[f] for f in EDITABLE_FIELDS[:3]]),
                              pn.Row(*[self.fields[f] for f in EDITABLE_FIELDS[3:]]), self.apply, visible=False)
        self.preview = html(css_classes=["pc-preview"])
        self.doc_id: str | None = None
        self.add.on_click(self._on_add)
        self.file.param.watch(self._on_file, ["value", "filename"])
        self.apply.on_click(self._on_apply)

    def panel(self) -> pn.viewable.Viewable:
        return pn.Column(pn.Row(self.file, self.add), self.progress, self.status, self.form, self.preview,
                         sizing_mode="stretch_width")

    def _step(self, value: int, text: str) -> None:
        self.progress.visible = True
        self.progress.value = value
        self.status.object = f"<div class='pc-meta pc-step'>{esc(text)}</div>"

    def _checked_name(self) -> str | None:
        """The upload's safe file name, or None after showing the one-line reason it is refused."""
        try:
            return check_upload(self.file.filename, self.file.value, self.max_bytes)
        except Exception as err:  # noqa: BLE001 - one line for the user
            self.status.object = error_message(err, "upload")
            return None

    def _on_file(self, *_):
        """Check a file as soon as it arrives, so a bad one is refused before anyone presses Add."""
        if not self.file.value or (name := self._checked_name()) is None:
            return
        self.status.object = (f"<div class='pc-meta pc-received'>Received {esc(name)} "
                              f"({len(self.file.value) / 2**20:.2f} MB): press Add to build it into the corpus.</div>")

    async def _on_add(self, *_):
        if self.file.filename and not self.file.value:
            self.status.object = message_html(f"{self.file.filename}: still uploading; press Add when it has arrived")
            return
        if (name := self._checked_name()) is None:
            return
        self.add.disabled = True
        started = time.perf_counter()
        try:
            self._step(10, f"Stored {name}; reading, cleaning and outlining it, then embedding its passages…")
            path = store_upload(name, self.file.value, self.finder.upload_dir)
            corpus, doc_id = await in_thread(add_document, self.finder.corpus, path)
            self._step(90, "Updating the search index…")
            await in_thread(self.finder.replace_corpus, corpus)
            self.finder.refresh_views()
        except Exception as err:  # noqa: BLE001
            self.progress.visible = False
            self.status.object = error_message(err, f"adding {name}")
            return
        finally:
            self.add.disabled = False
        self.progress.value = 100
        self.doc_id = doc_id
        self.status.object = message_html(f"Added {name} as {doc_id} in {time.perf_counter() - started:.1f} s; "
                                          "it is now searchable.", ok=True)
        self.show_document(doc_id)

    async def _on_apply(self, *_):
        if not self.doc_id:
            return
        corpus = self.finder.corpus
        document = corpus.documents[corpus.documents["doc_id"] == self.doc_id].iloc[0]
        edits = {f: getattr(w, "value_input", None) or w.value for f, w in self.fields.items()}
        self.apply.disabled = True
        try:
            self._step(30, "Rebuilding the document with the corrected metadata…")
            corpus, doc_id = await in_thread(add_document, corpus, Path(document["source_file"]),
                                             catalog_row(document, edits))
            await in_thread(self.finder.replace_corpus, corpus)
            self.finder.refresh_views()
        except Exception as err:  # noqa: BLE001
            self.status.object = error_message(err, "applying metadata")
            return
        finally:
            self.apply.disabled = False
        self.progress.value = 100
        self.status.object = message_html(f"Metadata of {doc_id} updated.", ok=True)
        self.show_document(doc_id)

    def show_document(self, doc_id: str) -> None:
        """Fill the form and show the cleaned text and outline of ``doc_id`` (all escaped)."""
        corpus = self.finder.corpus
        document = corpus.documents[corpus.documents["doc_id"] == doc_id].iloc[0]
        for field, widget in self.fields.items():
            value = document.get(field)
            value = "" if value is None or str(value) in ("nan", "<NA>", "None") else str(value)
            if field == "kind" and value not in KINDS:
                value = "other"
            widget.value = value
        self.form.visible = True
        passages = corpus.passages[corpus.passages["doc_id"] == doc_id]
        outline = "".join(f"<div style='margin-left:{(level - 1) * 16}px'>{esc(heading)} "
                          f"<span class='pc-meta'>line {esc(line)}</span></div>"
                          for level, heading, line in outline_text(passages))
        lines = corpus.clean_text(doc_id).split("\n")
        text = "<br>".join(esc(line) for line in lines[:PREVIEW_LINES])
        more = f"<div class='pc-meta'>… {len(lines) - PREVIEW_LINES} more lines</div>" if len(lines) > PREVIEW_LINES else ""
        self.preview.object = (
            f"<div class='pc-meta'>{esc(doc_id)} · {len(passages)} passages · {esc(document.get('n_chars'))} characters "
            f"· source {esc(Path(str(document['source_file'])).name)}</div>"
            f"<h3>Outline</h3><div class='pc-outline'>{outline or '<i>no headings found</i>'}</div>"
            f"<h3>Cleaned text</h3><div class='pc-text pc-cleaned'>{text}</div>{more}")
