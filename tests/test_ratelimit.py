from bot.ratelimit import Window, check


def test_allows_up_to_the_limit_in_the_window_then_refuses():
    window = Window()
    assert [check(window, t, 3, 10) for t in (0, 1, 2)] == ["allow"] * 3
    assert check(window, 3, 3, 10) == "refuse_and_tell"
    assert check(window, 4, 3, 10) == "refuse_quietly"
    assert check(Window(), 4, 3, 10) == "allow"  # another user's window is their own


def test_the_window_slides():
    window = Window()
    assert check(window, 0, 2, 10) == check(window, 5, 2, 10) == "allow"
    assert check(window, 9, 2, 10) == "refuse_and_tell"
    assert check(window, 10.5, 2, 10) == "allow"  # the update at 0 left the window
    assert check(window, 11, 2, 10) == "refuse_and_tell"  # a new burst is told again
    assert check(window, 12, 2, 10) == "refuse_quietly"


def test_the_window_survives_its_json_and_bad_json_is_an_empty_window():
    window = Window()
    check(window, 1.5, 1, 10)
    check(window, 2.0, 1, 10)
    again = Window.model_validate(window.model_dump())
    assert again == window and check(again, 3.0, 1, 10) == "refuse_quietly"
    for junk in (None, [], {"times": "x", "told": "yes"}, {"times": [1, "a", None]}):
        assert Window.model_validate(junk).told is False
    assert Window.model_validate({"times": [1, "a", None, True]}).times == [1.0]
