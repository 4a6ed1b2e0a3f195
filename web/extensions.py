"""Unbound extension objects, bound to an app in ``web.create_app``. Models import ``db``
from here, so this module imports nothing else of ours."""
from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

