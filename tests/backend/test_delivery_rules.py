"""Channel rules for deliveries to citizens (pure function, no database)."""

from datetime import datetime, timedelta, timezone

import pytest

from backend.app.services.delivery_rules import decide

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def ago(**delta):
    return NOW - timedelta(**delta)


@pytest.mark.parametrize("channel", ["telegram", "socketio", "rest"])
@pytest.mark.parametrize("kind", ["reply", "status", "closed", "handback"])
def test_channels_without_a_window_always_allow(channel, kind):
    for last in (None, ago(minutes=1), ago(days=30)):
        decision = decide(channel, kind, last, NOW)
        assert decision.allowed and decision.messaging_type is None and decision.tag is None
        assert decision.reason == ""


@pytest.mark.parametrize("kind", ["reply", "status", "closed", "handback"])
def test_messenger_within_24_hours_is_a_response(kind):
    for last in (ago(minutes=5), ago(hours=23, minutes=59), ago(hours=24)):
        decision = decide("facebook", kind, last, NOW)
        assert (decision.allowed, decision.messaging_type, decision.tag) == (True, "RESPONSE", None)


@pytest.mark.parametrize("kind", ["reply", "status"])
def test_messenger_human_agent_tag_until_day_7_for_what_operators_write(kind):
    for last in (ago(hours=24, seconds=1), ago(days=3), ago(days=7)):
        decision = decide("facebook", kind, last, NOW)
        assert (decision.allowed, decision.messaging_type, decision.tag) == (True, "MESSAGE_TAG", "HUMAN_AGENT")
    late = decide("facebook", kind, ago(days=7, seconds=1), NOW)
    assert not late.allowed and "7 ngày" in late.reason and "HUMAN_AGENT" in late.reason


@pytest.mark.parametrize("kind", ["closed", "handback"])
def test_messenger_automated_messages_only_within_24_hours(kind):
    decision = decide("facebook", kind, ago(hours=25), NOW)
    assert not decision.allowed and decision.messaging_type is None and "24 giờ" in decision.reason


@pytest.mark.parametrize("kind", ["reply", "status", "closed", "handback"])
def test_zalo_within_7_days_of_the_citizens_last_interaction(kind):
    assert decide("zalo", kind, ago(days=6, hours=23), NOW).allowed
    assert decide("zalo", kind, ago(days=7), NOW).allowed
    late = decide("zalo", kind, ago(days=7, minutes=1), NOW)
    assert not late.allowed and "Zalo" in late.reason and "7 ngày" in late.reason
    assert decide("zalo", kind, ago(minutes=1), NOW).messaging_type is None


@pytest.mark.parametrize("channel", ["facebook", "zalo"])
def test_window_channels_need_a_known_citizen_message(channel):
    decision = decide(channel, "reply", None, NOW)
    assert not decision.allowed and "Chưa ghi nhận tin nhắn" in decision.reason


@pytest.mark.parametrize("channel", ["", "cmdline", "callback"])
def test_unknown_channels_are_not_allowed(channel):
    decision = decide(channel, "reply", ago(minutes=1), NOW)
    assert not decision.allowed and "không hỗ trợ gửi tin" in decision.reason
