import sys

from pwlkit.cli import main

sys.exit(main())
