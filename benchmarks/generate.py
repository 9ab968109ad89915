"""Command-line entry of the plant generator, which lives in ``solver.generate``."""

from solver.generate import TEMPLATE, generate_plant, main  # noqa: F401  (re-exported for benchmarks)

if __name__ == "__main__":
    main()
