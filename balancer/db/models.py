"""SQLAlchemy models of the original's tables, plus what the fixes need.

Table and column names are the original's, so a ``balancer.sqlite`` made in 2012
is adopted as it is (see ``migrations``).  Keys a client sends that have no
column are kept in ``extra`` (JSON text) and merged back into every response.
"""

import datetime
import json
import uuid

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    types,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import backref, declarative_base, declared_attr, relationship, validates

Base = declarative_base()

# MySQL's DATETIME drops microseconds unless told to keep them: rows made in
# one request (db.api.in_order) would tie, and lists come back shuffled
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
# MySQL's TEXT ends at 64 KiB, less than a request body may carry (unknown
# keys kept in ``extra``) or a device may answer (``status_description``)
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def new_id():
    return uuid.uuid4().hex


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class JsonBlob(types.TypeDecorator):
    """JSON kept in a TEXT column, as the original stored ``extra``."""
    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(LongText)

    def process_bind_param(self, value, dialect):
        return json.dumps(value)

    def process_result_value(self, value, dialect):
        return json.loads(value) if value else None


class DictMixin:
    """Rows as plain dicts: columns first, then ``extra`` flattened in."""
    #: columns never shown to clients
    hidden = ("extra",)
    #: columns stored as text by the original but meaning numbers
    numeric = ()

    @classmethod
    def _shown(cls):
        """(column name, is numeric) of every column shown, in table order."""
        shown = cls.__dict__.get("_shown_columns")
        if shown is None:
            shown = tuple((c.name, c.name in cls.numeric) for c in cls.__table__.columns
                          if c.name not in cls.hidden)
            cls._shown_columns = shown
        return shown

    @classmethod
    def as_dict(cls, row):
        """An ORM object, or a plain result row of this table, as a dict."""
        orm = not hasattr(row, "_mapping")
        get = row.__dict__.get if orm else row._mapping.get
        extra = row.extra if orm else get("extra")
        out = {}
        for name, numeric in cls._shown():
            value = get(name)
            if value is None and orm:
                value = getattr(row, name)      # an expired ORM attribute
            if type(value) is datetime.datetime:
                value = value.isoformat()
            elif numeric and value not in (None, ""):
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    pass
            out[name] = value
        if extra:
            for key, value in extra.items():
                out.setdefault(key, value)
        return out

    def to_dict(self):
        return type(self).as_dict(self)


def _timestamps():
    return (Column("created_at", Timestamp, default=utcnow, nullable=True),
            Column("updated_at", Timestamp, default=utcnow, onupdate=utcnow,
                   nullable=True))


class Device(DictMixin, Base):
    __tablename__ = "device"
    hidden = ("extra", "password", "private_key", "vrrp_auth", "ha_behind")
    id = Column(String(32), primary_key=True, default=new_id)
    name = Column(String(255))
    type = Column(String(255))
    version = Column(String(255))
    ip = Column(String(64))
    port = Column(Integer)
    user = Column(String(255))
    password = Column(Text)            # a Fernet token (balancer.db.crypto)
    private_key = Column(LongText)
    host_key = Column(LongText)
    extra = Column(JsonBlob)
    created_at, updated_at = _timestamps()
    # an active/standby pair (balancer.core.pairs; migration 007)
    peer_id = Column(String(32))
    vrrp_interface = Column(String(255))
    vrrp_router_id = Column(Integer)
    vrrp_priority = Column(Integer)
    vrrp_auth = Column(Text)           # a Fernet token, like password
    ha_behind = Column(Integer, nullable=False, default=0, server_default="0")


class LoadBalancer(DictMixin, Base):
    __tablename__ = "loadbalancer"
    # what every deploy reads of a device's LBs (migration 012)
    __table_args__ = (Index("ix_loadbalancer_device_heads", "device_id", "id", "revision",
                            "status", "deployed"),)
    id = Column(String(32), primary_key=True, default=new_id)
    device_id = Column(String(32), ForeignKey("device.id"), index=True)
    name = Column(String(255))
    algorithm = Column(String(255))
    protocol = Column(String(255))
    status = Column(String(255), index=True)
    status_description = Column(LongText)
    tenant_id = Column(String(255), index=True)
    revision = Column(Integer, default=0, nullable=False, server_default="0")
    created_at = Column(Timestamp, default=utcnow, nullable=False)
    updated_at = Column(Timestamp, default=utcnow, onupdate=utcnow, nullable=False)
    deployed = Column(String(40))
    extra = Column(JsonBlob)
    # the operator's side of a device error (see DriverError): admins only
    operator_fault = Column(Text)
    hidden = ("extra", "revision", "operator_fault")

    device = relationship("Device")
    farm = relationship("ServerFarm", uselist=False, back_populates="lb",
                        cascade="all, delete-orphan", passive_deletes=True)


class ServerFarm(DictMixin, Base):
    __tablename__ = "serverfarm"
    id = Column(String(32), primary_key=True, default=new_id)
    lb_id = Column(String(32), ForeignKey("loadbalancer.id", ondelete="CASCADE"),
                   index=True)
    name = Column(String(255))
    type = Column(String(255))
    status = Column(String(255))
    deployed = Column(String(40))
    extra = Column(JsonBlob)
    created_at, updated_at = _timestamps()

    lb = relationship("LoadBalancer", back_populates="farm")
    predictor = relationship("Predictor", uselist=False, cascade="all, delete-orphan",
                             passive_deletes=True)
    servers = relationship("Server", cascade="all, delete-orphan", passive_deletes=True,
                           order_by="Server.created_at, Server.id")
    probes = relationship("Probe", cascade="all, delete-orphan", passive_deletes=True,
                          order_by="Probe.created_at, Probe.id")
    stickies = relationship("Sticky", cascade="all, delete-orphan", passive_deletes=True,
                            order_by="Sticky.created_at, Sticky.id")
    vips = relationship("VirtualServer", cascade="all, delete-orphan",
                        passive_deletes=True,
                        order_by="VirtualServer.created_at, VirtualServer.id")


def _farm_fk():
    return Column(String(32), ForeignKey("serverfarm.id", ondelete="CASCADE"),
                  index=True)


class Predictor(DictMixin, Base):
    __tablename__ = "predictor"
    id = Column(String(32), primary_key=True, default=new_id)
    sf_id = _farm_fk()
    type = Column(String(255))
    deployed = Column(String(40))
    extra = Column(JsonBlob)
    created_at, updated_at = _timestamps()


class Server(DictMixin, Base):
    __tablename__ = "server"
    numeric = ("port",)
    id = Column(String(32), primary_key=True, default=new_id)
    sf_id = _farm_fk()
    name = Column(String(255))
    type = Column(String(255))
    address = Column(String(255))
    port = Column(String(255))
    weight = Column(Integer)
    status = Column(String(255))
    parent_id = Column(Integer)
    deployed = Column(String(40))
    vm_id = Column(Integer, index=True)
    extra = Column(JsonBlob)
    created_at, updated_at = _timestamps()


class _NamedFarmChild(DictMixin):
    """The columns the original gave both probes and stickies."""
    id = Column(String(32), primary_key=True, default=new_id)
    name = Column(String(255))
    type = Column(String(255))
    deployed = Column(String(40))
    extra = Column(JsonBlob)
    created_at = Column(Timestamp, default=utcnow, nullable=True)
    updated_at = Column(Timestamp, default=utcnow, onupdate=utcnow, nullable=True)

    @declared_attr
    def sf_id(cls):
        return _farm_fk()


class Probe(_NamedFarmChild, Base):
    __tablename__ = "probe"


class Sticky(_NamedFarmChild, Base):
    __tablename__ = "sticky"


class VirtualServer(DictMixin, Base):
    __tablename__ = "virtualserver"
    numeric = ("port",)

    @classmethod
    def as_dict(cls, row):
        """The VIP as shown: never a private key (kept sealed in ``extra``)."""
        out = super().as_dict(row)
        out.pop("privateKey", None)
        if isinstance(out.get("sniCertificates"), list):
            out["sniCertificates"] = [
                {k: v for k, v in item.items() if k != "privateKey"}
                for item in out["sniCertificates"] if isinstance(item, dict)]
        return out
    id = Column(String(32), primary_key=True, default=new_id)
    sf_id = _farm_fk()
    lb_id = Column(String(32), ForeignKey("loadbalancer.id", ondelete="CASCADE"),
                   index=True)
    name = Column(String(255))
    address = Column(String(255))
    mask = Column(String(255))
    port = Column(String(255), index=True)
    status = Column(String(255))
    deployed = Column(String(40))
    extra = Column(JsonBlob)
    created_at, updated_at = _timestamps()

    lb = relationship("LoadBalancer")

    @validates("extra")
    def _only_sealed_keys(self, _key, extra):
        """A code path that forgot ``balancer.core.vip_tls.prepare`` fails
        here instead of storing a private key in the clear."""
        items = [extra or {}] + list((extra or {}).get("sniCertificates") or [])
        if any(isinstance(i, dict) and i.get("privateKey")
               and not str(i["privateKey"]).startswith("fernet:") for i in items):
            raise ValueError("a VIP private key must be sealed before it is stored")
        return extra


class AccessItem(DictMixin, Base):
    """A network of a load balancer's access list (``…/accessList``)."""
    __tablename__ = "accesslist"
    id = Column(String(32), primary_key=True, default=new_id)
    lb_id = Column(String(32), ForeignKey("loadbalancer.id", ondelete="CASCADE"),
                   index=True, nullable=False)
    address = Column(String(64), nullable=False)       # a canonical network
    type = Column(String(16), nullable=False)          # ALLOW | DENY
    created_at = Column(Timestamp, default=utcnow, nullable=False)

    lb = relationship("LoadBalancer", backref=backref(
        "access_list", cascade="all, delete-orphan", passive_deletes=True,
        order_by="AccessItem.created_at, AccessItem.id"))

    def to_dict(self):
        return {"id": self.id, "address": self.address, "type": self.type}


class ConnectionThrottle(DictMixin, Base):
    """A load balancer's per-source connection limits (``…/connectionThrottle``)."""
    __tablename__ = "connectionthrottle"
    id = Column(String(32), primary_key=True, default=new_id)
    lb_id = Column(String(32), ForeignKey("loadbalancer.id", ondelete="CASCADE"),
                   unique=True, nullable=False)
    max_connections = Column(Integer)
    min_connections = Column(Integer)
    max_connection_rate = Column(Integer)
    rate_interval = Column(Integer)
    created_at, updated_at = _timestamps()

    lb = relationship("LoadBalancer", backref=backref(
        "throttle", uselist=False, cascade="all, delete-orphan", passive_deletes=True))

    # column -> the API's (Atlas) field name
    FIELDS = {"max_connections": "maxConnections", "min_connections": "minConnections",
              "max_connection_rate": "maxConnectionRate", "rate_interval": "rateInterval"}

    def to_dict(self):
        return {field: getattr(self, column) for column, field in self.FIELDS.items()}


class DeviceHealth(Base):
    """The last health probe of a device (balancer/core/prober.py), one row
    per device: a table of its own, so that a probe every few seconds
    neither touches the device's ``updated_at`` nor waits for its row lock
    (``db.api.lock_device_row``)."""
    __tablename__ = "device_health"
    device_id = Column(String(32), ForeignKey("device.id", ondelete="CASCADE"),
                       primary_key=True)
    health = Column(String(16))          # balancer.common.constants.HEALTHS
    error = Column(Text)                 # the operator's words: admin views only
    vrrp_role = Column(String(16))       # balancer.common.constants.VRRP_ROLES
    checked_at = Column(Timestamp)
    valid_until = Column(Timestamp)      # after it, nobody vouches for the word
class TenantLimit(Base):
    """An admin's override of one limit for one tenant (balancer/core/quotas.py);
    a tenant without a row for a limit has the ``[limits]`` default."""
    __tablename__ = "tenant_limit"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_tenant_limit_name"),)
    id = Column(String(32), primary_key=True, default=new_id)
    tenant_id = Column(String(255), nullable=False)
    name = Column(String(64), nullable=False)
    value = Column(Integer, nullable=False)
    updated_at = Column(Timestamp, default=utcnow, onupdate=utcnow, nullable=False)


# the deploy history's table, so the models' metadata is the whole schema
from balancer.db import deploy_history as _deploy_history  # noqa: E402,F401
