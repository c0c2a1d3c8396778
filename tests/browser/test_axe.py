"""The accessibility check itself: a violation fails with its rule, impact and target."""

import pytest

from .axe import assert_accessible

pytestmark = pytest.mark.browser


def test_a_violation_fails_with_its_rule_and_target(open_page, axe_source):
    page = open_page()
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><h1>t</h1><img id="logo" src="x.png"></main>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, axe_source, "a page with an image and no alt text")
    message = str(failure.value)
    assert "image-alt [critical]" in message and "#logo" in message and "a page with an image" in message
