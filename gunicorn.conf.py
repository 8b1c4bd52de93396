"""gunicorn's settings for the portal: the Dockerfile and docker-compose.yml start it with
`--config gunicorn.conf.py` (gunicorn also reads this file by itself when started here).

Access logs never hold a token (issue 10). The links in SMS carry the booking's token in their
query string, and the API takes `?token=`; whoever reads a log line with one could cancel that
booking. So a request is logged by its path without the query string, and so is the referrer.
Addresses and timings are kept as in the usual "combined" format.

Where the access log goes stays on the command line (`--access-logfile -` in docker-compose.yml),
so that the benchmarks, which start gunicorn from here without one, log nothing per request.
"""

from urllib.parse import urlsplit, urlunsplit

from gunicorn.glogging import Logger

# "combined", with the path (%(U)s) in place of the raw request line (%(r)s, which has the query).
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)


def without_query(url):
    """The address without its query string and fragment: "/booking/X/?token=T" -> "/booking/X/"."""
    if not url or url == "-":
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class AccessLogger(Logger):
    """Takes the query string out of every piece of a request an access-log format may name:
    the request line, the query, the referrer, and the same read from the headers and the
    environment ({referer}i, {raw_uri}e, {query_string}e…), whatever access_log_format says."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = f"{atoms['m']} {atoms['U']} {atoms['H']}"
        atoms["q"] = ""
        atoms["f"] = without_query(atoms["f"])
        for key in ("{referer}i", "{raw_uri}e", "{request_uri}e"):
            if key in atoms:
                atoms[key] = without_query(atoms[key])
        atoms.pop("{query_string}e", None)
        return atoms


logger_class = AccessLogger
