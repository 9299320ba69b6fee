import sys

from pipehat.cli import main

sys.exit(main())
