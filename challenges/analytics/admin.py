"""``/admin/analytics``: the editors' dashboard, inside the admin (its menu, its access rule)."""

from __future__ import annotations

from flask import abort, request
from flask_admin import Admin, BaseView, expose
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ..admin.security import EditorOnly
from ..clock import utcnow
from ..errors import NotFound
from .dashboard import admin_dashboard, table_named
from .tables import csv_response


class AnalyticsView(EditorOnly, BaseView):
    """Editors only: everyone else gets what the rest of the admin gives them (a login
    redirect, or 403)."""

    @expose("/")
    def index(self) -> str:
        try:
            dashboard = admin_dashboard(utcnow(), request.args.get("challenge"))
        except NotFound:
            abort(404)
        return self.render("analytics/admin.html", dashboard=dashboard,
                           chosen_slug=dashboard.chosen.challenge.slug if dashboard.chosen else "")

    @expose("/<table_name>.csv")
    def download(self, table_name: str) -> Response:
        """One of the dashboard's tables as CSV (the same rows the page shows)."""
        try:
            dashboard = admin_dashboard(utcnow(), request.args.get("challenge"))
        except NotFound:
            abort(404)
        table = table_named(dashboard, table_name)
        if table is None:
            abort(404)
        suffix = f"-{dashboard.chosen.challenge.slug}" if table_name in {"funnel", "hours"} \
            and dashboard.chosen else ""
        return csv_response(table, f"analytics-{table_name}{suffix}.csv")


def add_admin_views(admin: Admin) -> None:
    """Put the dashboard in the admin's menu (the admin's feature hook calls this)."""
    admin.add_view(AnalyticsView(name=_l("Analytics"), endpoint="analytics"))
