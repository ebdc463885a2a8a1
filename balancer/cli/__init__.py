"""The ``balancer`` command line (cliff), also an OpenStackClient plugin.

Command names and arguments are the original client's (``balancerclient``);
doc/source/cli.rst is the user's guide, ``registry.COMMANDS`` the list.
"""
