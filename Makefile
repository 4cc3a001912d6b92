# The two commands of the README: `make demo` and `make test`.  Both create the
# virtual environment when it is missing and install sklreg with its extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch is pinned to a release whose CPU wheel is available locally; override
# (e.g. `make TORCH=torch test`) to let pip pick another build.
TORCH ?= torch==2.13.0
EXTRAS ?= nn,dask,plot,dev
STAMP := $(VENV)/.sklreg-installed
# The kernels of a small fit compiled ahead of time (numba.pycc, a C compiler):
# a fresh process then fits without importing numba.  `make AOT=0 ...` skips
# the build; sklreg then runs those kernels just in time.
# The build script itself skips the compile when its sidecar shows the
# sources' hash and this CPU (no second list of sources here).
AOT ?= 1
ifeq ($(AOT),1)
KERNELS := kernels
endif

.PHONY: demo test lint format bench clean bytecode kernels

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

kernels: $(STAMP)
	$(PY) -m sklreg._cd._aot_build

# sklreg's bytecode, written once: with PYTHONDONTWRITEBYTECODE set (as on
# some machines) an editable install would compile every module from source
# in every process (~40 ms per import, paid by each grid-search worker).
bytecode: $(STAMP)
	$(PY) -m compileall -q sklreg

demo: $(STAMP) $(KERNELS) bytecode
	$(PY) examples/quickstart.py

test: $(STAMP) $(KERNELS) bytecode
	SKLREG_REQUIRE_AOT=$(AOT) $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) benchmarks/bench_linear.py

clean:
	rm -rf $(VENV) build dist *.egg-info sklreg/_cd/_aot_kernels*
