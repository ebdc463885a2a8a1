"""What the 2012 clients sent that needs more than a schema.

The original's command-line client (``balancerclient``) and its Horizon
dashboard sent bodies the original stored without looking.  These helpers give
those bodies the meaning the original gave them, before and after validation
in ``balancer.api.schemas.resources``; doc/source/compatibility.rst lists each
rule, and balancer/tests/functional/test_compat_2012.py sends the bodies.
"""

from balancer.core import exceptions

#: timings of a monitor that does not give them: Atlas's and Libra's defaults
MONITOR_DEFAULTS = {"delay": 30, "timeout": 30, "attemptsBeforeDeactivation": 2}

#: a 2012 spelling -> the field it stands for (both are kept, as sent)
MONITOR_ALIASES = {
    # the Horizon forms posted ``attempts``
    "attempts": "attemptsBeforeDeactivation",
    # the CLI's README: probe-create --extra status=200 --extra url=/
    "status": "expected",
    "url": "path",
}


def without_nulls(data):
    """``data`` without the keys whose value is ``null``: for an optional
    field that means "not given" (form clients send every field of the form,
    empty ones as null); a required one is then reported missing."""
    if not isinstance(data, dict):
        return data
    return {key: value for key, value in data.items() if value is not None}


def monitor_aliases(data):
    """Fill each canonical field from its 2012 spelling, and the timings
    from ``MONITOR_DEFAULTS``; the spellings stay in the record, since the
    original echoed them.  Both spellings with different values is a 400:
    which one the client meant cannot be told."""
    for alias, field in MONITOR_ALIASES.items():
        if alias not in data:
            continue
        if field in data and str(data[field]) != str(data[alias]):
            raise exceptions.Invalid(
                "invalid %s: it is the 2012 spelling of %s, and the two disagree "
                "(%r and %r)" % (alias, field, data[alias], data[field]), field=alias)
        data.setdefault(field, data[alias])
    for field, default in MONITOR_DEFAULTS.items():
        data.setdefault(field, default)
    return data
