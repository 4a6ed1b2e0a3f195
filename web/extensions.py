"""Unbound extension objects, bound to an app in ``web.create_app``. Models import ``db``
from here, so this module imports nothing else of ours."""
from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# Rows stay loaded after a commit: the indexer dumps the records a unit of work just committed,
# and reloading each one would cost a query per record. Sessions end with every request or task.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

