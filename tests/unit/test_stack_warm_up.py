"""What stack up's warm-up prints when a request fails: the platform's error, or the
start of whatever else answered."""
import httpx

from stack.warm_up import error_of


def test_the_platforms_error_message_is_shown():
    response = httpx.Response(504, json={"error": "no model answered by the deadline", "reason": "timeout"})
    assert error_of(response) == "no model answered by the deadline"


def test_a_body_that_is_not_json_is_shown_as_text():
    assert error_of(httpx.Response(502, text="<html>Bad Gateway</html>")) == "<html>Bad Gateway</html>"
