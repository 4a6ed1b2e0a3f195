"""The fixed document set every backend indexes for the conformance suite.

Hand-written so each test can state exactly what it expects. Chinese, English and mixed
texts; facets with known counts; dates, numbers, booleans, lists; one draft; one document
with markup in its text."""
from __future__ import annotations

from indexer import IndexDoc


def _ach(n: int, title: str, summary: str, **extra) -> dict:
    doc = {
        "id": f"ach-{n}",
        "record_type": "achievement",
        "status": "published",
        "title": title,
        "summary": summary,
        "published_at": f"2024-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}T08:00:00Z",
    }
    doc.update(extra)
    keywords = doc.get("keywords", [])
    if doc["status"] == "published":
        doc["suggest"] = [{"input": [title], "weight": 10}] + ([{"input": keywords, "weight": 5}] if keywords else [])
    return doc


ACHIEVEMENTS = [
    _ach(1, "高能量密度锂离子电池正极材料制备技术",
         "本成果涉及锂离子电池正极材料，采用共沉淀法制备高镍三元材料，能量密度提高20%，循环寿命超过2000次。",
         keywords=["锂离子电池", "正极材料", "共沉淀"], holders=["吉林大学"], holder_ids=["org-1"], city="changchun",
         field="new_energy", trl=6, year=2023, transfer_modes=["license", "transfer"], price_amount=800000.0,
         price_mode="fixed", level="intl_advanced", registered_at="2023-05-10", transferred=False),
    _ach(2, "固态电池电解质薄膜及其制备方法",
         "提出一种硫化物固态电解质薄膜制备工艺，离子电导率达到10 mS/cm，可用于全固态电池。",
         keywords=["固态电池", "电解质"], holders=["中国科学院长春应用化学研究所"], holder_ids=["org-2"], city="changchun",
         field="energy_storage", trl=4, year=2024, transfer_modes=["cooperation"], price_mode="negotiable",
         level="intl_leading", registered_at="2024-02-01", transferred=False),
    _ach(3, "玉米抗旱高产新品种选育",
         "选育玉米新品种吉单系列，抗旱性强，亩产提高12%，适合吉林西部半干旱区和盐碱地种植。",
         keywords=["玉米", "抗旱", "新品种"], holders=["吉林农业大学", "吉林省农业科学院"], holder_ids=["org-3", "org-4"],
         city="changchun", field="modern_agriculture", trl=8, year=2022, transfer_modes=["license"],
         price_amount=150000.0, price_mode="fixed", level="domestic_leading", registered_at="2022-09-15", transferred=True),
    _ach(4, "大豆与玉米带状复合种植技术",
         "集成大豆玉米带状复合种植模式，配套智慧农机，实现玉米不减产、多收一季大豆。",
         keywords=["大豆", "玉米", "复合种植"], holders=["吉林省农业科学院"], holder_ids=["org-4"], city="changchun",
         field="modern_agriculture", trl=7, year=2023, transfer_modes=["license", "cooperation"], price_amount=50000.0,
         price_mode="fixed", level="domestic_advanced", registered_at="2023-03-20", transferred=True),
    _ach(5, "Graphene coatings for lithium battery electrodes",
         "Graphene-coated electrodes improve the batteries' cycling stability at high rates; pilot line in Changchun.",
         title_en="Graphene coatings for lithium battery electrodes",
         keywords=["graphene", "battery", "coating"], holders=["吉林大学"], holder_ids=["org-1"], city="changchun",
         field="new_materials", trl=5, year=2024, transfer_modes=["transfer"], price_amount=2000000.0,
         price_mode="fixed", level="intl_advanced", registered_at="2024-06-30", transferred=False),
    _ach(6, "石墨烯导热膜规模化制备技术",
         "石墨烯导热膜面内导热系数超过1500 W/(m·K)，适用于5G手机和芯片散热。",
         keywords=["石墨烯", "导热膜", "芯片"], holders=["长春理工大学"], holder_ids=["org-5"], city="changchun",
         field="new_materials", trl=6, year=2021, transfer_modes=["equity"], price_amount=5000000.0, price_mode="fixed",
         level="domestic_leading", registered_at="2021-11-11", transferred=False),
    _ach(7, "梅花鹿茸多肽提取工艺",
         "以梅花鹿茸为原料，酶解提取活性多肽，得率提高30%，可用于保健食品。",
         keywords=["梅花鹿", "鹿茸", "多肽"], holders=["吉林农业大学"], holder_ids=["org-3"], city="jilin",
         field="sika_deer", trl=7, year=2022, transfer_modes=["license"], price_amount=300000.0, price_mode="fixed",
         level="domestic_advanced", registered_at="2022-04-02", transferred=False),
    _ach(8, "激光雷达点云实时处理芯片",
         "面向自动驾驶的LiDAR点云处理芯片，延迟低于5毫秒，功耗降低40%。",
         keywords=["激光雷达", "芯片", "自动驾驶"], holders=["中国科学院长春光学精密机械与物理研究所"], holder_ids=["org-6"],
         city="changchun", field="optoelectronics", trl=5, year=2024, transfer_modes=["cooperation", "equity"],
         price_mode="negotiable", level="intl_advanced", registered_at="2024-08-08", transferred=False),
    _ach(9, "黑土地保护性耕作技术体系",
         "针对东北黑土地退化，集成秸秆覆盖免耕播种技术，土壤有机质提高8%。",
         keywords=["黑土地", "保护性耕作", "秸秆"], holders=["中国科学院东北地理与农业生态研究所"], holder_ids=["org-7"],
         city="changchun", field="modern_agriculture", trl=9, year=2020, transfer_modes=["self_implementation"],
         price_mode="negotiable", level="intl_leading", registered_at="2020-12-01", transferred=True),
    _ach(10, "汽车轻量化碳纤维复合材料车身部件",
         "采用高压树脂传递模塑工艺制备碳纤维车身部件，减重35%，已在一汽车型上试装。",
         keywords=["碳纤维", "汽车", "轻量化"], holders=["吉林大学", "中国第一汽车集团有限公司"], holder_ids=["org-1", "org-8"],
         city="changchun", field="automotive", trl=7, year=2023, transfer_modes=["cooperation"], price_amount=12000000.0,
         price_mode="fixed", level="domestic_leading", registered_at="2023-07-07", transferred=True),
    _ach(11, "人参皂苷高效分离纯化方法",
         "采用大孔树脂与制备色谱联用分离人参皂苷Rg3，纯度达98%。",
         keywords=["人参", "皂苷"], holders=["长春中医药大学"], holder_ids=["org-9"], city="changchun",
         field="biomedicine", trl=4, year=2021, transfer_modes=["transfer"], price_amount=600000.0, price_mode="fixed",
         level="domestic_advanced", registered_at="2021-05-05", transferred=False),
    _ach(12, "盐碱地水稻种植土壤改良剂",
         "研制新型盐碱地改良剂，施用后土壤pH下降0.8，水稻增产15%。",
         keywords=["盐碱地", "改良剂", "水稻"], holders=["吉林农业大学"], holder_ids=["org-3"], city="baicheng",
         field="modern_agriculture", trl=6, year=2022, transfer_modes=["license"], price_amount=90000.0, price_mode="fixed",
         level="domestic_leading", registered_at="2022-10-10", transferred=False),
    _ach(13, "钢铁冶金余热回收系统",
         "回收烧结矿显热发电，吨钢节能12千克标准煤，降低碳排放。",
         keywords=["余热回收", "冶金"], holders=["吉林建筑大学"], holder_ids=["org-10"], city="jilin",
         field="new_energy", trl=8, year=2019, transfer_modes=["transfer", "license"], price_amount=3500000.0,
         price_mode="fixed", level="domestic_advanced", registered_at="2019-09-09", transferred=True),
    _ach(14, "<b>安全</b>测试 & 电池管理系统",
         "电池管理系统 <script>alert('x')</script> 可实时估算荷电状态，误差小于2%。",
         keywords=["电池管理"], holders=["延边大学"], holder_ids=["org-11"], city="yanbian",
         field="electronic_info", trl=5, year=2024, transfer_modes=["license"], price_amount=400000.0, price_mode="fixed",
         level="not_evaluated", registered_at="2024-01-15", transferred=False),
    _ach(15, "氢燃料电池催化剂（草稿）",
         "低铂燃料电池催化剂，尚在评审中。",
         keywords=["燃料电池", "催化剂"], holders=["吉林大学"], holder_ids=["org-1"], city="changchun",
         field="new_energy", trl=3, year=2025, status="draft", transfer_modes=["license"], price_mode="negotiable"),
]

PATENTS = [
    {"id": "pat-1", "record_type": "patent", "status": "published", "title": "一种锂离子电池正极材料的制备方法",
     "summary": "本发明公开了一种锂离子电池正极材料的制备方法，通过共沉淀得到球形前驱体。",
     "first_claim": "1. 一种锂离子电池正极材料的制备方法，其特征在于，包括以下步骤……",
     "holders": ["吉林大学"], "holder_ids": ["org-1"], "city": "changchun", "kind": "invention", "legal_status": "in_force",
     "ipc": ["H01M4/525", "H01M10/0525"], "ipc_main": "H01M4/525", "ipc_sections": ["H"], "ipc_classes": ["H01"],
     "ipc_subclasses": ["H01M"], "open_licence": True, "licence_fee": 200000.0, "year": 2021,
     "filed_at": "2021-03-01", "application_no": "2021102345678", "publication_no": "CN112345678A",
     "published_at": "2024-02-01T00:00:00Z", "suggest": [{"input": ["一种锂离子电池正极材料的制备方法"], "weight": 10}]},
    {"id": "pat-2", "record_type": "patent", "status": "published", "title": "玉米籽粒含水率在线检测装置",
     "summary": "本实用新型涉及一种玉米籽粒含水率在线检测装置，采用微波传感器。",
     "holders": ["吉林农业大学"], "holder_ids": ["org-3"], "city": "changchun", "kind": "utility", "legal_status": "in_force",
     "ipc": ["G01N22/04"], "ipc_main": "G01N22/04", "ipc_sections": ["G"], "ipc_classes": ["G01"], "ipc_subclasses": ["G01N"],
     "open_licence": False, "year": 2022, "filed_at": "2022-06-01", "application_no": "2022201234567",
     "published_at": "2024-03-01T00:00:00Z", "suggest": [{"input": ["玉米籽粒含水率在线检测装置"], "weight": 10}]},
    {"id": "pat-3", "record_type": "patent", "status": "published", "title": "激光焊接机器人视觉引导方法",
     "summary": "本发明涉及激光焊接，利用双目视觉引导机器人轨迹，焊缝跟踪精度0.1毫米。",
     "holders": ["长春理工大学"], "holder_ids": ["org-5"], "city": "changchun", "kind": "invention", "legal_status": "pending",
     "ipc": ["B23K26/00", "G06T7/00"], "ipc_main": "B23K26/00", "ipc_sections": ["B", "G"], "ipc_classes": ["B23", "G06"],
     "ipc_subclasses": ["B23K", "G06T"], "open_licence": False, "year": 2023, "filed_at": "2023-01-12",
     "application_no": "2023100456789", "published_at": "2024-04-01T00:00:00Z",
     "suggest": [{"input": ["激光焊接机器人视觉引导方法"], "weight": 10}]},
    {"id": "pat-4", "record_type": "patent", "status": "published", "title": "Method for training a neural network on LiDAR data",
     "summary": "A method trains neural networks on LiDAR point clouds for autonomous vehicles.",
     "title_en": "Method for training a neural network on LiDAR data",
     "holders": ["中国科学院长春光学精密机械与物理研究所"], "holder_ids": ["org-6"], "city": "changchun", "kind": "invention",
     "legal_status": "lapsed", "ipc": ["G06N3/08"], "ipc_main": "G06N3/08", "ipc_sections": ["G"], "ipc_classes": ["G06"],
     "ipc_subclasses": ["G06N"], "open_licence": False, "year": 2020, "filed_at": "2020-05-05",
     "application_no": "2020105556667", "published_at": "2024-05-01T00:00:00Z",
     "suggest": [{"input": ["Method for training a neural network on LiDAR data"], "weight": 10}]},
]

INSTRUMENTS = [
    {"id": "ins-1", "record_type": "instrument", "status": "published", "title": "场发射扫描电子显微镜",
     "title_en": "Field emission scanning electron microscope", "summary": "用于材料微观形貌观察与能谱分析，分辨率0.8 nm。",
     "holders": ["吉林大学"], "holder_ids": ["org-1"], "city": "changchun", "instrument_class": "analytical",
     "manufacturer": "JEOL", "model": "JSM-7900F", "value": 4200000.0, "shared": True, "year": 2019,
     "service_modes": ["commissioned_testing", "self_operation"], "published_at": "2024-01-01T00:00:00Z",
     "suggest": [{"input": ["场发射扫描电子显微镜", "Field emission scanning electron microscope"], "weight": 10}]},
    {"id": "ins-2", "record_type": "instrument", "status": "published", "title": "核磁共振波谱仪（600MHz）",
     "summary": "用于有机化合物结构解析。", "holders": ["中国科学院长春应用化学研究所"], "holder_ids": ["org-2"],
     "city": "changchun", "instrument_class": "analytical", "manufacturer": "Bruker", "model": "AVANCE NEO 600",
     "value": 9800000.0, "shared": True, "year": 2021, "service_modes": ["commissioned_testing"],
     "published_at": "2024-01-02T00:00:00Z", "suggest": [{"input": ["核磁共振波谱仪（600MHz）"], "weight": 10}]},
    {"id": "ins-3", "record_type": "instrument", "status": "published", "title": "激光共聚焦显微镜",
     "summary": "细胞成像与荧光分析。", "holders": ["吉林大学"], "holder_ids": ["org-1"], "city": "changchun",
     "instrument_class": "medical_research", "manufacturer": "Zeiss", "model": "LSM 980", "value": 3500000.0,
     "shared": False, "year": 2022, "published_at": "2024-01-03T00:00:00Z",
     "suggest": [{"input": ["激光共聚焦显微镜"], "weight": 10}]},
]

INSTITUTIONS = [
    {"id": "org-1", "record_type": "institution", "status": "published", "title": "吉林大学", "aliases": ["吉大", "JLU"],
     "inst_type": "university", "city": "changchun", "achievements_count": 4,
     "suggest": [{"input": ["吉林大学"], "weight": 8}, {"input": ["吉大", "JLU"], "weight": 6}]},
    {"id": "org-3", "record_type": "institution", "status": "published", "title": "吉林农业大学",
     "inst_type": "university", "city": "changchun", "achievements_count": 4,
     "suggest": [{"input": ["吉林农业大学"], "weight": 8}]},
    {"id": "org-4", "record_type": "institution", "status": "published", "title": "吉林省农业科学院",
     "inst_type": "institute", "city": "changchun", "achievements_count": 2,
     "suggest": [{"input": ["吉林省农业科学院"], "weight": 8}]},
]

CORPUS = {"achievements": ACHIEVEMENTS, "patents": PATENTS, "instruments": INSTRUMENTS, "institutions": INSTITUTIONS}


def docs(index: str) -> list[IndexDoc]:
    return [IndexDoc(d["id"], 1, d) for d in CORPUS[index]]


def published(index: str) -> list[dict]:
    return [d for d in CORPUS[index] if d["status"] == "published"]


def bulk_docs(n: int) -> list[IndexDoc]:
    """Many similar documents for paging tests (ids pad so string order = numeric order)."""
    out = []
    for i in range(n):
        out.append(IndexDoc(f"bulk-{i:05d}", 1, {
            "id": f"bulk-{i:05d}", "record_type": "achievement", "status": "published",
            "title": f"批量测试成果 {i} 传感器", "summary": "用于翻页测试的传感器成果。",
            "trl": (i % 9) + 1, "year": 2000 + (i % 25), "city": ["changchun", "jilin", "siping"][i % 3],
        }))
    return out
