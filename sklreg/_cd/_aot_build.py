"""Build the ahead-of-time kernels of :mod:`sklreg._cd._aot` (numba.pycc).

Run at install by ``make`` (``python -m sklreg._cd._aot_build``); it needs
numba and a C compiler, takes about ten seconds, and writes the extension
module next to this file with a sidecar recording the kernel sources' hash
and the CPU's flags.  Without it sklreg works the same, on the numba
kernels compiled just in time.

Each export is a thin function calling the numba dispatcher, so that the
kernel is compiled with its own options (``fastmath``'s reassociation, which
vectorises the dot products), for the x86-64-v3 level where this machine
reports all of its features (:func:`target_cpu`).
"""

import argparse
import pathlib
import platform
import sys
import warnings

from sklreg._cd import _aot


def _wrapper(kernel, n_args):
    """A plain function of ``n_args`` arguments calling ``kernel``."""
    names = ", ".join(f"a{k}" for k in range(n_args))
    namespace = {"kernel": kernel}
    exec(f"def export({names}):\n    return kernel({names})\n", namespace)
    return namespace["export"]


def target_cpu():
    """``x86-64-v3`` where the OS reports all of its features (as fast as the
    host's own model here, 74 against 77-85 ns per coordinate visit, and no
    instruction a virtual machine could hide from the named model), else
    the architecture's generic CPU."""
    if platform.machine().lower() in ("x86_64", "amd64"):
        if _aot.X86_64_V3 <= set(_aot.cpu_flags().split()):
            return "x86-64-v3"
    return ""


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
    cc.target_cpu = target_cpu()
    cc.verbose = verbose
    recorded = f"{_aot.sources_hash()}\n{_aot.cpu_flags()}\n{cc.target_cpu}\n"
    for name, (module_name, kinds, _) in _aot.EXPORTS.items():
        module = importlib.import_module(f"sklreg._cd.{module_name}")
        kernel = getattr(module, _aot.kernel_name(name))
        cc.export(name, _aot.signature(name))(_wrapper(kernel, len(kinds)))
    cc.compile()
    sidecar = output_dir / _aot.sidecar_path().name
    sidecar.write_text(recorded)
    return output_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    out = build(verbose=args.verbose)
    print(f"sklreg: ahead-of-time kernels built in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
