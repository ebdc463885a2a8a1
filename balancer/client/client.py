"""``Client``: every resource of the API behind one object.

    from balancer.client import Client
    api = Client(endpoint="http://127.0.0.1:8181/demo")          # DevBox, no Keystone
    api = Client.with_password(auth_url="http://keystone:5000/v3", username="alice",
                               password="...", project_name="demo")
    lb = api.load_balancers.create("web", algorithm="ROUND_ROBIN", protocol="HTTP")
    api.wait_for(lb["id"])

Errors are ``balancer.client.errors.ClientError`` subclasses carrying the
server's JSON error.  Tested against a real ``balancer-api`` process in
balancer/tests/integration/test_client_cli.py.
"""

import time
from collections.abc import Callable
from typing import Any

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic

from balancer.client import errors, resources
from balancer.client.http import SERVICE_TYPE, Transport

#: statuses a load balancer is done in; the others are pending
FINAL = ("ACTIVE", "ERROR")


class Client:
    def __init__(self, endpoint: str | None = None, token: str | None = None,
                 session: ks_session.Session | None = None, tenant_id: str | None = None,
                 service_type: str = SERVICE_TYPE, interface: str | None = "public",
                 region_name: str | None = None, verify: bool | str = True,
                 timeout: float | None = 60.0):
        """``endpoint`` (+ ``token``) as the original client took them, or a
        keystoneauth1 ``session`` whose catalog has the API (``endpoint``
        then overrides the catalog's URL)."""
        if session is not None:
            self.transport = Transport.from_session(session, service_type, interface,
                                                    region_name, tenant_id, endpoint,
                                                    timeout)
        elif endpoint:
            self.transport = Transport.from_endpoint(endpoint, token, tenant_id, verify,
                                                     timeout)
        else:
            raise errors.ClientError("give an endpoint, or Keystone credentials")
        self.capabilities = resources.Capabilities(self.transport)
        self.devices = resources.Devices(self.transport)
        self.load_balancers = resources.LoadBalancers(self.transport)
        self.nodes = resources.Nodes(self.transport)
        self.monitors = resources.Monitors(self.transport)
        self.persistence = resources.Persistence(self.transport)
        self.vips = resources.Vips(self.transport)
        self.limits = resources.Limits(self.transport)
        self.access_lists = resources.AccessLists(self.transport)
        self.throttles = resources.Throttles(self.transport)

    @classmethod
    def with_password(cls, auth_url: str, username: str, password: str,
                      project_name: str | None = None, project_id: str | None = None,
                      user_domain_name: str = "Default",
                      project_domain_name: str = "Default", verify: bool | str = True,
                      **kwargs: Any) -> "Client":
        auth = generic.Password(auth_url=auth_url, username=username, password=password,
                                project_name=project_name, project_id=project_id,
                                user_domain_name=user_domain_name,
                                project_domain_name=project_domain_name)
        return cls(session=ks_session.Session(auth=auth, verify=verify), **kwargs)

    @classmethod
    def with_token(cls, auth_url: str, token: str, project_name: str | None = None,
                   project_id: str | None = None, project_domain_name: str = "Default",
                   verify: bool | str = True, **kwargs: Any) -> "Client":
        """A Keystone token, rescoped to the project and checked by Keystone."""
        auth = generic.Token(auth_url=auth_url, token=token, project_name=project_name,
                             project_id=project_id, project_domain_name=project_domain_name)
        return cls(session=ks_session.Session(auth=auth, verify=verify), **kwargs)

    def wait_for(self, lb_id: str, timeout: float = 600.0, interval: float = 1.0,
                 progress: Callable[[dict[str, Any]], None] | None = None,
                 gone: bool = False) -> dict[str, Any] | None:
        """Poll the load balancer until it is ACTIVE or ERROR (or, with
        ``gone``, deleted: returns None).  ``progress`` sees every record
        read.  WaitFailed on ERROR or when ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                lb = self.load_balancers.get(lb_id)
            except errors.NotFound:
                if gone:
                    return None
                raise
            if progress:
                progress(lb)
            if lb.get("status") == "ERROR":
                raise errors.WaitFailed("load balancer %s is ERROR: %s"
                                        % (lb_id, lb.get("statusDescription")
                                           or "no reason given"), error={"loadbalancer": lb})
            if lb.get("status") in FINAL and not gone:
                return lb
            if time.monotonic() >= deadline:
                raise errors.WaitFailed("load balancer %s still %s after %ss"
                                        % (lb_id, lb.get("status"), timeout))
            time.sleep(interval)
