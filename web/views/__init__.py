"""HTML and JSON blueprints."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .account import bp as account_bp
    from .alerts import bp as alerts_bp
    from .attachments import bp as attachments_bp
    from .bookings import bp as bookings_bp
    from .disclosures import bp as disclosures_bp
    from .admin import bp as admin_bp
    from .export import bp as export_bp
    from .health import bp as health_bp
    from .holder_stats import bp as holder_stats_bp
    from .imports import bp as imports_bp
    from .inquiries import bp as inquiries_bp
    from .feedback import bp as feedback_bp
    from .licences import bp as licences_bp
    from .needs import bp as needs_bp
    from .publish import bp as publish_bp
    from .records import bp as records_bp
    from .search import bp as search_bp
    from .selection import bp as selection_bp
    from .stats import bp as stats_bp
    from ..api import bp as api_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(licences_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(publish_bp)
    app.register_blueprint(holder_stats_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(export_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(disclosures_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(selection_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(inquiries_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(needs_bp)

    from ..auth import apply_throttles
    from ..templating import register_template_helpers
    from .account import THROTTLED

    apply_throttles(app, THROTTLED)

    register_template_helpers(app)
