"""The pairing fields of a device body (doc/source/ha.rst).

Merged into the device schema by ``balancer.api.schemas.resources``; kept
here so the pair contract reads in one place.
"""

from balancer.api.schemas import TOKEN, integer, number, whole, write_only

#: a path on the box, as the device schema spells its other paths
STATE_DIR = {"type": "string", "maxLength": 1024, "pattern": whole(r"/[A-Za-z0-9._/\-]+")}

#: ``vrrp_auth`` ends up in keepalived.conf: keepalived's PASS authentication
#: uses at most 8 characters, and quotes, spaces and '#' would end the word
AUTH = {"type": "string", "minLength": 1, "maxLength": 8,
        "pattern": whole(r"[A-Za-z0-9._:@/+=\-]+")}
INTERFACE = {"type": "string", "minLength": 1, "maxLength": 15,
             "pattern": whole(r"[A-Za-z0-9._@:\-]+")}

PROPERTIES = {
    "peer_id": {"anyOf": [TOKEN, {"type": "null"}],
                "description": "the other device of an active/standby pair; null unpairs"},
    "vrrp_interface": INTERFACE,
    "vrrp_router_id": integer(1, 255),
    "vrrp_priority": integer(1, 254),
    "vrrp_auth": write_only(AUTH),
    # device settings kept in ``extra``, checked because they reach keepalived.conf
    "vrrp_version": integer(2, 3),
    # whole seconds with VRRPv2; VRRPv3 takes fractions (0.5: failover in ~2 s)
    "vrrp_advert_int": number(0.05, 255),
    "ha_peers_port": integer(1, 65535),
    # adverts a backup misses before it takes over a silent master (3: VRRP's rule)
    "vrrp_down_adverts": integer(2, 100),
    # where the driver keeps keepalived's files and state word on the box
    "state_dir": STATE_DIR,
}
