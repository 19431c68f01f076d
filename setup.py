"""Build hook: the wheel carries the top-level contracts/ folder as indexer/contracts/.

Everything else about the package is in pyproject.toml. The Vyper sources stay at the
top of the repository; a checkout or an editable install reads them there (see
indexer/paths.py), and only a built package gets this copy.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CONTRACTS = "contracts"
TARGET = ("indexer", "contracts")


class build_py_with_contracts(build_py):
    def _contract_sources(self) -> list[Path]:
        sources = sorted(Path(CONTRACTS).glob("*.vy"))
        if not sources:
            raise SystemExit(f"no Vyper sources in {Path(CONTRACTS).resolve()}: the package would ship without its contracts")
        return sources

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib, *TARGET)
        shutil.rmtree(target, ignore_errors=True)  # a build/ left by an earlier build keeps no removed source
        self.mkpath(str(target))
        for source in self._contract_sources():
            self.copy_file(str(source), str(target / source.name))

    def get_source_files(self) -> list[str]:
        # What an sdist takes from build_py: the sources above ride along, so a wheel built from it has them too.
        return [*super().get_source_files(), *(str(p) for p in self._contract_sources())]


setup(cmdclass={"build_py": build_py_with_contracts})
