from bot.ratelimit import RateLimiter


def test_allows_up_to_the_limit_in_the_window_then_refuses():
    limiter = RateLimiter(limit=3, period=10)
    assert [limiter.check(1, t) for t in (0, 1, 2)] == ["allow"] * 3
    assert limiter.check(1, 3) == "refuse_and_tell"
    assert limiter.check(1, 4) == "refuse_quietly"
    assert limiter.check(2, 4) == "allow"  # other users are not affected


def test_the_window_slides():
    limiter = RateLimiter(limit=2, period=10)
    assert limiter.check(1, 0) == limiter.check(1, 5) == "allow"
    assert limiter.check(1, 9) == "refuse_and_tell"
    assert limiter.check(1, 10.5) == "allow"  # the update at 0 left the window
    assert limiter.check(1, 11) == "refuse_and_tell"  # a new burst is told again
    assert limiter.check(1, 12) == "refuse_quietly"
