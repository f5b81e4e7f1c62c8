"""``python -m hedra_tui.simulator``: the same as ``hedra-tui sim``."""

import argparse
import sys

from .cli import add_sim_arguments, run_sim

parser = argparse.ArgumentParser(prog="python -m hedra_tui.simulator")
add_sim_arguments(parser)
sys.exit(run_sim(parser.parse_args()))
