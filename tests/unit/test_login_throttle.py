"""The lockout's figures, counted on the throttle itself with a hand-moved clock."""

from minibank.security.throttle import LoginThrottle, MemoryCounters, client_key

DAY = 86400
MIDNIGHT = 20_834 * DAY  # a UTC midnight: the day budgets count per UTC day


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def guess(throttle, address, email="victim@example.com") -> bool:
    """One wrong password, if the throttle lets this address try now."""
    if throttle.retry_after(email, address) is not None:
        return False
    throttle.failed(email, address)
    return True


def test_one_address_gets_twenty_guesses_a_day():
    clock = Clock(MIDNIGHT)
    throttle = LoginThrottle(MemoryCounters(), clock=clock)
    guesses = 0
    while clock.now < MIDNIGHT + DAY:
        guesses += guess(throttle, "10.0.0.1")
        clock.now += 10
    assert guesses == 20


def test_a_thousand_addresses_get_one_guess_each_and_the_emails_budget():
    clock = Clock(MIDNIGHT)
    throttle = LoginThrottle(MemoryCounters(), clock=clock)
    addresses = [f"10.{n // 250}.{n % 250}.1" for n in range(1000)]
    guesses = 0
    while clock.now < MIDNIGHT + DAY:  # every address tries every hour, as often as allowed
        for address in addresses:
            while guess(throttle, address):
                guesses += 1
        clock.now += 3600
    # One per fresh address, and what was left of the e-mail's own budget: 1,000 + at most 50.
    assert 1000 <= guesses <= 1050


def test_a_fresh_address_is_never_held_back_by_other_addresses_failures():
    clock = Clock(MIDNIGHT)
    throttle = LoginThrottle(MemoryCounters(), clock=clock)
    for n in range(200):
        guess(throttle, f"10.0.{n}.1")
    assert throttle.retry_after("victim@example.com", "10.0.0.1") is not None  # failed itself: waits
    assert throttle.retry_after("victim@example.com", "192.0.2.1") is None  # fresh: may try
    assert throttle.retry_after("other@example.com", "10.0.0.1") is None  # budgets are per e-mail


def test_a_success_forgets_the_pair_only():
    clock = Clock(MIDNIGHT)
    throttle = LoginThrottle(
        MemoryCounters(), "2 per hour", address_tiers="3 per hour", email_tiers="2 per hour", clock=clock
    )
    guess(throttle, "10.0.0.1")
    guess(throttle, "10.0.0.1")
    assert throttle.retry_after("victim@example.com", "10.0.0.1") is not None
    throttle.succeeded("victim@example.com", "10.0.0.1")
    assert throttle.retry_after("victim@example.com", "10.0.0.1") is None
    guess(throttle, "10.0.0.1", email="someone@example.com")  # the address's own budget was kept: 3 of 3
    assert throttle.retry_after("third@example.com", "10.0.0.1") is not None


def test_keys_are_hashed():
    storage = MemoryCounters()
    throttle = LoginThrottle(storage, clock=Clock(MIDNIGHT))
    throttle.failed("victim@example.com", "10.0.0.1")
    stored = " ".join(storage.counts)
    assert stored and "victim" not in stored and "10.0.0.1" not in stored


def test_client_key_groups_ipv6_by_64_and_unwraps_mapped_ipv4():
    assert client_key("2001:db8:1:2::5") == client_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert client_key("::ffff:10.0.0.1") == client_key("10.0.0.1") == "10.0.0.1"
    assert client_key(None) == "unknown"
