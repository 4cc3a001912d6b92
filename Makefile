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

.PHONY: demo test lint format bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/quickstart.py

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) benchmarks/bench_linear.py

clean:
	rm -rf $(VENV) build dist *.egg-info
