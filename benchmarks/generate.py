"""Command-line entry of the plant generator, which lives in ``solver.replay.generate``."""

from solver.replay.generate import TEMPLATE, generate_plant, main  # noqa: F401  (re-exported for benchmarks)

if __name__ == "__main__":
    main()
