"""JSON schemas of what the API answers, for the OpenAPI document.

The service does not validate its own answers against these; the OpenAPI
document (balancer/api/schemas/openapi.py) carries them, and the schemathesis
run (balancer/tests/functional/test_openapi_fuzz.py) checks every answer it
gets against them.  Unknown keys a client stored (``extra``) come back
beside the known ones, so every record allows additional properties.
"""


def nullable(kind, **more):
    return dict({"type": [kind, "null"]}, **more)


TEXT = nullable("string")
STAMP = nullable("string", description="UTC time, ISO 8601 without a zone")
NUMBER = nullable("integer")
DEPLOYED = nullable("string", description='"True" once live on the device, "False" '
                                          'while pending, "REJECTED" when the device '
                                          'refused it')


def record(description, required=("id",), **properties):
    """A stored record: ``id``, timestamps, the given fields, and extras."""
    props = dict({"id": {"type": "string"}, "created_at": STAMP, "updated_at": STAMP,
                  "deployed": DEPLOYED}, **properties)
    return {"type": "object", "description": description, "required": list(required),
            "properties": props, "additionalProperties": True}


LOAD_BALANCER = record(
    "A load balancer; unknown keys sent on create or update come back as sent.",
    required=("id", "name", "status", "tenant_id"),
    device_id=TEXT, name=TEXT, algorithm=TEXT, protocol=TEXT, tenant_id=TEXT,
    status={"type": "string",
            "enum": ["BUILD", "ACTIVE", "PENDING_UPDATE", "PENDING_DELETE", "ERROR"]},
    statusDescription={"type": "string", "description": "why the status is ERROR"})
NODE = record(
    "A node (backend server) of a load balancer.", required=("id", "address", "port"),
    sf_id=TEXT, name=TEXT, type=TEXT, address={"type": "string"}, port={"type": "integer"},
    weight=NUMBER, status=TEXT, parent_id=NUMBER, vm_id=NUMBER,
    condition={"type": "string", "enum": ["ENABLED", "DISABLED", "DRAINING"]},
    notApplied={"type": "array", "items": {"type": "string"},
                "description": "fields kept but without effect on any device"},
    operatingStatus={"type": "string", "description": "as the device reports it"})
VIP = record(
    "A virtual IP of a load balancer.", required=("id", "address", "port"),
    sf_id=TEXT, lb_id=TEXT, name=TEXT, type=TEXT, status=TEXT, mask=TEXT,
    address={"type": "string"}, port={"type": "integer"},
    ipVersion={"type": "string", "enum": ["IPv4", "IPv6"]}, protocol=TEXT,
    # HTTPS only (doc/source/tls.rst); a private key is never shown
    certificate={"type": "string", "description": "the PEM chain, leaf first"},
    certificateInfo={"type": "object", "description": "names, expiry and SHA-256 "
                     "fingerprint of the certificate"},
    sniCertificates={"type": "array", "items": {"type": "object", "properties": {
        "certificate": {"type": "string"}, "certificateInfo": {"type": "object"}}}},
    tlsMinVersion=TEXT, ciphers=TEXT, httpRedirectPort=NUMBER,
    forwardedHeaders={"type": "boolean"})
ACCESS_ITEM = {"type": "object", "description": "A network of a load balancer's access list.",
               "required": ["id", "address", "type"], "additionalProperties": False,
               "properties": {"id": {"type": "string"}, "address": {"type": "string"},
                              "type": {"type": "string", "enum": ["ALLOW", "DENY"]}}}
THROTTLE = {"type": "object", "description": "Per-source connection limits ({} when none).",
            "additionalProperties": False,
            "properties": {"maxConnections": NUMBER, "minConnections": NUMBER,
                           "maxConnectionRate": NUMBER, "rateInterval": NUMBER}}
MONITOR = record(
    "A health monitor of a load balancer.", required=("id", "type"),
    sf_id=TEXT, name=TEXT, type={"type": "string"}, delay=NUMBER, timeout=NUMBER,
    attemptsBeforeDeactivation=NUMBER, method=TEXT, path=TEXT, expected=TEXT)
STICKY = record(
    "Session persistence of a load balancer.", required=("id", "type"),
    sf_id=TEXT, name=TEXT, type={"type": "string"}, cookieName=TEXT)
DEVICE = record(
    "A device; its password and private key are never shown, only whether it has them.",
    required=("id", "name", "type", "ip", "has_password", "has_private_key"),
    name=TEXT, type=TEXT, version=TEXT, ip=TEXT, port=NUMBER, user=TEXT, host_key=TEXT,
    has_password={"type": "boolean"}, has_private_key={"type": "boolean"},
    capabilities={"type": "object"},
    health={"type": "string", "enum": ["ONLINE", "DEGRADED", "OFFLINE", "UNKNOWN"],
            "description": "the last health probe's word; UNKNOWN before the first "
                           "probe and once no probe renewed it"},
    health_error=nullable("string", description="what the last probe found wrong"),
    health_checked_at=nullable("string", description="UTC time of the last probe, "
                                                     "ISO 8601 without a zone"),
    # an active/standby pair (doc/source/ha.rst)
    peer_id=TEXT, vrrp_interface=TEXT, vrrp_router_id=NUMBER, vrrp_priority=NUMBER,
    has_vrrp_auth={"type": "boolean"},
    ha={"type": ["object", "null"], "description": "the device's pair; null when unpaired",
        "properties": {"peer_id": {"type": "string"},
                       "role": {"type": "string",
                                "enum": ["MASTER", "BACKUP", "FAULT", "UNKNOWN"],
                                "description": "as keepalived on the box reports it"},
                       "behind": {"type": "boolean",
                                  "description": "the box missed a change its peer got"}}})


def ref(name):
    return {"$ref": "#/components/schemas/" + name}


def many(name):
    return {"type": "array", "items": ref(name)}


DETAILS = dict(LOAD_BALANCER, description="A load balancer with all its children.",
               properties=dict(LOAD_BALANCER["properties"], nodes=many("Node"),
                               virtualIps=many("VirtualIp"), healthMonitor=many("Monitor"),
                               sessionPersistence=many("Sticky"),
                               accessList=many("AccessItem"),
                               connectionThrottle=ref("ConnectionThrottle")))
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "title", "message"],
    "properties": {"code": {"type": "integer"}, "title": {"type": "string"},
                   "message": {"type": "string"},
                   "field": {"type": "string", "description": "the field a 400 is about"}},
    "additionalProperties": True}}}

COUNT = nullable("integer", minimum=0)
_TRAFFIC = {"bytesIn": COUNT, "bytesOut": COUNT, "currentConnections": COUNT,
            "totalConnections": COUNT, "requestErrors": COUNT, "connectionErrors": COUNT,
            "responseErrors": COUNT}
NODE_STATS = {"type": "object", "required": ["id", "health"], "properties": dict(
    _TRAFFIC, id={"type": "string"}, address={"type": "string"}, port=NUMBER,
    lastCheck=TEXT,
    health={"type": "string", "enum": ["UP", "DOWN", "DRAIN", "MAINT", "UNKNOWN"]})}
STATS = {"type": "object", "description": "Live figures of a load balancer as its device "
         "counts them since its process started; null where unknown (liveStatus UNKNOWN) "
         "or not counted there.",
         "required": ["loadbalancer_id", "nodes", "liveStatus"],
         "properties": dict(_TRAFFIC, loadbalancer_id={"type": "string"},
                            liveStatus={"type": "string", "enum": ["KNOWN", "UNKNOWN"]},
                            liveStatusReason={"type": "string"},
                            nodes={"type": "array", "items": NODE_STATS})}
LIMIT = {"type": "object", "required": ["value", "default", "override"], "properties": {
    "value": {"type": "integer", "description": "the limit in force"},
    "default": {"type": "integer", "description": "the [limits] default"},
    "override": nullable("integer", description="the admin's value for this tenant"),
    "used": {"type": "integer", "description": "how many the tenant has"}}}
LIMITS = {"type": "object", "required": ["tenant_id", "absolute"], "properties": {
    "tenant_id": {"type": "string"},
    "absolute": {"type": "object", "additionalProperties": LIMIT}}}
DEPLOY = {"type": "object", "description": "One deploy to a device.",
          "required": ["id", "device_id", "started_at", "duration_ms", "outcome"],
          "properties": {"id": {"type": "string"}, "device_id": {"type": "string"},
                         "started_at": STAMP, "finished_at": STAMP,
                         "duration_ms": {"type": "integer"},
                         "outcome": {"type": "string", "enum": ["SUCCESS", "PARTIAL", "FAILED"]},
                         "load_balancers": {"type": "integer"},
                         "rejected": {"type": "integer"}, "message": TEXT}}
DEPLOYS = {"type": "object", "required": ["deploys", "perMinute"], "properties": {
    "deploys": many("Deploy"),
    "perMinute": {"type": "array", "description": "the last 30 minutes, oldest first",
                  "items": {"type": "object", "properties": {
                      "minute": {"type": "string"}, "deploys": {"type": "integer"},
                      "failed": {"type": "integer"}}}}}}

#: component name -> schema
COMPONENTS = {"Deploy": DEPLOY, "LoadBalancer": LOAD_BALANCER, "Node": NODE, "VirtualIp": VIP,
              "Monitor": MONITOR, "Sticky": STICKY, "Device": DEVICE,
              "LoadBalancerDetails": DETAILS, "Error": ERROR, "Stats": STATS,
              "Limits": LIMITS, "AccessItem": ACCESS_ITEM, "ConnectionThrottle": THROTTLE}


def wrapped(key, name, plural=False):
    """``{key: <name>}`` or ``{key: [<name>...]}``."""
    inner = many(name) if plural else ref(name)
    return {"type": "object", "required": [key], "properties": {key: inner}}


#: (controller, action) -> (success code, response schema or None)
SUCCESS = {
    ("lbs", "index"): (200, wrapped("loadbalancers", "LoadBalancer", True)),
    ("lbs", "create"): (202, wrapped("loadbalancer", "LoadBalancer")),
    ("lbs", "find_for_vm"): (200, wrapped("loadbalancers", "LoadBalancer", True)),
    ("lbs", "show"): (200, wrapped("loadbalancer", "LoadBalancer")),
    ("lbs", "update"): (202, wrapped("loadbalancer", "LoadBalancer")),
    ("lbs", "delete"): (204, None),
    ("lbs", "details"): (200, ref("LoadBalancerDetails")),
    ("nodes", "change_status"): (200, wrapped("node", "Node")),
    ("nodes", "index"): (200, wrapped("nodes", "Node", True)),
    ("nodes", "create"): (200, wrapped("nodes", "Node", True)),
    ("nodes", "show"): (200, wrapped("node", "Node")),
    ("nodes", "update"): (200, wrapped("node", "Node")),
    ("nodes", "delete"): (204, None),
    ("access", "index"): (200, wrapped("accessList", "AccessItem", True)),
    ("access", "create"): (200, wrapped("accessList", "AccessItem", True)),
    ("access", "delete"): (204, None),
    ("throttle", "show"): (200, wrapped("connectionThrottle", "ConnectionThrottle")),
    ("throttle", "update"): (200, wrapped("connectionThrottle", "ConnectionThrottle")),
    ("throttle", "delete"): (204, None),
    ("devices", "index"): (200, wrapped("devices", "Device", True)),
    ("devices", "create"): (200, wrapped("device", "Device")),
    ("devices", "show"): (200, wrapped("device", "Device")),
    ("devices", "update"): (200, wrapped("device", "Device")),
    ("devices", "delete"): (204, None),
    ("devices", "info"): (200, {"type": "object", "required": ["info"],
                                "properties": {"info": {"type": "object"}}}),
    ("deploys", "index"): (200, DEPLOYS),
    ("devices", "loadbalancers"): (200, {"type": "object", "required": ["loadbalancers"],
                                    "properties": {"loadbalancers": {
                                        "type": "array", "items": {
                                            "type": "object", "properties": {
                                                "id": {"type": "string"}, "name": TEXT,
                                                "tenant_id": TEXT, "status": TEXT}}}}}),
    ("capabilities", "algorithms"): (200, {"type": "object", "required": ["algorithms"],
                                           "properties": {"algorithms": {
                                               "type": "array", "items": {"type": "string"}}}}),
    ("capabilities", "protocols"): (200, {"type": "object", "required": ["protocols"],
                                          "properties": {"protocols": {
                                              "type": "array", "items": {"type": "string"}}}}),
}
SUCCESS.update({
    ("stats", "show"): (200, wrapped("stats", "Stats")),
    ("limits", "show"): (200, wrapped("limits", "Limits")),
    ("limits", "update"): (200, wrapped("limits", "Limits")),
    ("limits", "delete"): (204, None),
    ("metrics", "show"): (200, None),
})
#: (controller, action) -> media type of an answer that is not JSON
NOT_JSON = {("metrics", "show"): "text/plain"}
for _name, _key, _list_key, _component in (("monitors", "healthMonitoring", "healthMonitoring",
                                            "Monitor"),
                                           ("stickies", "sessionPersistence",
                                            "sessionPersistence", "Sticky"),
                                           ("vips", "virtualIp", "virtualIps", "VirtualIp")):
    SUCCESS[(_name, "index")] = (200, wrapped(_list_key, _component, True))
    SUCCESS[(_name, "create")] = (200, wrapped(_key, _component))
    SUCCESS[(_name, "show")] = (200, wrapped(_key, _component))
    SUCCESS[(_name, "delete")] = (204, None)
SUCCESS[("vips", "update")] = (200, wrapped("virtualIp", "VirtualIp"))
