"""Unbound extension objects; ``register_extensions`` binds them to an app."""
from __future__ import annotations

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def register_extensions(app: Flask) -> None:
    from .search import Search
    from .services import Services

    db.init_app(app)
    Search().init_app(app)
    Services().init_app(app)
