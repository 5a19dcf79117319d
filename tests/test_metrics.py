from telegram import Update

from bot import metrics


def test_every_update_kind_python_telegram_bot_knows_is_counted_under_its_name():
    """Issue 12, item 9: the hand-written list missed kinds PTB knows (guest_message,
    managed_bot...), which were counted as "other"."""
    for kind in Update.ALL_TYPES:
        assert metrics.update_kind({"update_id": 1, str(kind.value): {}}) == kind.value
    assert metrics.update_kind({"update_id": 1, "not_a_kind": {}}) == "other"
    assert metrics.update_kind({"update_id": 1}) == "other"
