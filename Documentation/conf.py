# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sphinx configuration for frost's Documentation/ (`make htmldocs`).
#
# Deliberately minimal: no extension that needs the network or a package
# beyond Debian's python3-sphinx, so the build is reproducible in CI and
# warning-free under -W.

project = 'frost'
author = 'The frost authors'
copyright = 'The frost authors; LGPL-2.1-or-later'
version = '0.1'
release = '0.1.0'

extensions = []
master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['output', '_build', 'Thumbs.db', '.DS_Store']
templates_path = []

# Literal blocks (``::``) are not highlighted: many hold timelines and
# diagrams, not code. C examples use ``.. code-block:: c``.
highlight_language = 'none'
primary_domain = 'c'
default_role = 'literal'

# alabaster is Sphinx's default theme, but Debian ships it in a separate
# package that python3-sphinx only recommends; 'classic' is built in.
try:
    import alabaster  # noqa: F401
    html_theme = 'alabaster'
except ImportError:
    html_theme = 'classic'
html_static_path = []
html_title = 'frost ' + release
html_show_sourcelink = False
