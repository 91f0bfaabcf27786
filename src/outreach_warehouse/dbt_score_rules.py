"""dbt-score rule filters for this project's conventions (used from pyproject.toml, [tool.dbt-score])."""
# No `from __future__ import annotations`: dbt-score reads the argument annotation as a class.

from dbt_score import rule_filter
from dbt_score.models import Macro


@rule_filter
def is_not_dispatch_implementation(macro: Macro) -> bool:
    """Macros other than an engine's implementation of a dispatched macro (`duckdb__x`, `default__x`).

    A dispatched macro is described once, on its dispatcher, in the YAML beside it (macros/_macros.yml or its folder's).
    """
    return "__" not in macro.name
