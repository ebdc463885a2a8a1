"""A small typed Python client of the balancer API (``balancer.client.Client``).

The ``balancer`` command line (balancer/cli/) is built on it; so are the
client tests in balancer/tests/integration/test_client_cli.py.
"""

from balancer.client.client import Client
from balancer.client.errors import (
    BadRequest,
    ClientError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    NotFound,
    Unauthorized,
    WaitFailed,
)

__all__ = ["BadRequest", "Client", "ClientError", "Conflict", "ConnectionFailed",
           "Forbidden", "NotFound", "Unauthorized", "WaitFailed"]
