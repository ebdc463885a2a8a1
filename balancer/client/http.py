"""How the library talks to the API: one keystoneauth1 session either way.

Two ways to find the API, as the original client had:

- ``endpoint`` (+ ``token``): the URL given.  The original's CLI was given
  ``http://host:8181/<tenant_id>`` for tenant calls and ``http://host:8181``
  for devices; so a path on the endpoint is the tenant (unless ``tenant_id``
  says otherwise) and devices live at its root.  Without a token the requests
  carry none (the default, Keystone-less pipeline needs none).
- a Keystone session (password or token auth): the endpoint is looked up in
  the service catalog by service type (``balancer`` unless told otherwise;
  doc/source/cli.rst shows how to register it) and the tenant is the token's
  project.  A catalog URL ending in the project id (the 2012 layout) is
  understood too.
"""

import json
import urllib.parse
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from balancer.client import errors

#: the service type the API is registered under in the Keystone catalog
SERVICE_TYPE = "balancer"


def split_endpoint(url: str, tenant_id: str | None = None) -> tuple[str, str | None]:
    """(root URL of the API, tenant) of an endpoint like the original CLI's."""
    parsed = urllib.parse.urlsplit(url.rstrip("/"))
    path = parsed.path.rstrip("/")
    last = path.rsplit("/", 1)[-1] if path else ""
    if tenant_id is not None and last != tenant_id:
        return url.rstrip("/"), tenant_id
    if not last:
        return url.rstrip("/"), tenant_id
    root = urllib.parse.urlunsplit(parsed._replace(path=path[: -len(last) - 1]))
    return root, last


class Transport:
    """JSON requests to the API root, with the tenant's paths under ``tenant``."""

    def __init__(self, session: ks_session.Session, root: str, tenant_id: str | None,
                 timeout: float | None = 60.0):
        self.session = session
        self.root = root.rstrip("/")
        self.tenant_id = tenant_id
        self.timeout = timeout

    @classmethod
    def from_endpoint(cls, endpoint: str, token: str | None = None,
                      tenant_id: str | None = None, verify: bool | str = True,
                      timeout: float | None = 60.0) -> "Transport":
        root, tenant = split_endpoint(endpoint, tenant_id)
        auth = token_endpoint.Token(root, token) if token else None
        return cls(ks_session.Session(auth=auth, verify=verify), root, tenant, timeout)

    @classmethod
    def from_session(cls, session: ks_session.Session, service_type: str = SERVICE_TYPE,
                     interface: str | None = "public", region_name: str | None = None,
                     tenant_id: str | None = None, endpoint: str | None = None,
                     timeout: float | None = 60.0) -> "Transport":
        try:
            project = tenant_id or session.get_project_id()
            url = endpoint or session.get_endpoint(service_type=service_type,
                                                   interface=interface,
                                                   region_name=region_name)
        except ks_exceptions.EndpointNotFound:
            url = None          # said below, with what was looked for
        except ks_exceptions.ClientException as err:
            raise errors.ConnectionFailed("Keystone: %s" % err) from err
        if not url:
            raise errors.ConnectionFailed(
                "no %r endpoint (interface %s%s) in the service catalog"
                % (service_type, interface, ", region %s" % region_name if region_name else ""))
        root, tenant = split_endpoint(url, project)
        return cls(session, root, tenant, timeout)

    def tenant_path(self, path: str) -> str:
        if not self.tenant_id:
            raise errors.ClientError(
                "no tenant: give an endpoint ending in the tenant id, a tenant id "
                "(--tenant-id), or Keystone credentials scoped to a project")
        return "/%s%s" % (urllib.parse.quote(self.tenant_id, safe=""), path)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """The decoded JSON answer (None for 204), or the ClientError it means."""
        kwargs: dict[str, Any] = {"headers": {"Accept": "application/json"},
                                  "raise_exc": False, "timeout": self.timeout}
        if body is not None:
            kwargs["json"] = body
        try:
            resp = self.session.request(self.root + path, method, **kwargs)
        except ks_exceptions.ConnectionError as err:
            raise errors.ConnectionFailed("cannot reach %s: %s" % (self.root, err)) from err
        except ks_exceptions.ClientException as err:
            raise errors.ClientError(str(err)) from err
        text = resp.text or ""
        try:
            document = json.loads(text) if text.strip() else None
        except ValueError:
            document = None
        if resp.status_code >= 400:
            raise errors.from_response(resp.status_code, resp.reason, document, text)
        return document
