"""The version of balancer."""

VERSION = "2026.1.0"
