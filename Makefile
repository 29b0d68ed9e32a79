# The two set-up commands: `make run` (install + main job) and `make test` (install + suite).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# The install leaves byte-compiling to first use (--no-compile below), so Python must be let
# write its bytecode cache: where PYTHONDONTWRITEBYTECODE is set, every process (each notebook
# kernel, each test worker) compiled torch from source again (the suite took 590 s, not 400)
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test quick install lab clean-outputs

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# --no-compile: byte-compiling every installed module (torch's thousands) was half the
	# install's CPU time; Python compiles the modules it imports on first use instead
	$(PY) -m pip install -q --no-compile -c constraints.txt -e '.[dev]'
	@if $(PY) -m pip list 2>/dev/null | grep -qi nvidia; then \
		echo "error: a CUDA build of torch was installed; see constraints.txt" >&2; exit 1; fi
	touch $(STAMP)

install: $(STAMP)

# two notebooks at once: one trains while the other starts its kernel or writes its page
run: $(STAMP)
	$(VENV)/bin/pwlkit benchmarks
	$(VENV)/bin/pwlkit report --jobs 2

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q -n 2 --dist loadgroup

# the fast lane while developing: lint, then every test but the slow ones (< 2 minutes)
quick: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -m "not slow and not browser"

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --LabApp.news_url=None \
		--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		--LabApp.extension_manager=readonly notebooks/

clean-outputs:
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
