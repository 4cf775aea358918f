"""``GET /snapshots/<id>/download/<fmt>``: an export made from the stored snapshot, served by the app
from the export cache (``reports.export_cache``: rendered once, a few at a time).

It lives in reports (not in the snapshots page) because the reports draw their charts with the page's
figure functions: reports import dashboard, never the other way round.
"""

from __future__ import annotations

import io
import zipfile

import snapshots
from dashboard import context, ids
from reports.export import FORMATS, stem
from reports.export_cache import RenderBusy, cached_export

MIME = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "csv": "application/zip"}


def register_routes(server) -> None:
    """Add the download route to the app's Flask ``server`` (its store comes from the app's context)."""
    from flask import Response, abort, send_file

    rule = ids.SNAPSHOT_DOWNLOAD.format(snapshot_id="<int:snapshot_id>", fmt="<fmt>")

    @server.route(rule)
    def download_snapshot(snapshot_id: int, fmt: str):
        if fmt not in FORMATS:
            abort(404)
        store = context.store()
        try:
            snap = snapshots.load(store, snapshot_id)
        except snapshots.SnapshotError:
            abort(404)
        try:
            paths = cached_export(store, snap, snapshots.comparison_of(store, snap), fmt)
        except RenderBusy as exc:
            return Response(f"The export is not ready: {exc}.", status=503, mimetype="text/plain",
                            headers={"Retry-After": "60"})
        if fmt == "csv":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in paths:
                    archive.write(path, path.name)
            data, name = buffer.getvalue(), f"{stem(snap)}-csv.zip"
        else:
            data, name = paths[0].read_bytes(), paths[0].name
        return send_file(io.BytesIO(data), mimetype=MIME[fmt], as_attachment=True, download_name=name)
