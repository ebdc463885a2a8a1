"""Sphinx configuration of balancer's documentation.

Built with warnings as errors by balancer/tests/functional/test_docs.py and by
``./run_tests.sh --docs``::

    .venv/bin/python -m sphinx -W -b html doc/source doc/build/html
"""

import os
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, TOP)

from balancer import version  # noqa: E402

project = "balancer"
copyright = "balancer contributors"
release = version.VERSION
version = release

extensions = [
    "oslo_config.sphinxext",      # .. show-options:: (from the balancer namespace)
    "oslo_policy.sphinxext",      # .. show-policy:: (from the balancer namespace)
]

master_doc = "index"
exclude_patterns = ["api/examples"]
html_theme = "alabaster"
html_static_path = []
pygments_style = "sphinx"
highlight_language = "none"
