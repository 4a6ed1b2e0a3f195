"""Deterministic, realistic demo data (科技成果, 专利, 大型科研仪器, 机构) for Jilin Province.

Records are plain dicts in the input shape of the marshmallow schemas in :mod:`web.schemas`.
See :mod:`demo.generator` for the details and the command line
(``python -m demo.generator --help``).

The functions are imported lazily so that ``python -m demo.generator`` does not import the
module twice.
"""
from __future__ import annotations

__all__ = ["REF_DATE", "achievements", "dataset", "institutions", "instruments", "patents"]


def __getattr__(name: str):
    if name in __all__:
        from . import generator

        return getattr(generator, name)
    raise AttributeError(name)
