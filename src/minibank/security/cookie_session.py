"""Flask's signed-cookie session, opened only when the request carries the cookie."""

from flask.sessions import SecureCookieSessionInterface


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    """Same cookies as Flask's default; an API call without one skips building the signer."""

    def open_session(self, app, request):
        """An empty session when there is no session cookie, else Flask's signed one."""
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
