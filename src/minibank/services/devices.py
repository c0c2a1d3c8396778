"""A session's device, named from its User-Agent for people to recognise ("Chrome on Android")."""

from functools import lru_cache

from ua_parser import parse

DEVICE_MAX = 100


@lru_cache(maxsize=1024)
def device_name(user_agent: str | None) -> str:
    """The browser (or program) and the system it runs on, as a person would say it; "Unknown device" when unsaid."""
    result = parse((user_agent or "")[:1000])
    program = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else None
    system = result.os.family if result.os and result.os.family != "Other" else None
    name = f"{program} on {system}" if program and system else program or system or "Unknown device"
    return name[:DEVICE_MAX]
