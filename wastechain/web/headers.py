"""Security headers on every response (pages and API) and the request size limit.

The pages load scripts and styles only from /static (no inline <script>, <style> or on* attributes), so the
Content-Security-Policy needs no 'unsafe-inline' and no nonce. HSTS only when cookies are Secure, i.e. the service
is served over HTTPS: sent over plain http it would lock the demo out of its own host.
"""
CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "object-src 'none'",
    "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app) -> None:
    settings = app.extensions["wastechain.settings"]
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length  # Werkzeug answers 413 (http_errors' shape)
    headers = dict(HEADERS, **({"Strict-Transport-Security": HSTS} if settings.session_cookie_secure else {}))

    @app.after_request
    def _security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
