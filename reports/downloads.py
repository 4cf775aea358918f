"""``GET /snapshots/<id>/download/<fmt>[?scope=exceptions]``: an export made from the stored snapshot,
served by the app from the export cache (``reports.export_cache``: rendered once per snapshot and scope,
a few at a time). ``scope`` is ``full`` (the default) or ``exceptions``, the committee paper (PDF and Word
only); any other scope is answered 400 with the reason, never rendered.

It lives in reports (not in the snapshots page) because the reports draw their charts with the page's
figure functions: reports import dashboard, never the other way round.
"""

from __future__ import annotations

import io
import zipfile

import snapshots
from dashboard import context, ids
from reports.export import stem
from reports.export_cache import RenderBusy, cached_export
from reports.formats import FORMATS, SCOPES


def register_routes(server) -> None:
    """Add the download route to the app's Flask ``server`` (its store comes from the app's context)."""
    from flask import Response, abort, request, send_file

    rule = ids.SNAPSHOT_DOWNLOAD.format(snapshot_id="<int:snapshot_id>", fmt="<fmt>")

    @server.route(rule)
    def download_snapshot(snapshot_id: int, fmt: str):
        if fmt not in FORMATS:
            abort(404)
        chosen = FORMATS[fmt]
        scope = request.args.get("scope", "full")
        if scope not in SCOPES:
            return Response(f"Unknown scope: use one of {', '.join(SCOPES)}.", status=400, mimetype="text/plain")
        if scope != "full" and not chosen.scoped:
            return Response(f"The {scope} scope is for the PDF and Word reports; {fmt} always holds every metric.",
                            status=400, mimetype="text/plain")
        store = context.store()
        try:
            snap = snapshots.load(store, snapshot_id)
        except snapshots.SnapshotError:
            abort(404)
        try:
            paths = cached_export(store, snap, snapshots.comparison_of(store, snap), fmt, scope)
        except RenderBusy as exc:
            return Response(f"The export is not ready: {exc}.", status=503, mimetype="text/plain",
                            headers={"Retry-After": "60"})
        if chosen.zipped:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in paths:
                    archive.write(path, path.name)
            data, name = buffer.getvalue(), f"{stem(snap)}-{fmt}.zip"
        else:
            data, name = paths[0].read_bytes(), paths[0].name
        return send_file(io.BytesIO(data), mimetype=chosen.media_type, as_attachment=True, download_name=name)
