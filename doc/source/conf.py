"""Sphinx configuration of balancer's documentation.

Built with warnings as errors by doc/Makefile, which ``cd doc && make html``,
``./run_tests.sh --docs`` and balancer/tests/functional/test_docs.py all run::

    cd doc && make html        # then open doc/html/index.html
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
