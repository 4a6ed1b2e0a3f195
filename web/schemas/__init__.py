"""marshmallow schemas: one per record type, used by the API, the site and bulk imports."""
from .achievement import AchievementSchema, achievement_data
from .common import error_list
from .institution import InstitutionSchema, institution_data
from .instrument import InstrumentSchema, instrument_data
from .need import NeedSchema, need_data
from .patent import PatentSchema, patent_data

SCHEMAS = {
    "achievement": (AchievementSchema, achievement_data),
    "patent": (PatentSchema, patent_data),
    "instrument": (InstrumentSchema, instrument_data),
    "institution": (InstitutionSchema, institution_data),
    "need": (NeedSchema, need_data),
}

__all__ = [
    "AchievementSchema", "PatentSchema", "InstrumentSchema", "InstitutionSchema", "SCHEMAS", "error_list", "NeedSchema", "need_data",
    "achievement_data", "patent_data", "instrument_data", "institution_data",
]
