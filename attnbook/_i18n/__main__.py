"""``python -m attnbook._i18n <command>`` (see :mod:`attnbook._i18n`)."""

import sys

from attnbook._i18n.cli import main

sys.exit(main())
