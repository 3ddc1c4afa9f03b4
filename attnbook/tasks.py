"""Chapter 5's date-validity task, under the name chapter 5 imports it by.

The task lives in :mod:`attnbook.data.date_validity` (with the package's other data); this
module only re-exports it, so that ``from attnbook.tasks import ...`` keeps working.
"""

from attnbook.data.date_validity import (  # noqa: F401
    CATEGORIES,
    ROLES,
    YEARS,
    DateValidityExample,
    __all__,  # noqa: F401  (the same names)
    character_roles,
    date_validity_tokens,
    make_date_validity_examples,
    render_calendar_day,
)
