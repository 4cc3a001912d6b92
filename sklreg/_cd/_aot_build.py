"""Build the ahead-of-time kernels of :mod:`sklreg._cd._aot` (numba.pycc).

Run at install by ``make`` (``python -m sklreg._cd._aot_build``, which does
nothing when the sidecar shows the build current; ``--force`` rebuilds); it needs
numba and a C compiler, takes about ten seconds, and writes the extension
module next to this file with a sidecar recording the kernel sources' hash
and the CPU's flags.  Without it sklreg works the same, on the numba
kernels compiled just in time.

Each export is a thin function calling the numba dispatcher, so that the
kernel is compiled with its own options (``fastmath``'s reassociation, which
vectorises the dot products), for this machine's CPU and the features it
detects, exactly as the just-in-time kernels are (:func:`_host_features`).
"""

import argparse
import contextlib
import pathlib
import sys
import warnings

from sklreg._cd import _aot


def _wrapper(kernel, n_args):
    """A plain function of ``n_args`` arguments calling ``kernel``."""
    names = ", ".join(f"a{k}" for k in range(n_args))
    namespace = {"kernel": kernel}
    exec(f"def export({names}):\n    return kernel({names})\n", namespace)
    return namespace["export"]


@contextlib.contextmanager
def _host_features():
    """Compile for the host CPU *and its detected features*, as numba's JIT
    does (pycc would otherwise take the model's nominal feature set, which
    a virtual machine may not provide), so that the extension and the
    just-in-time kernels generate the same code and give the same bits:
    the main thread runs one, threads the other, and thread-parallel fits
    must equal serial ones."""
    from numba.core.codegen import AOTCPUCodegen

    original = AOTCPUCodegen._customize_tm_features
    AOTCPUCodegen._customize_tm_features = AOTCPUCodegen._get_host_cpu_features
    try:
        yield
    finally:
        AOTCPUCodegen._customize_tm_features = original


def build(output_dir=None, verbose=False):
    """Compile :data:`sklreg._cd._aot.EXPORTS`; returns the module's path."""
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending deprecation
        from numba.pycc import CC

    here = pathlib.Path(_aot.__file__).parent
    output_dir = pathlib.Path(output_dir) if output_dir else here
    cc = CC(_aot.MODULE)
    cc.output_dir = str(output_dir)
    cc.target_cpu = "host"
    cc.verbose = verbose
    recorded = f"{_aot.sources_hash()}\n{_aot.cpu_flags()}\n{cc.target_cpu}\n"
    for name, (module_name, kinds, _) in _aot.EXPORTS.items():
        module = importlib.import_module(f"sklreg._cd.{module_name}")
        kernel = getattr(module, _aot.kernel_name(name))
        cc.export(name, _aot.signature(name))(_wrapper(kernel, len(kinds)))
    with _host_features():
        cc.compile()
    sidecar = output_dir / _aot.sidecar_path().name
    sidecar.write_text(recorded)
    return output_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--force", action="store_true", help="rebuild even when up to date"
    )
    args = parser.parse_args(argv)
    if not args.force and _aot._built() is not None:
        print("sklreg: ahead-of-time kernels up to date", file=sys.stderr)
        return
    out = build(verbose=args.verbose)
    print(f"sklreg: ahead-of-time kernels built in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
