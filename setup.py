"""Build of the compiled loops; everything else is configured in pyproject.toml.

Both extensions are optional: where no C compiler is found the install goes on without them
and the pricers run their numpy loops (models/lattice_kernels.py, models/mbs_kernels.py).
"""

from setuptools import Extension, setup

# No -ffast-math: IEEE arithmetic in the numpy code's order. -fno-trapping-math only lets the
# compiler turn the path loop's selects into blends (it changes no result).
FLAGS = ["-O3", "-ffp-contract=off", "-fno-trapping-math"]

setup(
    ext_modules=[
        Extension(
            "hedge_planner.models._lattice_c",
            ["models/_lattice_c.c"],
            optional=True,
            extra_compile_args=FLAGS,
        ),
        Extension(
            "hedge_planner.models._mbs_c",
            ["models/_mbs_c.c"],
            optional=True,
            extra_compile_args=FLAGS,
        ),
    ]
)
