"""Command-line conventions shared by sklreg's example scripts.

Every example accepts ``--fast`` (or the environment variable
``SKLREG_EXAMPLES_FAST=1``) to run on tiny data with few iterations, and
``--output-dir DIR`` (default ``examples/output/``) for the figures it saves.
Examples import this module from their own folder; it has no dependency beyond
the standard library, so copying an example elsewhere only needs this file
too (or the ten lines of :func:`parse_args`).
"""

import argparse
import os
from pathlib import Path

DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parent / "output"


def fast_from_env():
    """Whether ``SKLREG_EXAMPLES_FAST`` asks for the fast mode."""
    return os.environ.get("SKLREG_EXAMPLES_FAST", "").strip().lower() not in (
        "",
        "0",
        "false",
        "no",
    )


def make_parser(description):
    """An :class:`argparse.ArgumentParser` with ``--fast`` and ``--output-dir``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--fast",
        action="store_true",
        default=fast_from_env(),
        help="tiny data and few iterations (also SKLREG_EXAMPLES_FAST=1)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"folder for the figures (default: {DEFAULT_OUTPUT_DIR})",
    )
    return parser


def parse_args(description, argv=None):
    """Parse the common options; create the output folder."""
    args = make_parser(description).parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    return args


def save_figure(fig, output_dir, name, dpi=80):
    """Save ``fig`` as ``output_dir/name`` and print where it went."""
    path = Path(output_dir) / name
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    print(f"saved figure: {path}")
    return path
