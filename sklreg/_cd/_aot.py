"""The kernels of a float64 fit, compiled ahead of time: no numba at run time.

A fresh process pays numba's import and compiler start-up (0.3-0.45 s
measured, against scikit-learn's 4 ms first fit) before its first jitted
call, even when the kernels are cached on disk; a process-based grid search
pays it in every worker.  The kernels a fit runs -- scikit-learn's loop on
dense or CSC columns and on the Gram matrix, the working-set solver's epochs,
correlations, Anderson weights and penalty loops, the residual of a warm
start and the duality gap -- are therefore also compiled into an extension
module at install (``python -m sklreg._cd._aot_build``, run by
``make``; :data:`EXPORTS` lists them with their signatures).  The functions
below call that module when it is present, up to date with the kernel
sources, and the arguments are exactly of its signature (float64, the
layouts below), in the main thread; otherwise -- another dtype or layout,
or another thread, since the extension cannot release the GIL as the numba
kernels do -- they call the numba kernel, the same source compiled just in
time.  Either gives the same iterates.

The extension is built at install for the machine's CPU and the features
it detects, as numba's JIT compiles, so both give the same bits; its
sidecar file records the kernel sources' hash and the CPU's flags, and a
mismatch with either turns it off (as does ``SKLREG_AOT=0``).
"""

import hashlib
import importlib
import os
import pathlib
import threading

import numpy as np

from sklreg._cd._lazy import lazy_module

# the numba kernel modules, imported on first use
_JIT = {
    name: lazy_module(f"sklreg._cd.{name}")
    for name in ("_kernels", "_kernels_plain", "_kernels_penalty", "_kernels_logistic")
}

MODULE = "_aot_kernels"

# Argument kinds: "F"/"C" a float64 matrix in Fortran/C order ("W": C order,
# written in place), "d" a float64 vector ("w": written in place), "i"/"I"
# an int64/int32 vector, "B" a bool vector, and the scalars "f" (float), "n"
# (int), "b" (bool) and "r" (the ``random`` flag of a solve: only cyclic
# solves, False, go to the extension).  Vectors are contiguous.
_TYPES = {
    "F": "f8[::1, :]",
    "C": "f8[:, ::1]",
    "W": "f8[:, ::1]",
    "d": "f8[::1]",
    "w": "f8[::1]",
    "i": "i8[::1]",
    "I": "i4[::1]",
    "B": "b1[::1]",
    "f": "f8",
    "n": "i8",
    "b": "b1",
    "r": "b1",
}
_SOLVE = "Tuple((i8, f8, b1))"

# name -> (module of the kernel, argument kinds, return type): scikit-learn's
# loop and the working-set solver's kernels on dense columns, the Gram matrix
# and CSC columns (the latter for int64 indices and, as ``<name>_i4``, for
# scipy's usual int32 ones)
_EPOCHS = "Tuple((i8, b1))"
EXPORTS = {
    "plain_solve_dense": ("_kernels_plain", "Fwwdffddbinffrn", _SOLVE),
    "plain_solve_gram": ("_kernels_plain", "Cdfwwdffddbinffrn", _SOLVE),
    "plain_solve_sparse": ("_kernels_plain", "diiddwwwdffddbnffrnb", _SOLVE),
    "gap_from_correlations": ("_kernels_plain", "ddfffddbdi", "f8"),
    "penalty_value": ("_kernels_plain", "dddi", "f8"),
    "cd_epochs_dense": ("_kernels", "Fwwdddbinfrn", _EPOCHS),
    "cd_epochs_gram": ("_kernels", "Cdwwddbinfrn", _EPOCHS),
    "cd_epochs_sparse": ("_kernels", "diiddwwwdddbinfrnb", _EPOCHS),
    "dense_residual": ("_kernels", "Fddiw", "none"),
    "xtr_dense": ("_kernels", "Fdiw", "none"),
    "xtr_sparse": ("_kernels", "diidiw", "none"),
    "sparse_matvec": ("_kernels", "diidw", "none"),
    "sparse_column_sq_norms": ("_kernels", "diidbdw", "none"),
    "sparse_column_means": ("_kernels", "diindbfw", "none"),
    "anderson_weights": ("_kernels", "Fw", "b1"),
    "subdiff_distance": ("_kernels_penalty", "ddddbiw", "none"),
    "dual_norm": ("_kernels_penalty", "ddbi", "f8"),
    # the logistic loss's prox-Newton steps on dense columns
    "quadratic_cd_dense": ("_kernels_logistic", "Fwwwdddibnfn", "i8"),
    "multinomial_cd_dense": ("_kernels_logistic", "FWwCCdWwddibnf", "i8"),
    "x_dot_dense": ("_kernels_logistic", "Fdiw", "none"),
    "xtr_rows": ("_kernels", "Cdw", "none"),
    "best_common_shift": ("_kernels_logistic", "Cffw", "none"),
    "binomial_loss": ("_kernels_logistic", "ddd", "f8"),
    "binomial_entropy": ("_kernels_logistic", "dd", "f8"),
    "dual_scaling": ("_kernels_logistic", "CddBb", "Tuple((f8, f8))"),
}
# the CSC kernels' int32 variants: ``indices`` and ``indptr`` (arguments 1
# and 2) as int32
for _name in [n for n in EXPORTS if "sparse" in n]:
    _module_name, _kinds, _ret = EXPORTS[_name]
    EXPORTS[_name + "_i4"] = (_module_name, _kinds[0] + "II" + _kinds[3:], _ret)


def kernel_name(export):
    """The numba kernel an export compiles (``<name>_i4`` is ``<name>``)."""
    return export.removesuffix("_i4")


# The sources the exported code is compiled from (this file's table and the
# build's choices included).
SOURCES = (
    "_kernels.py",
    "_kernels_plain.py",
    "_kernels_penalty.py",
    "_kernels_logistic.py",
    "_aot.py",
    "_aot_build.py",
)


def signature(name):
    """The numba signature string of the export ``name``."""
    _, kinds, ret = EXPORTS[name]
    return f"{ret}({', '.join(_TYPES[k] for k in kinds)})"


def sources_hash():
    """sha256 of the kernel sources, as the build records it."""
    here = pathlib.Path(__file__).parent
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def cpu_flags():
    """The CPU's feature flags as the OS reports them ("" where unknown)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return ""


def sidecar_path():
    return pathlib.Path(__file__).with_name(MODULE + ".txt")


def _built():
    """The extension module if it is built from the current sources for
    this CPU (its sidecar says so), else None."""
    try:
        module = importlib.import_module(f"sklreg._cd.{MODULE}")
        recorded = sidecar_path().read_text().splitlines()
    except (ImportError, OSError):
        return None
    if recorded[:2] != [sources_hash(), cpu_flags()]:
        return None
    return module


def _load():
    """The extension module, or None when absent, out of date or turned off
    (the environment variable ``SKLREG_AOT=0``)."""
    if os.environ.get("SKLREG_AOT", "1") == "0":
        return None
    return _built()


_module = _load()
# The extension holds the GIL (pycc cannot release it): threads -- parallel
# folds, a threaded grid search -- run the numba kernels, which do.
_MAIN_THREAD = threading.main_thread().ident


def available():
    """Whether the ahead-of-time kernels are in use."""
    return _module is not None


_F8, _I8, _I4, _BOOL = (np.dtype(t) for t in (np.float64, np.int64, np.int32, bool))
# array kind -> (dtype, ndim, Fortran order, written in place); dtypes
# compare by value: an array that came through pickle, as in a process
# worker, holds an equal but distinct dtype object, a byte-swapped one is
# not equal
_ARRAYS = {
    "F": (_F8, 2, True, False),
    "C": (_F8, 2, False, False),
    "W": (_F8, 2, False, True),
    "d": (_F8, 1, False, False),
    "w": (_F8, 1, False, True),
    "i": (_I8, 1, False, False),
    "I": (_I4, 1, False, False),
    "B": (_BOOL, 1, False, False),
}


def _checks(kinds):
    """``(position, kind)`` of the arguments :func:`_accepts` inspects."""
    return tuple((k, c) for k, c in enumerate(kinds) if c not in "fnb")


def _accepts(args, kinds, checks=None):
    """Whether ``args`` match the export's kinds exactly (else the pycc
    wrapper could cast, copy or misread them; its scalars it converts as
    Python's ``float``, ``int`` and ``bool`` do): native dtypes, aligned,
    contiguous in the export's layout, writeable where the kernel writes.
    Anything else goes to numba."""
    if len(args) != len(kinds):
        return False
    for k, kind in checks if checks is not None else _checks(kinds):
        a = args[k]
        if kind == "r":
            if a:
                return False
            continue
        if not isinstance(a, np.ndarray):
            return False
        dtype, ndim, fortran, written = _ARRAYS[kind]
        flags = a.flags
        if not (
            a.dtype == dtype
            and a.ndim == ndim
            and flags.aligned
            and (flags.f_contiguous if fortran else flags.c_contiguous)
            and (flags.writeable or not written)
        ):
            return False
    return True


def _dispatch(name):
    variants = [
        (export, kinds, _checks(kinds))
        for export, (_, kinds, _) in EXPORTS.items()
        if kernel_name(export) == name
    ]
    module_name = EXPORTS[name][0]
    jit_module = _JIT[module_name]

    def call(*args):
        if _module is not None and threading.get_ident() == _MAIN_THREAD:
            for export, kinds, checks in variants:
                if _accepts(args, kinds, checks):
                    return getattr(_module, export)(*args)
        return getattr(jit_module, name)(*args)

    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = (
        f"``{module_name}.{name}``, ahead-of-time compiled where the "
        "arguments allow (see the module docstring)."
    )
    return call


plain_solve_dense = _dispatch("plain_solve_dense")
plain_solve_gram = _dispatch("plain_solve_gram")
plain_solve_sparse = _dispatch("plain_solve_sparse")
gap_from_correlations = _dispatch("gap_from_correlations")
penalty_value = _dispatch("penalty_value")
cd_epochs_dense = _dispatch("cd_epochs_dense")
cd_epochs_gram = _dispatch("cd_epochs_gram")
cd_epochs_sparse = _dispatch("cd_epochs_sparse")
dense_residual = _dispatch("dense_residual")
xtr_dense = _dispatch("xtr_dense")
xtr_sparse = _dispatch("xtr_sparse")
sparse_matvec = _dispatch("sparse_matvec")
sparse_column_sq_norms = _dispatch("sparse_column_sq_norms")
sparse_column_means = _dispatch("sparse_column_means")
anderson_weights = _dispatch("anderson_weights")
subdiff_distance = _dispatch("subdiff_distance")
dual_norm = _dispatch("dual_norm")
quadratic_cd_dense = _dispatch("quadratic_cd_dense")
multinomial_cd_dense = _dispatch("multinomial_cd_dense")
x_dot_dense = _dispatch("x_dot_dense")
xtr_rows = _dispatch("xtr_rows")
best_common_shift = _dispatch("best_common_shift")
binomial_loss = _dispatch("binomial_loss")
binomial_entropy = _dispatch("binomial_entropy")
dual_scaling = _dispatch("dual_scaling")
