# SPDX-License-Identifier: LGPL-2.1-or-later
#
# frostdoc - the `.. kernel-doc::` directive of frost's Documentation/.
#
# Theory of operation. The API reference has one source, the kernel-doc
# comments of include/frost/*.h. This extension loads scripts/kernel-doc-man
# (the generator that also writes the man pages), asks it for the
# reStructuredText of one header, or of the names listed in :identifiers:,
# and parses that text in place, so a core-api page keeps its own prose
# (overviews, guarantees, examples) and pulls each function's description
# from the header:
#
#   .. kernel-doc:: include/frost/sandbox.h
#      :identifiers: frost_sandbox_attach frost_sandbox_detach
#
# The generator's warnings (an undocumented argument, a name with no
# comment) become Sphinx warnings, so `make htmldocs` (-W) fails on them.
# The header is recorded as a dependency: editing it rebuilds the page.
import importlib.machinery
import importlib.util
import os

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import ViewList
from sphinx.util import logging
from sphinx.util.nodes import nested_parse_with_titles

SRCTREE = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
_GEN = None
logger = logging.getLogger(__name__)


def generator():
    global _GEN
    if _GEN is None:
        path = os.path.join(SRCTREE, 'scripts', 'kernel-doc-man')
        loader = importlib.machinery.SourceFileLoader('kernel_doc_man', path)
        spec = importlib.util.spec_from_loader('kernel_doc_man', loader)
        _GEN = importlib.util.module_from_spec(spec)
        loader.exec_module(_GEN)
    return _GEN


class SphinxParser:
    """The generator's parser, reporting through Sphinx's logger."""

    def __init__(self, gen, location):
        self.inner = gen.Parser()
        self.location = location
        self.inner.warn = self.warn

    def warn(self, path, line, msg):
        logger.warning('%s:%d: %s', os.path.relpath(path, SRCTREE), line, msg,
                       location=self.location)
        self.inner.warnings += 1


class KernelDoc(Directive):
    required_arguments = 1
    optional_arguments = 0
    has_content = False
    option_spec = {'identifiers': directives.unchanged_required}

    def run(self):
        env = self.state.document.settings.env
        gen = generator()
        path = os.path.join(SRCTREE, self.arguments[0])
        env.note_dependency(path)
        env.note_dependency(os.path.join(SRCTREE, 'scripts', 'kernel-doc-man'))
        only = self.options.get('identifiers')
        only = only.split() if only else None
        headers = sorted(os.path.join(SRCTREE, 'include', 'frost', f)
                         for f in os.listdir(os.path.join(SRCTREE, 'include', 'frost'))
                         if f.endswith('.h'))
        # Cross-references: every documented name of every header.
        quiet = gen.Parser()
        quiet.warn = lambda *a: None
        known = gen.known_names([d for h in headers for d in quiet.parse(h)])
        parser = SphinxParser(gen, (env.docname, self.lineno))
        lines, _ = gen.rst_for([path], only, known=known, parser=parser.inner)
        view = ViewList()
        for i, l in enumerate(lines):
            view.append(l, path, i)
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, view, node)
        return node.children


def setup(app):
    app.add_directive('kernel-doc', KernelDoc)
    return {'version': '1', 'parallel_read_safe': True, 'parallel_write_safe': True}
