# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sphinx configuration for frost's Documentation/ (`make htmldocs`).
#
# Deliberately minimal: no extension that needs the network or a package
# beyond Debian's python3-sphinx, so the build is reproducible in CI and
# warning-free under -W. The one extension, sphinx/frostdoc.py, is frost's
# own: `.. kernel-doc::` pulls the API reference from the headers' kernel-doc
# comments (through scripts/kernel-doc-man, which also writes the man pages).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sphinx'))

project = 'frost'
author = 'The frost authors'
copyright = 'The frost authors; LGPL-2.1-or-later'
version = '0.1'
release = '0.1.0'

extensions = ['frostdoc']
master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['output', '_build', 'sphinx', 'Thumbs.db', '.DS_Store']
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

# `make mandocs`: the section 1 and 7 pages come from these documents
# (section 3, one page per function and structure, from the headers:
# scripts/kernel-doc-man). Each page goes into its section's directory.
man_pages = [
    ('whatisfrost', 'frost', 'a lock-free heap of shared immutable objects',
     [author], 7),
    ('checklist', 'frost-checklist', 'review checklist for code that uses frost',
     [author], 7),
    ('lua', 'frost-lua', 'the Lua 5.4 binding of frost (require "frost")',
     [author], 7),
    ('dev-tools/torture', 'frost-torture', 'stress the frost heap, check every read',
     [author], 1),
    ('dev-tools/bench', 'frost-bench', 'benchmarks of the frost library',
     [author], 1),
    ('dev-tools/bench-lua', 'frost-bench-lua',
     'Lua states sharing one frozen data set against a copy per state', [author], 1),
]
man_make_section_directory = True
man_show_urls = False
