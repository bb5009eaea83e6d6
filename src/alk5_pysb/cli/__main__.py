"""`python -m alk5_pysb.cli`: the `alk5` command."""
import sys

from alk5_pysb.cli import main

sys.exit(main())
