"""``POST /dashboard/signin``: a Keystone token for a user name and password.

The page could ask Keystone itself, but Keystone is another origin and
sends no CORS headers by default; so balancer-api asks it, with
keystoneauth1, and hands the page the token.  The token is then used like
any other: every API call carries it in ``X-Auth-Token`` and authtoken
validates it.  Nothing is stored here; the password is never logged or
repeated.  A sign-in with a token the user already has needs no route at
all: the page sends it to ``GET /dashboard/api/session``
(balancer/dashboard/session.py).

Which Keystone: ``[dashboard] keystone_url``, else ``[keystone_authtoken]
www_authenticate_uri``, else its ``auth_url`` (keystonemiddleware registers
those options when the Keystone pipeline is built).
"""

import json

import webob
import webob.exc
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from oslo_config import cfg

from balancer.api import schemas
from balancer.api.middleware import faults
from balancer.api.schemas import document
from balancer.core import exceptions

NAME = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": schemas.whole(r"[^\x00-\x1f\x7f]+")}
BODY = {"type": "object", "required": ["username", "password"],
        "additionalProperties": False,
        "properties": {"username": NAME, "password": schemas.write_only(NAME),
                       "project": NAME}}


def keystone_url(conf):
    """The identity URL sign-ins go to, or None where none is configured."""
    if conf.dashboard.keystone_url:
        return conf.dashboard.keystone_url
    for name in ("www_authenticate_uri", "auth_url"):
        try:
            value = getattr(conf.keystone_authtoken, name)
        except (cfg.NoSuchOptError, cfg.NoSuchGroupError, AttributeError):
            continue
        if value:
            return value
    return None


def _url_v3(url):
    url = url.rstrip("/")
    return url if url.endswith("/v3") else url + "/v3"


def get_token(conf, username, password, project=None):
    """(token, access info) from Keystone; raises the core's errors."""
    url = keystone_url(conf)
    if url is None:
        raise exceptions.NotFound("signing in with a password needs the Keystone pipeline "
                                  "([paste_deploy] flavor = keystone) and its Keystone URL")
    scope = {}
    if project:
        scope = {"project_name": project,
                 "project_domain_name": conf.dashboard.project_domain_name}
    auth = v3.Password(auth_url=_url_v3(url), username=username, password=password,
                       user_domain_name=conf.dashboard.user_domain_name, **scope)
    session = ks_session.Session(auth=auth, timeout=conf.dashboard.keystone_timeout)
    try:
        access = auth.get_access(session)
    except ks_exceptions.Unauthorized as err:
        raise exceptions.NotAuthenticated(
            "Keystone refused the user name, password or project.") from err
    except (ks_exceptions.ConnectFailure, ks_exceptions.ConnectTimeout,
            ks_exceptions.DiscoveryFailure) as err:
        raise exceptions.Unavailable("Keystone does not answer: %s" % type(err).__name__) \
            from err
    except ks_exceptions.ClientException as err:
        raise exceptions.Unavailable("Keystone refused the sign-in: %s"
                                     % type(err).__name__) from err
    return access.auth_token, access


def answer(req, conf):
    """The sign-in route's response."""
    if req.method != "POST":
        error = webob.exc.HTTPMethodNotAllowed("sign in with POST")
        error.headers["Allow"] = "POST"
        return faults.response_for(error)
    if req.content_type not in ("application/json", ""):
        raise exceptions.Invalid("send the sign-in as application/json", field="body")
    values = schemas.validate(BODY, document.parse(req.body_file.read(64 * 1024)))
    token, access = get_token(conf, values["username"], values["password"],
                              values.get("project"))
    if not access.project_id:
        raise exceptions.Forbidden("the user has no project to sign in to: name one")
    body = {"token": token, "expires_at": access.expires.isoformat() if access.expires else None,
            "project_id": access.project_id, "project_name": access.project_name,
            "user_name": access.username, "roles": list(access.role_names or [])}
    response = webob.Response(content_type="application/json", charset="utf-8",
                              cache_control="no-store")
    response.text = json.dumps(body)
    return response
