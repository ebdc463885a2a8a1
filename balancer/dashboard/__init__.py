"""The web dashboard: static files served at ``/dashboard`` by balancer-api
itself, talking to the same JSON API (doc/source/dashboard.rst)."""
