"""Records with something in every member-only field (each marked with a word that appears
nowhere else), held by two institutions, for the disclosure and attachment tests."""
from __future__ import annotations

from dataclasses import dataclass

from web.extensions import db
from web.proxies import current_search, current_services
from web.services.identity import system_identity

TAIL = "XYZZY隐秘尾段"  # at the end of a long summary: beyond the public excerpt
SECRETS = {
    "innovation": "QUUXLY独门工艺",
    "status": "已在PLUGH公司投产",
    "org": "FROBOZZ评价中心",
    "phone": "0431-88886666",
    "email": "wang@jia.example.cn",
    "contact": "王联络",
    "org_contact": "李窗口",
    "org_phone": "0431-12345678",
    "address": "GRUE楼303室",
    "fees": "每小时ZORKMID元",
}
SUMMARY = "本成果提出一种寒地水稻钵育摆栽的新工艺。适用于吉林省中部的黑土地。" * 8 + TAIL  # (full-width commas would become ASCII ones)


@dataclass
class World:
    holder: int  # institution id of 吉林省甲研究院
    other: int  # 吉林省乙大学, which holds nothing of the above
    achievement: str
    patent: str
    instrument: str
    withdrawn: str  # an achievement of the holder that is not published
    institution: str


def make_world(app) -> World:
    def create(record_type, raw, status="published"):
        return current_services.for_type(record_type).create(system_identity, raw, status=status)

    with app.app_context():
        jia = create("institution", {"name": "吉林省甲研究院", "type": "institute", "city": "changchun", "address": "长春市南关区卫星路1号",
                                     "contact_name": SECRETS["org_contact"], "contact_phone": SECRETS["org_phone"],
                                     "contact_email": "office@jia.example.cn", "description": "省属科研院所。"})
        yi = create("institution", {"name": "吉林省乙大学", "type": "university", "city": "jilin"})
        achievement = create("achievement", {
            "title": "寒地水稻钵育摆栽新工艺", "institutions": ["吉林省甲研究院"], "keywords": ["水稻", "黑土地"], "field": "modern_agriculture",
            "summary": SUMMARY, "innovations": [SECRETS["innovation"]], "application_status": SECRETS["status"],
            "evaluation": {"method": "appraisal", "org": SECRETS["org"]}, "scores": {"innovation": 91},
            "transfer_amount": 1234567, "price": {"mode": "fixed", "amount": 500000},
            "contact": {"name": SECRETS["contact"], "phone": SECRETS["phone"], "email": SECRETS["email"]},
        })
        create("achievement", {"title": "寒地水稻育秧的另一种新工艺", "institutions": ["吉林省乙大学"], "keywords": ["水稻"],
                               "summary": "寒地水稻钵育摆栽新工艺的改进，适用于黑土地。"})
        patent = create("patent", {"title": "一种水稻钵育秧盘", "application_no": "202310123456.7", "applicants": ["吉林省甲研究院"],
                                   "abstract": "一种秧盘。", "first_claim": "1. 一种水稻钵育秧盘，其特征在于……"})
        instrument = create("instrument", {"name": "场发射扫描电子显微镜", "institution": "吉林省甲研究院", "asset_no": "JIA-0001",
                                           "specs": "分辨率 1 nm", "fees": SECRETS["fees"], "address": SECRETS["address"],
                                           "contact": {"name": SECRETS["contact"], "phone": SECRETS["phone"]}})
        withdrawn = create("achievement", {"title": "尚未公开的成果", "institutions": ["吉林省甲研究院"]}, status="withdrawn")
        for index in ("achievements", "patents", "instruments", "institutions"):
            current_search.refresh(index)
        world = World(jia.id, yi.id, achievement.public_id, patent.public_id, instrument.public_id, withdrawn.public_id, jia.public_id)
        db.session.remove()
        return world
