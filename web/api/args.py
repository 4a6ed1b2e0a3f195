"""The base of the API's argument schemas: query strings and HTML forms alike."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, pre_load


class FormArgs(Schema):
    """Unknown arguments are ignored, and an empty one counts as not given (an HTML form and a
    query string send an empty field for "not given")."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def blank_is_missing(self, data: Any, **kwargs):
        return {k: v for k, v in data.items() if v != ""} if hasattr(data, "items") else data
