"""The alerts' delivery rules that need no server: webhook signatures, the addresses a webhook
may not call, and when a digest period is due."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from web.services.alert_periods import DigestSchedule, immediate_key
from web.services.webhooks import Target, check_webhook_url, resolve_target, signature, verify_signature

SECRET = "s3cret-webhook-key"
BODY = '{"delivery":7,"items":[]}'.encode()


# -- signatures ------------------------------------------------------------------------------------
def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1700000000, BODY) == f"sha256={expected}"


def test_a_receiver_accepts_a_fresh_signed_body():
    header = signature(SECRET, 1700000000, BODY)
    assert verify_signature(SECRET, "1700000000", BODY, header, now=1700000100)


@pytest.mark.parametrize("secret, body, ts, now", [
    ("another-secret", BODY, 1700000000, 1700000000),  # not our key
    (SECRET, BODY + b" ", 1700000000, 1700000000),  # body changed on the way
    (SECRET, BODY, 1700000001, 1700000000),  # timestamp changed: the signature covers it
    (SECRET, BODY, 1700000000, 1700000301),  # replayed too late
])
def test_a_receiver_refuses_what_was_changed_or_replayed(secret, body, ts, now):
    header = signature(SECRET, 1700000000, BODY)
    assert not verify_signature(secret, ts, body, header, tolerance=300, now=now)


def test_a_receiver_refuses_missing_or_malformed_headers():
    assert not verify_signature(SECRET, "1700000000", BODY, None, now=1700000000)
    assert not verify_signature(SECRET, "not-a-number", BODY, signature(SECRET, 1700000000, BODY), now=1700000000)


# -- server-side request forgery -------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "https://10.0.0.5/hook",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://0.0.0.0/",
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://[::1]/hook",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://localhost:5000/hook",  # a name resolving to loopback
    "http://2130706433/",  # 127.0.0.1 as one number
])
def test_webhooks_never_call_private_addresses(url):
    with pytest.raises(ValueError) as refused:
        check_webhook_url(url, allow_private=False)
    assert "Webhook" in str(refused.value) and "(" in str(refused.value)  # both languages


@pytest.mark.parametrize("url, says", [
    ("ftp://93.184.216.34/hook", "http"),
    ("file:///etc/passwd", "http"),
    ("gopher://93.184.216.34/", "http"),
    ("javascript:alert(1)", "http"),
    ("http://user:pw@93.184.216.34/hook", "user name"),
    ("http://user@93.184.216.34/hook", "user name"),
    ("http:///hook", "host"),
    ("", "required"),
    ("http://93.184.216.34:99999/", "port"),
])
def test_webhook_addresses_must_be_plain_http(url, says):
    with pytest.raises(ValueError, match=says):
        check_webhook_url(url, allow_private=False)


def test_a_public_address_is_pinned_with_its_host_name():
    target = resolve_target("https://93.184.216.34:8443/in/hook?x=1")
    assert target == Target("https", "93.184.216.34", 8443, "93.184.216.34", "/in/hook?x=1")
    assert target.host_header == "93.184.216.34:8443"
    assert resolve_target("http://93.184.216.34").host_header == "93.184.216.34"


def test_tests_may_allow_loopback():
    assert resolve_target("http://127.0.0.1:9/hook", allow_private=True).address == "127.0.0.1"


def test_production_refuses_to_start_with_private_webhooks(tmp_path):
    from web import create_app

    with pytest.raises(RuntimeError, match="ALERTS_WEBHOOK_ALLOW_PRIVATE"):
        create_app({"ENV": "production", "SECRET_KEY": "x" * 40, "PUBLIC_BASE_URL": "https://kjcg.example.cn",
                    "INSTANCE_PATH": str(tmp_path), "ALERTS_WEBHOOK_ALLOW_PRIVATE": True})


# -- digest periods --------------------------------------------------------------------------------
CHINA = DigestSchedule("Asia/Shanghai", hour=8, weekday=0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_a_daily_period_is_due_after_the_local_hour():
    # 2026-12-01 08:00 in Shanghai is 00:00 UTC
    assert CHINA.period_key("daily", utc(2026, 11, 30, 23, 59)) == "d2026-11-30"  # 07:59 local: yesterday's
    assert CHINA.period_key("daily", utc(2026, 12, 1, 0, 0)) == "d2026-12-01"
    assert CHINA.period_key("daily", utc(2026, 12, 1, 15, 59)) == "d2026-12-01"  # 23:59 local
    assert CHINA.period_key("daily", utc(2026, 12, 1, 16, 0)) == "d2026-12-01"  # 00:00 local, 2 Dec: not yet 8
    assert CHINA.due_at("daily", utc(2026, 12, 1, 5)) == utc(2026, 12, 1, 0, 0)


def test_the_timezone_decides_the_day():
    utc_schedule = DigestSchedule("UTC", hour=8)
    moment = utc(2026, 12, 1, 3, 0)  # 11:00 in Shanghai, 03:00 in UTC
    assert CHINA.period_key("daily", moment) == "d2026-12-01"
    assert utc_schedule.period_key("daily", moment) == "d2026-11-30"


def test_a_weekly_period_is_due_on_its_weekday():
    # 2026-11-30 is a Monday (ISO week 49)
    assert CHINA.period_key("weekly", utc(2026, 11, 29, 23, 59)) == "w2026-W48"  # Monday 07:59 local
    assert CHINA.period_key("weekly", utc(2026, 11, 30, 0, 0)) == "w2026-W49"  # Monday 08:00 local
    assert CHINA.period_key("weekly", utc(2026, 12, 6, 15, 0)) == "w2026-W49"  # Sunday 23:00 local
    friday = DigestSchedule("Asia/Shanghai", hour=8, weekday=4)
    assert friday.due_day("weekly", utc(2026, 12, 1, 2)) == datetime(2026, 11, 27).date()
    assert friday.period_key("weekly", utc(2026, 12, 4, 1)) == "w2026-W49"  # Friday 4 Dec 09:00 local


def test_weekly_keys_follow_iso_years():
    assert CHINA.period_key("weekly", utc(2027, 1, 1, 12)) == "w2026-W53"  # Monday 28 Dec 2026 is in ISO week 53


def test_stored_times_without_zone_are_utc():
    assert CHINA.period_key("daily", datetime(2026, 12, 1, 0, 0)) == "d2026-12-01"


def test_immediate_keys_name_the_first_match():
    assert immediate_key(42) == "m42"


def test_no_period_for_immediate_alerts():
    with pytest.raises(ValueError):
        CHINA.period_key("immediate", utc(2026, 12, 1))
