import sys

from f1ml.dev.benchmark.cli import main

sys.exit(main())
