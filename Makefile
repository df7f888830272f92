# SPDX-License-Identifier: LGPL-2.1-or-later
#
# frost top-level Makefile (Kbuild style).
#
# Theory of operation: every directory that holds sources has a short Kbuild
# file listing what it contributes (`lib-y += object.o`, `subdir-y += core`,
# `prog-y += frost-demo`, `test-y += t0000-tap`, `helper-y += tap-fail`,
# `shlib-y += dlclose-mod` (a .so linked against libfrost.so, for tests
# that dlopen() it), `luamod-y += frost` (a Lua C module, installed),
# `script-y += t9000-install.sh`). This Makefile walks those lists once,
# from lib/, tools/ and t/, and derives every object, program and test from
# them: adding a file is one line in its directory's Kbuild.
#
# Objects go to $(objtree), which is the source tree unless O=dir is given
# (or SANITIZE=kind, which defaults O to build/sanitize-kind so sanitized and
# plain objects never mix). The configuration ($(objtree)/.config, made from
# configs/defconfig when missing) becomes include/generated/autoconf.h, which
# every object force-includes; a change of configuration or of compiler
# flags rebuilds every object, header dependencies come from -MMD -MP.
#
# Output is quiet (`  CC      lib/core/object.o`); V=1 prints commands.

VERSION    := 0
PATCHLEVEL := 1
SUBLEVEL   := 0
FROST_VERSION := $(VERSION).$(PATCHLEVEL).$(SUBLEVEL)

MAKEFLAGS += --no-print-directory -rR
.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all

srctree := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

ifneq ($(SANITIZE),)
  ifeq ($(filter $(SANITIZE),address thread undefined),)
    $(error SANITIZE must be one of address, thread, undefined (got '$(SANITIZE)'))
  endif
  O ?= $(srctree)/build/sanitize-$(SANITIZE)
endif
ifneq ($(O),)
  objtree := $(abspath $(O))
else
  objtree := $(srctree)
endif

ifeq ($(V),1)
  Q :=
  quiet :=
else
  Q := @
  quiet := quiet_
endif
# $(call cmd,name): print quiet_cmd_name (or the command itself with V=1), run cmd_name.
cmd = @$(if $($(quiet)cmd_$(1)),echo '  $(call escsq,$($(quiet)cmd_$(1)))';,echo '$(call escsq,$(cmd_$(1)))';) $(cmd_$(1))
escsq = $(subst ','\'',$(1))
# Path of a target as the user sees it: relative to the object tree.
rel = $(patsubst $(objtree)/%,%,$(1))

# ---------------------------------------------------------------------------
# Toolchain and flags

CC      ?= cc
ifeq ($(origin CC),default)
  CC := cc
endif
AR      ?= ar
ifeq ($(origin AR),default)
  AR := ar
endif
PKG_CONFIG ?= pkg-config
SPARSE  ?= sparse
PROVE   ?= prove
KCONFIG_CONF  ?= kconfig-conf
KCONFIG_MCONF ?= kconfig-mconf

# The library's dependencies (frost.pc's Requires.private). Concurrency Kit
# is not one of them: every candidate use was measured or argued against
# (Documentation/design/ck.rst); only a benchmark links it (TOOL_PKGS).
DEP_PKGS := liburcu-qsbr liburcu-cds
TOOL_PKGS := ck
# Dependency headers are reached as system headers (-isystem): their
# transparent unions and casts would otherwise trip our warnings.
DEP_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags $(DEP_PKGS) $(TOOL_PKGS) 2>/dev/null))
DEP_LIBS   := $(shell $(PKG_CONFIG) --libs $(DEP_PKGS) 2>/dev/null)
TOOL_PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(TOOL_PKGS) 2>/dev/null)
# The Lua 5.4 binding (tools/lua/frost.so) is built when pkg-config knows
# Lua 5.4 (liblua5.4-dev); it is a module, so it does not link liblua.
LUA_PKG ?= lua5.4
HAVE_LUA := $(shell $(PKG_CONFIG) --exists $(LUA_PKG) 2>/dev/null && echo y)
LUA_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags $(LUA_PKG) 2>/dev/null))

# frost_quiescent() (inline, include/frost/sandbox.h) and lib/rcu/qs.c read
# liburcu-qsbr internals: the global counter urcu_qsbr_gp.ctr and
# _urcu_qsbr_quiescent_state_update_and_wakeup(). They have this form in
# liburcu 0.11 to 0.15 (Documentation/core-api/abi.rst); the build refuses
# any other version (when it writes the configuration headers). Override
# with URCU_MIN=/URCU_BELOW= only after checking those two against it.
URCU_VERSION := $(shell $(PKG_CONFIG) --modversion liburcu-qsbr 2>/dev/null)
URCU_MIN   ?= 0.11
URCU_BELOW ?= 0.16

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
	    -Wno-unused-parameter

# Each subsystem's part of struct frost_heap and struct frost_sandbox embeds
# the part of the layer below it as an unnamed member (struct frost_heap_mm
# { struct frost_heap_core; ... }), so every layer names the fields it may
# see the same way (lib/LAYERS, Documentation/design/layers.rst). That is
# -fms-extensions (gcc, clang and sparse; Linux builds with it too); clang
# also warns about it unless told not to.
LANG_EXT := -fms-extensions
ifneq ($(shell $(CC) -Werror -Wno-microsoft-anon-tag -E -x c /dev/null >/dev/null 2>&1 && echo y),)
  ifneq ($(shell $(CC) --version 2>/dev/null | grep -c clang),0)
    LANG_EXT += -Wno-microsoft-anon-tag
  endif
endif

PREFIX     ?= /usr/local
# Libraries go to the multiarch directory where the compiler names one
# (Debian and derivatives: lib/x86_64-linux-gnu, in ld.so's and
# pkg-config's default paths), else to lib.
MULTIARCH  ?= $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR     ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# Lua's C module directory for frost.so (Debian: lua5.4's package.cpath
# has /usr/lib/x86_64-linux-gnu/lua/5.4/?.so and /usr/local/lib/lua/5.4).
LUA_CMOD_DIR ?= $(LIBDIR)/lua/5.4

OPTFLAGS ?= -O2
autoconf := $(objtree)/include/generated/autoconf.h

FROST_CFLAGS := -std=gnu11 $(OPTFLAGS) -g -fPIC -fvisibility=hidden \
	-D_GNU_SOURCE -D_LGPL_SOURCE $(WARNINGS) $(LANG_EXT) \
	-include $(autoconf) \
	-I$(objtree)/include -I$(srctree)/include -I$(srctree)/lib \
	$(DEP_CFLAGS)

SAN_FLAGS_address   := -fsanitize=address -fno-omit-frame-pointer
SAN_FLAGS_thread    := -fsanitize=thread
SAN_FLAGS_undefined := -fsanitize=undefined -fno-sanitize-recover=all
SAN_FLAGS := $(SAN_FLAGS_$(SANITIZE))

ALL_CFLAGS  = $(FROST_CFLAGS) $(SAN_FLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LIBS_ALL    = $(DEP_LIBS) -lpthread $(LDLIBS)

# Tests and tools may also include the internal headers of lib/ and t/.
TEST_CFLAGS = -I$(srctree)/t

# ---------------------------------------------------------------------------
# Walk the Kbuild lists.

LIB_OBJS :=
PROGS :=
TESTS :=
HELPERS :=
SHLIBS :=
LUAMODS :=
LUAMOD_OBJS :=
SCRIPT_TESTS :=
PROG_OBJS :=
TEST_OBJS :=

# descend DIR: include DIR/Kbuild and collect what it lists, then recurse
# into its subdir-y. Per-program object lists use `<prog>-objs := a.o b.o`;
# a program without one is built from <prog>.o.
define descend
lib-y :=
subdir-y :=
prog-y :=
test-y :=
helper-y :=
shlib-y :=
luamod-y :=
script-y :=
include $(srctree)/$(1)/Kbuild
LIB_OBJS += $$(addprefix $(objtree)/$(1)/,$$(lib-y))
$$(foreach p,$$(prog-y),$$(eval $$(call add-prog,$(1),$$(p),PROGS,PROG_OBJS)))
$$(foreach p,$$(test-y),$$(eval $$(call add-prog,$(1),$$(p),TESTS,TEST_OBJS,.t)))
$$(foreach p,$$(helper-y),$$(eval $$(call add-prog,$(1),$$(p),HELPERS,TEST_OBJS)))
$$(foreach p,$$(shlib-y),$$(eval $$(call add-prog,$(1),$$(p),SHLIBS,TEST_OBJS,.so)))
$$(foreach p,$$(luamod-y),$$(eval $$(call add-prog,$(1),$$(p),LUAMODS,LUAMOD_OBJS,.so)))
SCRIPT_TESTS += $$(addprefix $(srctree)/$(1)/,$$(script-y))
__subdirs_$(subst /,_,$(1)) := $$(subdir-y)
$$(foreach d,$$(__subdirs_$(subst /,_,$(1))),$$(eval $$(call descend,$(1)/$$(d))))
endef

# add-prog DIR,NAME,LIST,OBJLIST[,SUFFIX]; `<prog>-ldlibs := -lfoo` adds
# libraries to one program's link.
define add-prog
$(3) += $(objtree)/$(1)/$(2)$(5)
__objs := $$(if $$($(2)-objs),$$($(2)-objs),$(2).o)
$(objtree)/$(1)/$(2)$(5): $$(addprefix $(objtree)/$(1)/,$$(__objs))
$(4) += $$(addprefix $(objtree)/$(1)/,$$(__objs))
endef

$(eval $(call descend,lib))
$(eval $(call descend,tools))
$(eval $(call descend,t))

TAP_OBJ := $(objtree)/t/tap.o
$(TEST_OBJS): EXTRA_TEST_CFLAGS = $(TEST_CFLAGS)
$(PROG_OBJS): EXTRA_TEST_CFLAGS = $(TEST_CFLAGS)
$(LUAMOD_OBJS): EXTRA_TEST_CFLAGS = $(LUA_CFLAGS)

STATIC_LIB := $(objtree)/libfrost.a
SONAME     := libfrost.so.$(VERSION)
SHARED_LIB := $(objtree)/libfrost.so.$(FROST_VERSION)
SHARED_LINKS := $(objtree)/$(SONAME) $(objtree)/libfrost.so
PCFILE     := $(objtree)/frost.pc
VERSION_SCRIPT := $(srctree)/lib/libfrost.map

ALL_OBJS := $(LIB_OBJS) $(PROG_OBJS) $(TEST_OBJS) $(LUAMOD_OBJS) $(TAP_OBJ)
DEPS := $(ALL_OBJS:.o=.d)

# ---------------------------------------------------------------------------
# Configuration

config_goals := defconfig olddefconfig menuconfig savedefconfig
no_build_goals := clean mrproper help distclean $(config_goals)
building := $(if $(MAKECMDGOALS),$(filter-out $(no_build_goals),$(MAKECMDGOALS)),all)

KCONFIG_ENV = KCONFIG_CONFIG=$(objtree)/.config

# A build with no .config starts from configs/defconfig; a .config older
# than Kconfig gets the new symbols' defaults (Kbuild's syncconfig).
$(objtree)/.config: $(srctree)/Kconfig $(srctree)/configs/defconfig
	@mkdir -p $(objtree)
	$(Q)command -v $(KCONFIG_CONF) >/dev/null 2>&1 || { \
		echo "make: '$(KCONFIG_CONF)' not found: run scripts/setup first (package kconfig-frontends-nox)" >&2; \
		exit 1; }
	$(Q)if [ -f $@ ]; then \
		echo '  CONF    $(call rel,$@) (olddefconfig)'; \
		cd $(srctree) && $(KCONFIG_ENV) $(KCONFIG_CONF) -s --olddefconfig Kconfig; \
	else \
		echo '  CONF    $(call rel,$@) (from configs/defconfig)'; \
		cd $(srctree) && $(KCONFIG_ENV) $(KCONFIG_CONF) -s --defconfig=configs/defconfig Kconfig; \
	fi && touch $@

# The header is rewritten only when its contents change (so objects rebuild
# only then); the stamp records that it was checked against this .config.
# The same recipe writes include/frost/config.h, the installed record of
# the configuration, the version and liburcu's version (scripts/mkconfig-h),
# after checking that liburcu is one the inline quiescent state suits.
autoconf_stamp := $(objtree)/include/config/autoconf.stamp
frost_config_h := $(objtree)/include/frost/config.h
$(autoconf_stamp): $(objtree)/.config $(srctree)/scripts/mkautoconf $(srctree)/scripts/mkconfig-h \
		   $(flagsfile)
	$(Q)$(PKG_CONFIG) --atleast-version=$(URCU_MIN) liburcu-qsbr && \
	  ! $(PKG_CONFIG) --atleast-version=$(URCU_BELOW) liburcu-qsbr || { \
		echo "make: liburcu-qsbr '$(URCU_VERSION)' is not supported: frost_quiescent() reads" \
		     "its internals, checked for $(URCU_MIN) <= version < $(URCU_BELOW)" \
		     "(Documentation/core-api/abi.rst)" >&2; exit 1; }
	$(call cmd,autoconf)
	$(call cmd,config_h)
	@mkdir -p $(@D) && touch $@
quiet_cmd_autoconf = GEN     $(call rel,$(autoconf))
      cmd_autoconf = $(srctree)/scripts/mkautoconf $< $(autoconf)
quiet_cmd_config_h = GEN     $(call rel,$(frost_config_h))
      cmd_config_h = $(srctree)/scripts/mkconfig-h $< $(frost_config_h) $(FROST_VERSION) '$(URCU_VERSION)'
$(autoconf) $(frost_config_h): $(autoconf_stamp) ;

PHONY += defconfig olddefconfig menuconfig savedefconfig
defconfig:
	@mkdir -p $(objtree)
	$(Q)cd $(srctree) && $(KCONFIG_ENV) $(KCONFIG_CONF) --defconfig=configs/defconfig Kconfig
olddefconfig:
	@mkdir -p $(objtree)
	$(Q)cd $(srctree) && $(KCONFIG_ENV) $(KCONFIG_CONF) --olddefconfig Kconfig
menuconfig:
	@mkdir -p $(objtree)
	$(Q)cd $(srctree) && $(KCONFIG_ENV) $(KCONFIG_MCONF) Kconfig
savedefconfig:
	$(Q)cd $(srctree) && $(KCONFIG_ENV) $(KCONFIG_CONF) --savedefconfig=$(objtree)/defconfig Kconfig
	@echo '  GEN     $(call rel,$(objtree)/defconfig)'

# ---------------------------------------------------------------------------
# Flag tracking: .build-flags holds the compile and link command prefix; it
# is rewritten only when that changes, and every object depends on it.

flagsfile := $(objtree)/.build-flags
flags_now := $(CC) $(ALL_CFLAGS) | $(ALL_LDFLAGS) | $(LIBS_ALL) | urcu $(URCU_VERSION)
# frost.pc depends on the install paths alone, so `make install PREFIX=...`
# regenerates it without rebuilding any object.
pcvarsfile := $(objtree)/.pc-vars
pcvars_now := $(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(DEP_PKGS)
ifneq ($(building),)
  ifneq ($(file <$(flagsfile)),$(flags_now))
    # A make run by a test (t9001, t9002) on the object tree that `make
    # check` is testing: rebuilding it would relink libfrost.so under the
    # other tests running beside this one.
    ifeq ($(FROST_CHECK_OBJTREE),$(objtree))
      $(error the build flags of $(objtree) differ from the ones it was built with, and its tests are running (FROST_CHECK_OBJTREE): a test's make must not rebuild it; now: '$(flags_now)', built: '$(file <$(flagsfile))')
    endif
    $(shell mkdir -p $(objtree))
    $(file >$(flagsfile),$(flags_now))
  endif
  ifneq ($(file <$(pcvarsfile)),$(pcvars_now))
    $(shell mkdir -p $(objtree))
    $(file >$(pcvarsfile),$(pcvars_now))
  endif
endif
# Written above while the Makefile is read, which make's directory cache
# may not notice on a fresh tree: say that they need no recipe.
$(flagsfile) $(pcvarsfile): ;

# ---------------------------------------------------------------------------
# Rules

quiet_cmd_cc_o_c = CC      $(call rel,$@)
      cmd_cc_o_c = $(CC) $(ALL_CFLAGS) $(EXTRA_TEST_CFLAGS) -MMD -MP -c -o $@ $<

quiet_cmd_checksrc = CHECK   $(call rel,$<)
# Silenced: C99 declarations, attributes sparse does not know, liburcu's
# transparent unions, glibc's 0 in PTHREAD_*_INITIALIZER, math.h's use of a
# macro only gcc predefines, sizeof of a bool (the static asserts that the
# public layout prefixes match the internal ones compare member sizes), and
# a flexible struct inside a union (how the static empty str, bytes and map
# get storage for their one byte or slot).
      cmd_checksrc = $(SPARSE) -D__CHECKER__ -D__FLT_EVAL_METHOD__=0 -Wsparse-all \
		     -Wno-declaration-after-statement -Wno-unknown-attribute \
		     -Wno-transparent-union -Wno-non-pointer-null -Wno-sizeof-bool \
		     -Wno-flexible-array-nested \
		     -fms-extensions \
		     $(filter-out -W% -f% -O% -g -std=%,$(ALL_CFLAGS)) $(EXTRA_TEST_CFLAGS) $<

$(objtree)/%.o: $(srctree)/%.c $(autoconf) $(frost_config_h) $(flagsfile)
	@mkdir -p $(@D)
	$(if $(filter 1,$(C)),$(call cmd,checksrc))
	$(call cmd,cc_o_c)

# Every link writes $@.tmp and renames it into place: a test or a program
# that loads the old file while a later make relinks it sees the old file or
# the new one, never a half-written one.
quiet_cmd_ar = AR      $(call rel,$@)
      cmd_ar = rm -f $@.tmp && $(AR) rcs $@.tmp $(LIB_OBJS) && mv -f $@.tmp $@
$(STATIC_LIB): $(LIB_OBJS)
	$(call cmd,ar)

quiet_cmd_ld_so = LD      $(call rel,$@)
# -z nodelete: frost's threads (background reclaimers, the grace-period
# kicker) run library code until the process exits, so the library must
# stay mapped when a dlopen()ed user of it is dlclose()d (a Lua module).
      cmd_ld_so = $(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,-z,nodelete \
		  -Wl,--version-script=$(VERSION_SCRIPT) $(if $(SANITIZE),,-Wl,--no-undefined) \
		  -o $@.tmp $(LIB_OBJS) $(LIBS_ALL) && mv -f $@.tmp $@
$(SHARED_LIB): $(LIB_OBJS) $(VERSION_SCRIPT)
	$(call cmd,ld_so)

$(SHARED_LINKS): $(SHARED_LIB)
	$(Q)ln -sf $(notdir $<) $@

quiet_cmd_link = LD      $(call rel,$@)
      cmd_link = $(CC) $(ALL_LDFLAGS) -o $@.tmp $(filter %.o,$^) $(STATIC_LIB) $($(notdir $@)-ldlibs) \
		   $(LIBS_ALL) && mv -f $@.tmp $@
$(PROGS): $(STATIC_LIB)
	$(call cmd,link)
$(TESTS) $(HELPERS): $(TAP_OBJ) $(STATIC_LIB)
	$(call cmd,link)

# Test modules: linked against the shared library, found through an rpath.
quiet_cmd_ld_shlib = LD      $(call rel,$@)
      cmd_ld_shlib = $(CC) $(ALL_LDFLAGS) -shared -o $@.tmp $(filter %.o,$^) \
		     -L$(objtree) -Wl,-rpath,$(objtree) -lfrost && mv -f $@.tmp $@
$(SHLIBS): $(SHARED_LINKS)
	$(call cmd,ld_shlib)

# Lua modules: linked against libfrost.so, found through an rpath relative
# to the module ($ORIGIN/../..: the object tree from tools/lua, and
# $(LIBDIR) from $(LIBDIR)/lua/5.4 once installed). -z nodelete, like
# libfrost: spawned Lua states run the module's code on their own threads,
# so lua_close() of the state that loaded it must not unmap it.
quiet_cmd_ld_luamod = LD      $(call rel,$@)
      cmd_ld_luamod = $(CC) $(ALL_LDFLAGS) -shared -Wl,-z,nodelete -o $@.tmp $(filter %.o,$^) \
		      -L$(objtree) -Wl,-rpath,'$$ORIGIN/../..' -lfrost -lm -lpthread && mv -f $@.tmp $@
$(LUAMODS): $(SHARED_LINKS)
	$(call cmd,ld_luamod)

quiet_cmd_pc = GEN     $(call rel,$@)
      cmd_pc = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		   -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(FROST_VERSION)|' \
		   -e 's|@REQUIRES@|$(DEP_PKGS)|' $< > $@
$(PCFILE): $(srctree)/frost.pc.in $(pcvarsfile)
	$(call cmd,pc)

PHONY += all lib tools tests
all: lib tools
	@:
lib: $(STATIC_LIB) $(SHARED_LIB) $(SHARED_LINKS) $(PCFILE)
tools: $(PROGS) $(LUAMODS)
	@:
tests: $(TESTS) $(HELPERS) $(SHLIBS)

# ---------------------------------------------------------------------------
# Running

# `make check T="t/t0000-tap.t ..."` runs just those tests.
PROVE_FLAGS ?= -j2
CHECK_TESTS = $(if $(T),$(T),$(TESTS) $(SCRIPT_TESTS))
PHONY += check run
# TSan reads t/tsan.supp (liburcu-internal frames only; see that file).
SAN_ENV_thread = TSAN_OPTIONS="suppressions=$(srctree)/t/tsan.supp halt_on_error=1 second_deadlock_stack=1 $(TSAN_OPTIONS)"
SAN_ENV_address = ASAN_OPTIONS="detect_leaks=1 abort_on_error=0 $(ASAN_OPTIONS)"
SAN_ENV_undefined = UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 $(UBSAN_OPTIONS)"

# prove shows each test's comments (-o) and failed points (-f); after a
# failure the failed tests' parts of its output are printed again at the
# end, where a CI log's tail shows them. FROST_CHECK_OBJTREE tells a make
# that a test runs (t9001's install, t9002's check) that this object tree
# is under test: it must not be rebuilt under the running tests.
check: all tests
	$(Q)log=$$(mktemp) && rcf=$$(mktemp) && \
	{ FROST_SRCTREE=$(srctree) FROST_OBJTREE=$(objtree) FROST_SANITIZE=$(SANITIZE) \
		FROST_CHECK_OBJTREE=$(objtree) $(SAN_ENV_$(SANITIZE)) \
		CC='$(CC)' $(PROVE) $(PROVE_FLAGS) -o -f $(CHECK_TESTS) 2>&1; \
		echo $$? > $$rcf; } | tee $$log; \
	rc=$$(cat $$rcf); \
	if [ "$$rc" != 0 ]; then \
		echo "===== the failed tests' output, again ====="; \
		$(srctree)/scripts/check-log-failures $$log; \
	fi; \
	rm -f $$log $$rcf; \
	exit $$rc

RUN_PROG ?= $(objtree)/tools/frost-torture
RUN_ARGS ?=
run: tools
	$(Q)$(RUN_PROG) $(RUN_ARGS)

# Benchmarks, fuzzing, documentation and the model each have a script of
# their own; these targets build what it needs and run it.
PHONY += bench fuzz htmldocs mandocs model-check
bench: tools
	$(Q)FROST_SRCTREE=$(srctree) FROST_OBJTREE=$(objtree) $(srctree)/scripts/bench $(BENCH_ARGS)

fuzz:
	$(Q)FROST_SRCTREE=$(srctree) FROST_OBJTREE=$(objtree) $(srctree)/scripts/fuzz $(FUZZ_ARGS)

SPHINXBUILD ?= sphinx-build
htmldocs:
	$(Q)$(SPHINXBUILD) -q -W --keep-going -b html -d $(objtree)/Documentation/output/doctrees \
		$(srctree)/Documentation $(objtree)/Documentation/output/html
	@echo '  HTML    Documentation/output/html/index.html'

model-check:
	$(Q)sh $(srctree)/tools/model/check.sh

# ---------------------------------------------------------------------------
# Manual pages. Section 3 (one page per public function, structure,
# typedef and object, from the headers' kernel-doc comments) needs only
# python3; sections 1 and 7 (frost(7), frost-checklist(7), frost-lua(7), frost-torture(1),
# frost-bench(1), frost-bench-lua(1)) are Sphinx's man builder over Documentation/ (conf.py's
# man_pages), made when sphinx-build is installed. Both fail on a warning.

# The headers as written; config.h is generated per build (in-tree builds
# put it next to them) and installed with them.
PUBLIC_HEADERS := $(filter-out %/config.h,$(wildcard $(srctree)/include/frost/*.h))
PYTHON3 ?= python3
MANDIR  ?= $(PREFIX)/share/man
man_out := $(objtree)/Documentation/output/man
man3_stamp := $(man_out)/man3/.stamp
man_sphinx_stamp := $(man_out)/.sphinx-stamp
have_sphinx = $(shell command -v $(SPHINXBUILD) 2>/dev/null)
# Sections 1 and 7 as installed, by section.
MAN1_PAGES := frost-torture.1 frost-bench.1 frost-bench-lua.1
MAN7_PAGES := frost.7 frost-checklist.7 frost-lua.7

quiet_cmd_man3 = MAN     $(call rel,$(man_out))/man3
      cmd_man3 = $(PYTHON3) $(srctree)/scripts/kernel-doc-man man -o $(man_out)/man3 \
		 --version $(FROST_VERSION) $(PUBLIC_HEADERS)
$(man3_stamp): $(PUBLIC_HEADERS) $(srctree)/scripts/kernel-doc-man
	$(call cmd,man3)
	@touch $@

# Sphinx draws tables with vertical rules (`|l|l|.`), which grotty
# cannot draw in man-db's one-long-page output ("character above first
# line discarded"): the tables lose their vertical rules, keep the others,
# and their cells are not adjusted (.na: long names in narrow columns
# would warn "cannot adjust line" at 80 columns).
quiet_cmd_man_sphinx = MAN     $(call rel,$(man_out))/man1 man7
      cmd_man_sphinx = $(SPHINXBUILD) -q -W --keep-going -b man \
		       -d $(objtree)/Documentation/output/doctrees-man \
		       $(srctree)/Documentation $(man_out) && \
		       sed -i -e '/^\.TS/,/^\.TE/{s/^|\(.*\)|\.$$/\1./;s/|/ /g;}' \
			   -e 's/^\.TS$$/.na\n.TS/' -e 's/^\.TE$$/.TE\n.ad/' \
			   $(addprefix $(man_out)/man1/,$(MAN1_PAGES)) \
			   $(addprefix $(man_out)/man7/,$(MAN7_PAGES))
$(man_sphinx_stamp): $(wildcard $(srctree)/Documentation/*.rst $(srctree)/Documentation/*/*.rst \
				$(srctree)/Documentation/conf.py $(srctree)/Documentation/sphinx/*.py) \
		     $(PUBLIC_HEADERS) $(srctree)/scripts/kernel-doc-man
	$(call cmd,man_sphinx)
	@touch $@

mandocs: $(man3_stamp) $(if $(have_sphinx),$(man_sphinx_stamp))
	$(if $(have_sphinx),,@echo '  SKIP    man1, man7: $(SPHINXBUILD) not found (python3-sphinx)')

# ---------------------------------------------------------------------------
# Install

INSTALL ?= install

PHONY += install uninstall
install: lib mandocs $(frost_config_h) $(LUAMODS)
	$(call cmd,install)
	$(call cmd,install_man)
quiet_cmd_install = INSTALL $(DESTDIR)$(PREFIX)
      cmd_install = \
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/frost $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) && \
	$(INSTALL) -m 644 $(PUBLIC_HEADERS) $(frost_config_h) $(DESTDIR)$(INCLUDEDIR)/frost/ && \
	$(INSTALL) -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/ && \
	$(INSTALL) -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/ && \
	ln -sf $(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SONAME) && \
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libfrost.so && \
	$(INSTALL) -m 644 $(PCFILE) $(DESTDIR)$(PKGCONFIGDIR)/frost.pc \
	$(if $(LUAMODS),&& $(INSTALL) -d $(DESTDIR)$(LUA_CMOD_DIR) && \
		$(INSTALL) -m 644 $(LUAMODS) $(DESTDIR)$(LUA_CMOD_DIR)/)

# The man pages installed are those mandocs made: section 3 always, 7 when
# it was built (sphinx-build); section 1 goes with the tools
# (install-tools). Listed by the shell when the recipe runs (make's
# directory cache predates the pages).
man_installed = $$(cd $(man_out) && ls man3/*.3 $(addprefix man7/,$(MAN7_PAGES)) 2>/dev/null)
quiet_cmd_install_man = INSTALL $(DESTDIR)$(MANDIR)
      cmd_install_man = \
	for p in $(man_installed); do \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/$${p%/*} && \
		$(INSTALL) -m 644 $(man_out)/$$p $(DESTDIR)$(MANDIR)/$$p || exit 1; \
	done

# uninstall removes what install put there, then the directories that
# leaves empty, up to (not including) the prefix. It lists the man pages
# to remove from a fresh mandocs, so it needs the headers, not a build.
uninstall: mandocs
	$(call cmd,uninstall)
quiet_cmd_uninstall = UNINST  $(DESTDIR)$(PREFIX)
      cmd_uninstall = \
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/frost/,$(notdir $(PUBLIC_HEADERS)) config.h) \
	      $(DESTDIR)$(LIBDIR)/libfrost.a $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB)) \
	      $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libfrost.so \
	      $(DESTDIR)$(PKGCONFIGDIR)/frost.pc $(DESTDIR)$(LUA_CMOD_DIR)/frost.so \
	      $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(MAN7_PAGES)) && \
	for p in $(man_installed); do rm -f $(DESTDIR)$(MANDIR)/$$p; done && \
	$(call rmdirs,$(DESTDIR)$(INCLUDEDIR)/frost $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(LUA_CMOD_DIR) \
		      $(DESTDIR)$(LIBDIR) \
		      $(addprefix $(DESTDIR)$(MANDIR)/,man3 man7))
# $(call rmdirs,DIRS): remove each of DIRS and its parents while empty,
# stopping at the prefix.
rmdirs = for d in $(1); do \
		while [ "$$d" != "$(DESTDIR)$(PREFIX)" ] && [ "$$d" != / ] && \
		      rmdir "$$d" 2>/dev/null; do d=$${d%/*}; done; \
	done; true

# The tools a package of them ships (frost-tools): frost-torture and
# frost-bench in BINDIR, their section 1 pages (when built) in MANDIR.
BINDIR ?= $(PREFIX)/bin
INSTALL_TOOLS := frost-torture frost-bench
PHONY += install-tools uninstall-tools
install-tools: tools mandocs
	$(call cmd,install_tools)
quiet_cmd_install_tools = INSTALL $(DESTDIR)$(BINDIR)
      cmd_install_tools = \
	$(INSTALL) -d $(DESTDIR)$(BINDIR) && \
	$(INSTALL) -m 755 $(addprefix $(objtree)/tools/,$(INSTALL_TOOLS)) $(DESTDIR)$(BINDIR)/ && \
	for p in $(MAN1_PAGES); do \
		[ ! -f $(man_out)/man1/$$p ] || { $(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 && \
		$(INSTALL) -m 644 $(man_out)/man1/$$p $(DESTDIR)$(MANDIR)/man1/; } || exit 1; \
	done
uninstall-tools:
	$(call cmd,uninstall_tools)
quiet_cmd_uninstall_tools = UNINST  $(DESTDIR)$(BINDIR)
      cmd_uninstall_tools = \
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INSTALL_TOOLS)) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(MAN1_PAGES)) && \
	$(call rmdirs,$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1)

# ---------------------------------------------------------------------------
# Cleaning

PHONY += clean mrproper distclean
clean:
	$(Q)rm -f $(ALL_OBJS) $(DEPS) $(STATIC_LIB) $(SHARED_LIB) $(SHARED_LINKS) \
		$(PCFILE) $(PROGS) $(TESTS) $(HELPERS) $(SHLIBS) $(LUAMODS) $(flagsfile) $(pcvarsfile)
	$(Q)rm -rf $(srctree)/build
mrproper distclean: clean
	$(Q)rm -rf $(objtree)/.config $(objtree)/.config.old $(objtree)/include/generated \
		$(objtree)/include/config $(frost_config_h)

# ---------------------------------------------------------------------------
# Help

PHONY += help
help:
	@echo 'Cleaning targets:'
	@echo '  clean           - Remove generated files, keep the configuration'
	@echo '  mrproper        - Remove all generated files and the configuration'
	@echo ''
	@echo 'Configuration targets:'
	@echo '  defconfig       - New .config from configs/defconfig'
	@echo '  olddefconfig    - Update .config, new symbols get their defaults'
	@echo '  menuconfig      - Edit .config with a menu (kconfig-mconf)'
	@echo '  savedefconfig   - Save the minimal configuration as ./defconfig'
	@echo ''
	@echo 'Build targets:'
	@echo '  all             - Build the libraries and the tools (default)'
	@echo '  lib             - libfrost.a, libfrost.so.$(FROST_VERSION), frost.pc'
	@echo '  tools           - tools/ (frost-demo, frost-bench, ..., the Lua module tools/lua/frost.so)'
	@echo '  tests           - The TAP test programs under t/'
	@echo ''
	@echo 'Running targets:'
	@echo '  check           - Build and run the test suite with prove'
	@echo '  run             - Build and run the main job (frost-torture, ~10 s)'
	@echo '  bench           - Run every benchmark; CSV and plots under bench/'
	@echo '  fuzz            - Build the libFuzzer targets (clang) and run each briefly'
	@echo '  model-check     - Verify the Promela model of the reclaim protocol (spin)'
	@echo ''
	@echo 'Documentation targets:'
	@echo '  htmldocs        - Build Documentation/ with Sphinx (warnings are errors)'
	@echo '  mandocs         - Man pages: section 3 from the headers, 1 and 7 with Sphinx'
	@echo ''
	@echo 'Install targets:'
	@echo '  install         - Install headers, libraries, frost.pc, man pages'
	@echo '  uninstall       - Remove what install installed'
	@echo '  install-tools   - Install frost-torture, frost-bench and their man pages (BINDIR)'
	@echo '  uninstall-tools - Remove what install-tools installed'
	@echo '                    (PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR)'
	@echo '                     MANDIR=$(MANDIR) LUA_CMOD_DIR=$(LUA_CMOD_DIR) DESTDIR=)'
	@echo ''
	@echo 'Options:'
	@echo '  make V=1        - Print full commands'
	@echo '  make O=dir      - Build in dir (the source tree stays clean)'
	@echo '  make C=1        - Run sparse over every C file compiled'
	@echo '  make SANITIZE=address|thread|undefined'
	@echo '                  - Sanitized build in build/sanitize-<kind> (unless O= is given)'
	@echo '  make CC=clang   - Build with another compiler'
	@echo '  make PROVE_FLAGS=-v check - Flags for prove'
	@echo '  make check T="t/t0000-tap.t" - Run only the given tests'

PHONY += FORCE
FORCE:

.PHONY: $(PHONY)

ifneq ($(building),)
-include $(DEPS)
endif
