"""The verifier's optional native core (app/verifier/_native_*.pyx, Cython, linked to OpenSSL's libcrypto).

Every native function has a pure-Python reference that the verifier runs whenever the module is missing, so
``pip install`` succeeds without a C compiler, Cython or OpenSSL's headers (the extension is optional: only slower).
The rest of the packaging is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.extension import Extension


def _native_extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:  # no Cython in the build environment: the verifier runs on its Python references
        return []
    sources = sorted(Path("app/verifier").glob("_native_*.pyx"))
    extensions = [
        Extension(
            f"app.verifier.{source.stem}",
            [str(source)],
            libraries=["crypto"],
            # OpenSSL 3 deprecates SHA256_Init/Update/Final, still its fastest one-shot path for 64-byte inputs
            extra_compile_args=["-O2", "-Wno-deprecated-declarations"],
        )
        for source in sources
    ]
    compiled = cythonize(
        extensions,
        compiler_directives={"language_level": 3, "boundscheck": False, "wraparound": False, "cdivision": True},
        quiet=True,
    )
    for extension in compiled:
        extension.optional = True  # (cythonize returns new objects without it) a failed compile is a warning
    return compiled


setup(ext_modules=_native_extensions())
